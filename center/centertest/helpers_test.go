package centertest_test

import (
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"testing"
)

func loadTLS(dir string) (tls.Certificate, error) {
	return tls.LoadX509KeyPair(filepath.Join(dir, "kiosk.crt"), filepath.Join(dir, "kiosk.key"))
}

func poolOf(t *testing.T, pemBytes []byte) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in CA file")
	}
	return p
}
