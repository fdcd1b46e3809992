package readertest_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// One private pcscd for the whole test binary (started by the first test that needs it).
func TestMain(m *testing.M) { os.Exit(pcschost.Main(m)) }

func newCard(t testing.TB, opts readertest.Options) *readertest.Card {
	t.Helper()
	c, err := readertest.NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func insert(t testing.TB, h *pcschost.Host, c *readertest.Card) {
	t.Helper()
	if err := h.Insert(c); err != nil {
		t.Fatalf("insert: %v\npcscd log:\n%s", err, h.Log())
	}
}

// tool runs an OpenSC command against the private pcscd.
func tool(t testing.TB, h *pcschost.Host, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := h.Command(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func TestOpenSCRecognisesJPKI(t *testing.T) {
	h := pcschost.Start(t)
	for _, tc := range []struct {
		name string
		atr  []byte
		dev  reader.Device
	}{
		{"my number ATR (match by SELECT AID)", readertest.ATRMyNumber, reader.DeviceCard},
		{"juki ATR (match by ATR table)", readertest.ATRJuki, reader.DeviceCard},
		{"android phone, contactless ATR (match by SELECT AID)", readertest.ATRPhone, reader.DeviceAndroid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(t, readertest.Options{ATR: tc.atr, Device: tc.dev})
			insert(t, h, c)
			out, err := tool(t, h, "opensc-tool", "-r", "0", "-n")
			if err != nil || strings.TrimSpace(out) != "jpki" {
				t.Fatalf("opensc-tool -n: %v: %q", err, out)
			}
			out, err = tool(t, h, "opensc-tool", "-r", "0", "-a")
			atr := strings.ReplaceAll(strings.TrimSpace(out), ":", "")
			if err != nil || !strings.EqualFold(atr, strings.ToUpper(hexs(tc.atr))) {
				t.Fatalf("opensc-tool -a: %v: %q", err, out)
			}
			// The foreign drivers' probes were answered "not found", never 9000.
			for _, e := range c.Log() {
				if e.Cmd[1] == reader.INSSelect && e.Cmd[2] == 0x04 && e.SW() == reader.SWOK &&
					!bytes.Contains(e.Cmd, reader.AIDJPKI) {
					t.Errorf("foreign SELECT answered 9000: %s", e)
				}
			}
		})
	}
}

func hexs(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func pemDER(t *testing.T, out string) []byte {
	t.Helper()
	i := strings.Index(out, "-----BEGIN CERTIFICATE-----")
	if i < 0 {
		t.Fatalf("no PEM in output:\n%s", out)
	}
	blk, _ := pem.Decode([]byte(out[i:]))
	if blk == nil {
		t.Fatalf("bad PEM in output:\n%s", out)
	}
	return blk.Bytes
}

func TestPKCS15CertificatesByteIdentical(t *testing.T) {
	h := pcschost.Start(t)
	c := newCard(t, readertest.Options{})
	insert(t, h, c)

	out, err := tool(t, h, "pkcs15-tool", "--list-certificates")
	if err != nil {
		t.Fatalf("list certificates: %v\n%s", err, out)
	}
	for _, want := range []string{"User Authentication Certificate", "Digital Signature Certificate",
		"User Authentication Certificate CA", "Digital Signature Certificate CA"} {
		if !strings.Contains(out, want) {
			t.Errorf("--list-certificates lacks %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		id   string
		args []string
		want []byte
	}{
		{"01", nil, c.AuthCert().Raw},
		{"03", nil, c.PKI().Auth.Cert.Raw},
		{"04", nil, c.PKI().Sign.Cert.Raw},
		{"02", []string{"--auth-id", "02", "--verify-pin", "--pin", "ABC123"}, c.SignCert().Raw},
	} {
		t.Run("cert "+tc.id, func(t *testing.T) {
			out, err := tool(t, h, "pkcs15-tool", append([]string{"--read-certificate", tc.id}, tc.args...)...)
			if err != nil {
				t.Fatalf("read certificate %s: %v\n%s", tc.id, err, out)
			}
			if got := pemDER(t, out); !bytes.Equal(got, tc.want) {
				t.Fatalf("certificate %s differs from the card's DER (%d vs %d bytes)", tc.id, len(got), len(tc.want))
			}
		})
	}
	// Without the sign PIN the signature certificate stays unreadable.
	if out, err := tool(t, h, "pkcs15-tool", "--read-certificate", "02"); err == nil && strings.Contains(out, "BEGIN CERTIFICATE") {
		t.Errorf("sign certificate read without PIN:\n%s", out)
	}
	if n := c.MyNumberAccesses(); n != 0 {
		t.Errorf("OpenSC touched the My Number %d times", n)
	}
}

// TestPKCS11SignatureVerifies signs through OpenSC's PKCS#11 module with the card and
// with an Android phone, which OpenSC's jpki driver binds the same way (its PIN files
// answer the tries read; the keys sign after the PIN).
func TestPKCS11SignatureVerifies(t *testing.T) {
	for _, dev := range []reader.Device{reader.DeviceCard, reader.DeviceAndroid} {
		t.Run(dev.String(), func(t *testing.T) { testPKCS11SignatureVerifies(t, dev) })
	}
}

func testPKCS11SignatureVerifies(t *testing.T, dev reader.Device) {
	h := pcschost.Start(t)
	c := newCard(t, readertest.Options{AuthPIN: "4821", SignPIN: "PASS2026", Device: dev})
	insert(t, h, c)
	challenge := []byte("madoguchi challenge " + time.Now().String())
	digest := sha256.Sum256(challenge)
	for _, tc := range []struct {
		name string
		req  pcschost.PKCS11Sign
		pub  *rsa.PublicKey
		key  []byte // the key EF the signature must have used
	}{
		{"auth slot 0", pcschost.PKCS11Sign{Slot: 0, PIN: "4821", ID: "01", Data: challenge},
			c.AuthCert().PublicKey.(*rsa.PublicKey), []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x17}},
		{"sign slot 1", pcschost.PKCS11Sign{Slot: 1, PIN: "PASS2026", ID: "02", Data: challenge},
			c.SignCert().PublicKey.(*rsa.PublicKey), []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1A}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.ClearLog()
			res, err := h.RunPKCS11Sign(context.Background(), c, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if err := rsa.VerifyPKCS1v15(tc.pub, crypto.SHA256, digest[:], res.Signature); err != nil {
				t.Fatalf("signature does not verify with the certificate: %v\n%s", err, res.Output)
			}
			var sawKey, sawSign bool
			for _, e := range c.Log() {
				sawKey = sawKey || bytes.Equal(e.Cmd, tc.key)
				if bytes.HasPrefix(e.Cmd, []byte{0x80, 0x2A, 0x00, 0x80, 0x33}) && e.SW() == reader.SWOK {
					sawSign = true
				}
			}
			if !sawKey || !sawSign {
				t.Errorf("card log lacks SELECT key EF (%v) or SIGN with a 51-byte DigestInfo (%v)", sawKey, sawSign)
			}
			t.Logf("pkcs11-tool: %d APDUs, %d B to card, %d B from card, %v",
				res.Card.Commands, res.Card.BytesIn, res.Card.BytesOut, res.Elapsed)
		})
	}
	t.Run("wrong PIN spends a try", func(t *testing.T) {
		_, err := h.RunPKCS11Sign(context.Background(), c, pcschost.PKCS11Sign{Slot: 0, PIN: "0000", ID: "01", Data: challenge})
		if err == nil {
			t.Fatal("pkcs11-tool signed with a wrong PIN")
		}
		if got := c.TriesLeft(readertest.PINAuth); got != 2 {
			t.Fatalf("tries left %d, want 2", got)
		}
	})
}

func TestOpenSCBlockedPIN(t *testing.T) {
	h := pcschost.Start(t)
	for _, tc := range []struct {
		name     string
		sw       reader.StatusWord
		wantBind bool
	}{
		{"63C0 keeps binding", 0, true},
		{"6984 breaks binding", reader.SWPINBlocked, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(t, readertest.Options{BlockedEmptyVerifySW: tc.sw})
			c.SetTriesLeft(readertest.PINAuth, 0)
			insert(t, h, c)
			out, err := tool(t, h, "pkcs15-tool", "--list-pins")
			bound := err == nil && strings.Contains(out, "Tries left")
			if bound != tc.wantBind {
				t.Fatalf("bound=%v, want %v: %v\n%s", bound, tc.wantBind, err, out)
			}
			if bound && !strings.Contains(out, "Tries left     : 0") && !strings.Contains(out, "Tries left: 0") {
				t.Errorf("no 'Tries left 0' for the blocked PIN:\n%s", out)
			}
		})
	}
}

// BenchmarkPKCS11Sign is the OpenSC baseline for "card inserted → signed challenge".
func BenchmarkPKCS11Sign(b *testing.B) {
	h := pcschost.Start(b)
	c := newCard(b, readertest.Options{})
	insert(b, h, c)
	var last *pcschost.PKCS11Result
	for b.Loop() {
		res, err := h.RunPKCS11Sign(context.Background(), c, pcschost.PKCS11Sign{Slot: 0, PIN: "1234", ID: "01", Data: []byte("x")})
		if err != nil {
			b.Fatal(err)
		}
		last = res
	}
	b.ReportMetric(float64(last.Card.Commands), "apdus/op")
	b.ReportMetric(float64(last.Card.BytesIn+last.Card.BytesOut), "cardbytes/op")
}
