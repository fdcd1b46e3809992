package center

import (
	"crypto/ed25519"
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
