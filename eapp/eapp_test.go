package eapp_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/eapp"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func sample() eapp.Application {
	return eapp.Application{Number: "K1-20261201-0001", Municipality: "139998", Form: "tenshutsu", Kiosk: "k-1",
		Signed:  time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC),
		Entries: []eapp.Entry{{Label: "新しい住所", Value: "大阪府見本市一丁目1番1号 <&>"}, {Label: "転出予定日", Value: "2026-12-20"}}}
}

func TestCanonical(t *testing.T) {
	a := sample()
	b, err := a.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"format":"madoguchi-eapp/1","number":"K1-20261201-0001","municipality":"139998","form":"tenshutsu","kiosk":"k-1",` +
		`"signed":"2026-12-01T10:30:00Z","entries":[{"label":"新しい住所","value":"大阪府見本市一丁目1番1号 <&>"},{"label":"転出予定日","value":"2026-12-20"}]}`
	if string(b) != want {
		t.Fatalf("canonical\n got %s\nwant %s", b, want)
	}
	jst := a
	jst.Signed = a.Signed.In(time.FixedZone("JST", 9*3600)).Add(400 * time.Millisecond)
	if c, _ := jst.Canonical(); !bytes.Equal(c, b) {
		t.Error("the zone or a fraction of a second changes the encoding")
	}
	back, err := eapp.Parse(b)
	if err != nil || back.Number != a.Number || !back.Signed.Equal(a.Signed) || len(back.Entries) != 2 {
		t.Fatalf("parse: %+v, %v", back, err)
	}
	for _, other := range []string{strings.Replace(string(b), `"number"`, ` "number"`, 1),
		strings.Replace(string(b), `<&>`, `\u003c&\u003e`, 1), string(b) + "\n", `{"format":"other/1"}`} {
		if _, err := eapp.Parse([]byte(other)); !errors.Is(err, eapp.ErrInvalid) {
			t.Errorf("another encoding accepted: %s (%v)", other, err)
		}
	}
	bad := sample()
	bad.Entries[0].Value = "x\u202ey"
	if _, err := bad.Canonical(); !errors.Is(err, eapp.ErrInvalid) {
		t.Errorf("bidi value: %v", err)
	}
}

// signWithCard signs content as the kiosk does: the signing password once, the signing
// certificate read, the card's signing key over the DigestInfo.
func signWithCard(t *testing.T, vc *readertest.Card, content []byte, at time.Time) []byte {
	t.Helper()
	ctx := context.Background()
	card := reader.New(vc)
	if err := card.Verify(ctx, reader.SignPIN, []byte("abc123")); err != nil {
		t.Fatal(err)
	}
	cert, err := card.SignCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := eapp.SignedData(content, cert, at, func(di []byte) ([]byte, error) {
		return card.Sign(ctx, reader.SignKey, di)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func TestSignedDataOpen(t *testing.T) {
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := sample().Canonical()
	at := time.Now().Truncate(time.Second)
	sd := signWithCard(t, vc, content, at)
	s, err := eapp.Open(sd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Content, content) || !s.SigningTime.Equal(at) || !bytes.Equal(s.Cert.Raw, vc.SignCert().Raw) {
		t.Fatalf("opened %+v", s)
	}
	if vc.TriesLeft(readertest.PINSign) != 5 {
		t.Error("a good password spent a try")
	}
	// Tampering anywhere that matters is refused.
	i := bytes.Index(sd, []byte("tenshutsu"))
	tampered := bytes.Clone(sd)
	tampered[i] = 'T'
	sig := bytes.Clone(sd)
	sig[len(sig)-5] ^= 1
	for name, b := range map[string][]byte{"content": tampered, "signature": sig, "cut": sd[:len(sd)-10], "garbage": []byte("x")} {
		if _, err := eapp.Open(b); !errors.Is(err, eapp.ErrBadSignedData) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Another card's key under this card's certificate does not sign.
	other, err := readertest.NewCard(readertest.Options{SignKey: readertest.Key(1004)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	oc := reader.New(other)
	if err := oc.Verify(ctx, reader.SignPIN, []byte("ABC123")); err != nil {
		t.Fatal(err)
	}
	if _, err := eapp.SignedData(content, vc.SignCert(), at, func(di []byte) ([]byte, error) {
		return oc.Sign(ctx, reader.SignKey, di)
	}); err == nil {
		t.Error("a signature by another card's key was wrapped under this card's certificate")
	}
}

// TestOpenSSLVerifies: Debian's openssl cms -verify, written by nobody here, accepts what
// SignedData writes, against the test JPKI signing CA, and gives back the content.
func TestOpenSSLVerifies(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: install the Debian package openssl (make deps)")
	}
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := sample().Canonical()
	sd := signWithCard(t, vc, content, time.Now())
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ca := write("sign-ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: vc.PKI().Sign.Cert.Raw}))
	in := write("app.p7m", sd)
	out := filepath.Join(dir, "content")
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-CAfile", ca, "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, msg)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, content) {
		t.Fatalf("openssl's content %q", got)
	}
	// openssl refuses a tampered one too, and one against another CA.
	i := bytes.Index(sd, []byte("tenshutsu"))
	bad := bytes.Clone(sd)
	bad[i] = 'T'
	if msg, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", write("bad.p7m", bad), "-CAfile", ca,
		"-out", filepath.Join(dir, "x")).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified a tampered application:\n%s", msg)
	}
	other := write("auth-ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: vc.PKI().Auth.Cert.Raw}))
	if msg, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-CAfile", other,
		"-out", filepath.Join(dir, "y")).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified against the wrong CA:\n%s", msg)
	}
	// openssl's default purpose (S/MIME signing) checks the signer's key usage as the
	// center does: a certificate of the same root whose key is for something else is refused.
	for _, tc := range []struct {
		name string
		ku   x509.KeyUsage
		eku  []x509.ExtKeyUsage
	}{
		{"encipherment only", x509.KeyUsageKeyEncipherment, nil},
		{"TLS servers only", x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
	} {
		sign := vc.PKI().Sign
		cert, err := sign.IssueSignUsage(&readertest.Key(1001).PublicKey, readertest.DefaultHolder, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0), tc.ku, tc.eku)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := readertest.NewCard(readertest.Options{SignCert: cert})
		if err != nil {
			t.Fatal(err)
		}
		msd := signWithCard(t, mc, content, time.Now())
		if msg, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", write("misused.p7m", msd), "-CAfile", ca,
			"-out", filepath.Join(dir, "z")).CombinedOutput(); err == nil {
			t.Errorf("openssl verified a signature by a key for %s:\n%s", tc.name, msg)
		}
	}
}
