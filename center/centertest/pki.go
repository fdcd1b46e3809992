package centertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"madoguchi/center"
	"madoguchi/reader/readertest"
)

// File names written by (*PKI).Write and read by LoadPKI, inside one folder. Private keys
// are written with mode 0600.
const (
	FileAuthRoot    = "jpki-auth-root"       // .crt/.key: test JPKI user-authentication root (readertest)
	FileSignRoot    = "jpki-sign-root"       // .crt/.key: test JPKI signing root (署名用, readertest)
	FileTLSCA       = "center-ca"            // .crt/.key: CA of the center's TLS certificate and of kiosk client certificates
	FileServer      = "center"               // .crt/.key: the center's TLS server certificate (127.0.0.1, ::1, localhost)
	FileDocumentKey = "document-signing.key" // PKCS#8 Ed25519: signs every document
	FileDocumentPub = "document-signing.pub" // PKIX public key: pinned by kiosks
)

// PKI is the key material of a test center: a test JPKI root (and signing root), a TLS CA that signs both
// the server certificate and kiosk client certificates, and the document-signing key.
// Nothing here is secret in the sense of production: it is generated per run.
type PKI struct {
	AuthCA      *readertest.CA
	SignCA      *readertest.CA // the test JPKI signing root (署名用); nil in a PKI loaded from files
	TLSCA       *x509.Certificate
	TLSCAKey    *ecdsa.PrivateKey
	Server      tls.Certificate
	DocumentKey ed25519.PrivateKey
	now         time.Time
}

// NewPKI generates a fresh PKI valid from a day before now for ten years.
func NewPKI(now time.Time) (*PKI, error) {
	auth, err := readertest.NewAuthCA(now)
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"madoguchi TEST"}, CommonName: "madoguchi TEST center CA"},
		NotBefore:             now.Add(-24 * time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: ca: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: ca: %w", err)
	}
	_, docKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: document key: %w", err)
	}
	sign, err := readertest.NewCAWithKey(now, true, readertest.Key(1101))
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: %w", err)
	}
	p := &PKI{AuthCA: auth, SignCA: sign, TLSCA: ca, TLSCAKey: caKey, DocumentKey: docKey, now: now}
	p.Server, err = p.leaf(pkix.Name{CommonName: "localhost"}, x509.ExtKeyUsageServerAuth,
		[]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback})
	if err != nil {
		return nil, fmt.Errorf("centertest: pki: server: %w", err)
	}
	return p, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n.Add(n, big.NewInt(1))
}

func (p *PKI) leaf(subj pkix.Name, eku x509.ExtKeyUsage, dns []string, ips []net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subj,
		NotBefore:    p.now.Add(-24 * time.Hour),
		NotAfter:     p.now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{eku},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.TLSCA, &key.PublicKey, p.TLSCAKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// KioskCert issues a TLS client certificate whose CN is the kiosk id.
func (p *PKI) KioskCert(kioskID string) (tls.Certificate, error) {
	if !center.ValidKioskID(kioskID) {
		return tls.Certificate{}, fmt.Errorf("centertest: kiosk id %q is not valid", kioskID)
	}
	c, err := p.leaf(pkix.Name{Organization: []string{"madoguchi TEST kiosk"}, CommonName: kioskID}, x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("centertest: kiosk cert %s: %w", kioskID, err)
	}
	return c, nil
}

// CAPool is a pool holding the TLS CA (what a kiosk pins, and what the center trusts for
// kiosk certificates).
func (p *PKI) CAPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.TLSCA)
	return pool
}

// DocumentPublicKey is the key kiosks pin to verify documents.
func (p *PKI) DocumentPublicKey() ed25519.PublicKey {
	return p.DocumentKey.Public().(ed25519.PublicKey)
}

// Write saves the PKI into dir (created 0700 if missing), plus a client certificate for
// each kiosk id as kiosk-<id>.crt/.key.
func (p *PKI) Write(dir string, kioskIDs ...string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("centertest: write pki: %w", err)
	}
	if err := p.AuthCA.WritePEM(dir, FileAuthRoot); err != nil {
		return fmt.Errorf("centertest: write pki: %w", err)
	}
	if p.SignCA != nil {
		if err := p.SignCA.WritePEM(dir, FileSignRoot); err != nil {
			return fmt.Errorf("centertest: write pki: %w", err)
		}
	}
	if err := writeKeyPair(dir, FileTLSCA, p.TLSCA.Raw, p.TLSCAKey); err != nil {
		return err
	}
	if err := writeKeyPair(dir, FileServer, p.Server.Certificate[0], p.Server.PrivateKey); err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.DocumentKey)
	if err != nil {
		return fmt.Errorf("centertest: write pki: %w", err)
	}
	if err := writePEM(filepath.Join(dir, FileDocumentKey), "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(p.DocumentPublicKey())
	if err != nil {
		return fmt.Errorf("centertest: write pki: %w", err)
	}
	if err := writePEM(filepath.Join(dir, FileDocumentPub), "PUBLIC KEY", pubDER, 0o644); err != nil {
		return err
	}
	for _, id := range kioskIDs {
		kc, err := p.KioskCert(id)
		if err != nil {
			return err
		}
		if err := writeKeyPair(dir, "kiosk-"+id, kc.Certificate[0], kc.PrivateKey); err != nil {
			return err
		}
	}
	return nil
}

