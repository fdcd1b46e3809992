package center

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ParseDocumentKey reads the center's document-signing public key from PEM ("PUBLIC KEY",
// PKIX, Ed25519): the key a kiosk pins.
func ParseDocumentKey(pemBytes []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("center: document key: no PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("center: document key: %w", err)
	}
	pk, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("center: document key: not an Ed25519 key")
	}
	return pk, nil
}

// LoadDocumentKey reads ParseDocumentKey's input from a file.
func LoadDocumentKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("center: document key: %w", err)
	}
	k, err := ParseDocumentKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return k, nil
}

// ClientFiles name the files a kiosk's client is built from (the [center] section's
// client_cert, client_key, ca_file and document_key): its TLS identity, the center's
// pinned CA and its pinned document-signing key.
type ClientFiles struct {
	Cert, Key, CA, DocumentKey string
}

// Load reads the files into the options they provide (Certificate, CenterCAs,
// DocumentKey); the caller adds the base URL, the kiosk id, timeouts and the clock. The
// CA pool holds the pinned CA only, never the system roots.
func (f ClientFiles) Load() (ClientOptions, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return ClientOptions{}, fmt.Errorf("kiosk certificate: %w", err)
	}
	caPEM, err := os.ReadFile(f.CA)
	if err != nil {
		return ClientOptions{}, fmt.Errorf("center CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return ClientOptions{}, fmt.Errorf("center CA: %s holds no PEM certificate", f.CA)
	}
	docKey, err := LoadDocumentKey(f.DocumentKey)
	if err != nil {
		return ClientOptions{}, err
	}
	return ClientOptions{Certificate: cert, CenterCAs: pool, DocumentKey: docKey}, nil
}
