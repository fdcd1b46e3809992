package readertest

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var pkiNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestCAShape(t *testing.T) {
	for _, tc := range []struct {
		name string
		mk   func(time.Time) (*CA, error)
		ou   string
	}{
		{"auth", NewAuthCA, "JPKI for user authentication"},
		{"sign", NewSignCA, "JPKI for digital signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca, err := tc.mk(pkiNow)
			if err != nil {
				t.Fatal(err)
			}
			c := ca.Cert
			wantOU := []string{tc.ou, "Japan Agency for Local Authority Information Systems"}
			if got := c.Subject.OrganizationalUnit; strings.Join(got, "|") != strings.Join(wantOU, "|") {
				t.Errorf("OU = %q, want %q", got, wantOU)
			}
			if c.Subject.Country[0] != "JP" || c.Subject.Organization[0] != "JPKI" {
				t.Errorf("subject = %s", c.Subject)
			}
			if !strings.Contains(c.Subject.CommonName, "TEST") {
				t.Errorf("CN %q lacks the TEST marker", c.Subject.CommonName)
			}
			if !c.IsCA || c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
				t.Errorf("IsCA=%v KeyUsage=%v", c.IsCA, c.KeyUsage)
			}
			if c.SignatureAlgorithm != x509.SHA256WithRSA {
				t.Errorf("sig alg %v", c.SignatureAlgorithm)
			}
			if err := c.CheckSignatureFrom(c); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			// Separate RDNs in J-LIS order: C, O, OU, OU, CN.
			var types []string
			for _, atv := range c.Subject.Names {
				types = append(types, atv.Type.String())
			}
			if got := strings.Join(types, ","); got != "2.5.4.6,2.5.4.10,2.5.4.11,2.5.4.11,2.5.4.3" {
				t.Errorf("subject attribute order %s", got)
			}
		})
	}
}

func TestIssueAuthAndSign(t *testing.T) {
	ca, err := NewAuthCA(pkiNow)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := ca.IssueAuth(&Key(0).PublicKey, pkiNow.Add(-time.Hour), pkiNow.AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if auth.Raw[0] != 0x30 || auth.Raw[1] != 0x82 || int(auth.Raw[2])<<8|int(auth.Raw[3]) != len(auth.Raw)-4 {
		t.Errorf("DER header % X for %d bytes", auth.Raw[:4], len(auth.Raw))
	}
	if len(auth.Subject.CommonName) != 20 || auth.Subject.Country[0] != "JP" || len(auth.Subject.Names) != 2 {
		t.Errorf("auth subject %s", auth.Subject)
	}
	if auth.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("auth key usage %v", auth.KeyUsage)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := auth.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: pkiNow,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("auth does not chain: %v", err)
	}

	sca, err := NewSignCA(pkiNow)
	if err != nil {
		t.Fatal(err)
	}
	h := Holder{Name: "見本 太郎", NameAlt: "見本 太郎", Address: "東京都千代田区1-1", AddressAlt: "", BirthDate: "19650315", Sex: "1"}
	sign, err := sca.IssueSign(&Key(1).PublicKey, h, pkiNow, pkiNow.AddDate(5, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if sign.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("sign key usage %v", sign.KeyUsage)
	}
	got, err := SignCertHolder(sign)
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Errorf("holder round trip = %+v, want %+v", got, h)
	}
	if err := sign.CheckSignatureFrom(sca.Cert); err != nil {
		t.Errorf("sign cert not signed by sign CA: %v", err)
	}
	if _, err := sca.IssueSign(&Key(1).PublicKey, Holder{Name: "x", BirthDate: "1990-01-02", Sex: "1"}, pkiNow, pkiNow); err == nil {
		t.Error("bad birth date accepted")
	}
	if _, err := sca.IssueSign(&Key(1).PublicKey, Holder{Name: "x", BirthDate: "19900102", Sex: "3"}, pkiNow, pkiNow); err == nil {
		t.Error("bad sex code accepted")
	}
}

func TestEraBirthDate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"19900102", "419900102"},
		{"19890107", "319890107"},
		{"19890108", "419890108"},
		{"20190430", "420190430"},
		{"20190501", "520190501"},
		{"19261224", "219261224"},
		{"19120729", "119120729"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := EraBirthDate(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("EraBirthDate(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "1990012", "19901302", "18000101", "abcdefgh"} {
		if _, err := EraBirthDate(bad); err == nil {
			t.Errorf("EraBirthDate(%q) accepted", bad)
		}
	}
}

func TestCAPEMRoundTrip(t *testing.T) {
	ca, err := NewSignCA(pkiNow)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pki")
	if err := ca.WritePEM(dir, "sign-ca"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "sign-ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode().Perm())
	}
	back, err := LoadCA(dir, "sign-ca")
	if err != nil {
		t.Fatal(err)
	}
	if !back.Cert.Equal(ca.Cert) || !back.Key.Equal(ca.Key) {
		t.Error("loaded CA differs")
	}
	if _, err := LoadCA(dir, "missing"); err == nil {
		t.Error("LoadCA of a missing CA succeeded")
	}
	// A key that does not match the certificate is refused.
	other, err := NewAuthCA(pkiNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.WritePEM(dir, "other"); err != nil {
		t.Fatal(err)
	}
	kb, _ := os.ReadFile(filepath.Join(dir, "other.key"))
	if err := os.WriteFile(filepath.Join(dir, "sign-ca.key"), kb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA(dir, "sign-ca"); err == nil {
		t.Error("mismatched key accepted")
	}
}

func TestKeyPool(t *testing.T) {
	if Key(0) != Key(0) {
		t.Error("Key(0) not memoised")
	}
	if Key(0).Equal(Key(1)) {
		t.Error("Key(0) == Key(1)")
	}
	if Key(0).N.BitLen() != 2048 {
		t.Errorf("bit length %d", Key(0).N.BitLen())
	}
	if Key(-1) != nil {
		t.Error("Key(-1) != nil")
	}
}