// WriteKioskFiles writes what one kiosk needs to talk to this center, under the names
// config.Demo expects: center-ca.pem, kiosk.crt, kiosk.key (0600), and center-doc.pub
// (the pinned document-signing key, PKIX PEM).
func (p *PKI) WriteKioskFiles(dir, kioskID string) error {
	kc, err := p.KioskCert(kioskID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("centertest: kiosk files: %w", err)
	}
	if err := writePEM(filepath.Join(dir, "center-ca.pem"), "CERTIFICATE", p.TLSCA.Raw, 0o644); err != nil {
		return err
	}
	if err := writePEM(filepath.Join(dir, "kiosk.crt"), "CERTIFICATE", kc.Certificate[0], 0o644); err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(kc.PrivateKey)
	if err != nil {
		return fmt.Errorf("centertest: kiosk files: %w", err)
	}
	if err := writePEM(filepath.Join(dir, "kiosk.key"), "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(p.DocumentPublicKey())
	if err != nil {
		return fmt.Errorf("centertest: kiosk files: %w", err)
	}
	return writePEM(filepath.Join(dir, "center-doc.pub"), "PUBLIC KEY", pubDER, 0o644)
}

func writeKeyPair(dir, name string, certDER []byte, key any) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("centertest: write %s: %w", name, err)
	}
	if err := writePEM(filepath.Join(dir, name+".key"), "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, name+".crt"), "CERTIFICATE", certDER, 0o644)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("centertest: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil { // WriteFile keeps an existing file's mode
		os.Remove(tmp)
		return fmt.Errorf("centertest: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("centertest: write %s: %w", path, err)
	}
	return nil
}

// LoadPKI reads a PKI written by Write.
func LoadPKI(dir string) (*PKI, error) {
	auth, err := readertest.LoadCA(dir, FileAuthRoot)
	if err != nil {
		return nil, fmt.Errorf("centertest: load pki: %w", err)
	}
	p := &PKI{AuthCA: auth, now: time.Now()}
	if _, err := os.Stat(filepath.Join(dir, FileSignRoot+".crt")); err == nil { // folders from before have none
		if p.SignCA, err = readertest.LoadCA(dir, FileSignRoot); err != nil {
			return nil, fmt.Errorf("centertest: load pki: %w", err)
		}
	}
	ca, caKey, err := loadKeyPair(dir, FileTLSCA)
	if err != nil {
		return nil, err
	}
	ek, ok := caKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("centertest: load pki: %s.key is not ECDSA", FileTLSCA)
	}
	p.TLSCA, p.TLSCAKey = ca, ek
	srv, srvKey, err := loadKeyPair(dir, FileServer)
	if err != nil {
		return nil, err
	}
	p.Server = tls.Certificate{Certificate: [][]byte{srv.Raw}, PrivateKey: srvKey, Leaf: srv}
	b, err := readPEM(filepath.Join(dir, FileDocumentKey), "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("centertest: load pki: %s: %w", FileDocumentKey, err)
	}
	dk, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("centertest: load pki: %s is not Ed25519", FileDocumentKey)
	}
	p.DocumentKey = dk
	return p, nil
}

func loadKeyPair(dir, name string) (*x509.Certificate, any, error) {
	cb, err := readPEM(filepath.Join(dir, name+".crt"), "CERTIFICATE")
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(cb)
	if err != nil {
		return nil, nil, fmt.Errorf("centertest: load %s.crt: %w", name, err)
	}
	kb, err := readPEM(filepath.Join(dir, name+".key"), "PRIVATE KEY")
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(kb)
	if err != nil {
		return nil, nil, fmt.Errorf("centertest: load %s.key: %w", name, err)
	}
	pub, ok := key.(crypto.Signer)
	if !ok || !pubEqual(pub.Public(), cert.PublicKey) {
		return nil, nil, fmt.Errorf("centertest: load %s: key does not match certificate", name)
	}
	return cert, key, nil
}

func pubEqual(a, b any) bool {
	e, ok := a.(interface{ Equal(x crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

func readPEM(path, typ string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("centertest: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != typ {
		return nil, fmt.Errorf("centertest: %s: no %s block", path, typ)
	}
	return blk.Bytes, nil
}
