package reader_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func newCard(t *testing.T, opts readertest.Options) (*readertest.Card, *reader.Card) {
	t.Helper()
	vc, err := readertest.NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	return vc, reader.New(vc)
}

func challengeDigestInfo(t *testing.T, msg string) ([]byte, []byte) {
	t.Helper()
	sum := sha256.Sum256([]byte(msg))
	di, err := reader.DigestInfo(crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return di, sum[:]
}

// TestKioskFlow is the walk-up flow against the virtual card: identify, read the
// authentication certificate and its chain, read the tries without spending one, a wrong
// PIN, the right PIN, and a signature that verifies with the certificate.
func TestKioskFlow(t *testing.T) {
	ctx := context.Background()
	vc, card := newCard(t, readertest.Options{})
	if dev, err := card.Identify(ctx); err != nil || dev != reader.DeviceCard {
		t.Fatalf("Identify: %v, %v", dev, err)
	}
	cert, err := card.AuthCertificate(ctx)
	if err != nil {
		t.Fatalf("AuthCertificate: %v", err)
	}
	if !bytes.Equal(cert.Raw, vc.AuthCert().Raw) {
		t.Fatal("authentication certificate differs from the card's")
	}
	ca, err := card.AuthCACertificate(ctx)
	if err != nil {
		t.Fatalf("AuthCACertificate: %v", err)
	}
	if err := cert.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("certificate does not chain to the card's CA: %v", err)
	}
	for range 2 { // reading the counter twice spends nothing
		if n, err := card.Tries(ctx, reader.AuthPIN); err != nil || n != 3 {
			t.Fatalf("Tries = %d, %v; want 3", n, err)
		}
	}
	err = card.Verify(ctx, reader.AuthPIN, []byte("9999"))
	var wrong *reader.WrongPINError
	if !errors.As(err, &wrong) || wrong.Left != 2 || !errors.Is(err, reader.ErrWrongPIN) || errors.Is(err, reader.ErrPINBlocked) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n, _ := card.Tries(ctx, reader.AuthPIN); n != 2 {
		t.Fatalf("after a wrong PIN Tries = %d, want 2", n)
	}
	di, sum := challengeDigestInfo(t, "challenge")
	if _, err := card.Sign(ctx, reader.AuthKey, di); !errors.Is(err, reader.ErrPINRequired) {
		t.Fatalf("Sign before Verify: %v", err)
	}
	if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if n, _ := card.Tries(ctx, reader.AuthPIN); n != 3 {
		t.Fatalf("a good PIN must reset the counter: Tries = %d", n)
	}
	sig, err := card.Sign(ctx, reader.AuthKey, di)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum, sig); err != nil {
		t.Fatalf("signature does not verify with the certificate: %v", err)
	}
	if err := card.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := card.Sign(ctx, reader.AuthKey, di); !errors.Is(err, reader.ErrPINRequired) {
		t.Fatalf("Sign after Logout: %v", err)
	}
	if vc.MyNumberAccesses() != 0 {
		t.Fatal("the flow touched the My Number")
	}
}

func TestLockout(t *testing.T) {
	for _, blockedSW := range []reader.StatusWord{0, reader.SWPINBlocked} {
		t.Run(blockedSW.String(), func(t *testing.T) {
			ctx := context.Background()
			_, card := newCard(t, readertest.Options{BlockedEmptyVerifySW: blockedSW})
			for want := 2; want >= 0; want-- {
				err := card.Verify(ctx, reader.AuthPIN, []byte("0000"))
				var wrong *reader.WrongPINError
				if !errors.As(err, &wrong) || wrong.Left != want {
					t.Fatalf("wrong PIN: %v, want %d left", err, want)
				}
				if want == 0 && !errors.Is(err, reader.ErrPINBlocked) {
					t.Fatalf("last try must report blocked: %v", err)
				}
			}
			if n, err := card.Tries(ctx, reader.AuthPIN); err != nil || n != 0 {
				t.Fatalf("Tries of a blocked PIN = %d, %v", n, err)
			}
			if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); !errors.Is(err, reader.ErrPINBlocked) {
				t.Fatalf("right PIN on a blocked card: %v", err)
			}
		})
	}
}

func TestPINFormatSpendsNothing(t *testing.T) {
	ctx := context.Background()
	vc, card := newCard(t, readertest.Options{})
	for _, bad := range []string{"", "123", "12345", "12a4", "１２３４"} {
		if err := card.Verify(ctx, reader.AuthPIN, []byte(bad)); !errors.Is(err, reader.ErrPINFormat) {
			t.Fatalf("Verify(%q) = %v, want ErrPINFormat", bad, err)
		}
	}
	if len(vc.Log()) != 0 {
		t.Fatalf("malformed PINs reached the card: %v", vc.Log())
	}
}

func TestSignCertificateNeedsSignPIN(t *testing.T) {
	ctx := context.Background()
	vc, card := newCard(t, readertest.Options{})
	if _, err := card.SignCertificate(ctx); !errors.Is(err, reader.ErrPINRequired) {
		t.Fatalf("SignCertificate without PIN: %v", err)
	}
	if n, err := card.Tries(ctx, reader.SignPIN); err != nil || n != 5 {
		t.Fatalf("sign Tries = %d, %v", n, err)
	}
	if err := card.Verify(ctx, reader.SignPIN, []byte("abc123")); err != nil { // upper-cased on the way
		t.Fatalf("Verify sign PIN: %v", err)
	}
	sc, err := card.SignCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sc.Raw, vc.SignCert().Raw) {
		t.Fatal("signature certificate differs")
	}
	sca, err := card.SignCACertificate(ctx)
	if err != nil || sc.CheckSignatureFrom(sca) != nil {
		t.Fatalf("sign chain: %v", err)
	}
	di, sum := challengeDigestInfo(t, "document")
	sig, err := card.Sign(ctx, reader.SignKey, di)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(sc.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum, sig); err != nil {
		t.Fatal(err)
	}
	// The authentication key is not unlocked by the signature password.
	if _, err := card.Sign(ctx, reader.AuthKey, di); !errors.Is(err, reader.ErrPINRequired) {
		t.Fatalf("auth key after sign PIN: %v", err)
	}
}

func TestIdentifyRejects(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"juki card", reader.TokenJukiCard, reader.ErrJukiCard},
		{"unknown token", "JPKIAPXYZTOKEN", reader.ErrNotJPKI},
		{"token of a phone, lower case", "jpkiapgpsetoken", reader.ErrNotJPKI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, card := newCard(t, readertest.Options{Token: tt.token})
			if _, err := card.Identify(ctx); !errors.Is(err, tt.want) {
				t.Fatalf("Identify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCertificateValidityIsReported(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	_, card := newCard(t, readertest.Options{NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(0, 0, -1)})
	cert, err := card.AuthCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NotAfter.Before(now) {
		t.Fatalf("expired card reads as valid until %v", cert.NotAfter)
	}
}

// TestFaults: a card that answers garbage, truncates, gives a wrong status word or is pulled
// in the middle of a read or a signature ends in a typed error and leaves no hang.
func TestFaults(t *testing.T) {
	isRead := func(cmd []byte) bool { return len(cmd) >= 2 && cmd[1] == reader.INSReadBinary }
	isSign := func(cmd []byte) bool { return len(cmd) >= 2 && cmd[0] == 0x80 && cmd[1] == reader.INSSign }
	tests := []struct {
		name  string
		fault readertest.Fault
		want  error
	}{
		{"removed mid-read", readertest.Fault{Kind: readertest.FaultRemove, Match: isRead, After: 2}, reader.ErrCardRemoved},
		{"removed mid-signature", readertest.Fault{Kind: readertest.FaultRemove, Match: isSign}, reader.ErrCardRemoved},
		{"garbage on read", readertest.Fault{Kind: readertest.FaultGarbage, Match: isRead, After: 1}, reader.ErrBadCard},
		{"truncated read", readertest.Fault{Kind: readertest.FaultTruncate, Match: isRead, Keep: 10}, reader.ErrBadCard},
		{"truncated signature", readertest.Fault{Kind: readertest.FaultTruncate, Match: isSign, Keep: 100}, reader.ErrBadCard},
		{"6F00 on signature", readertest.Fault{Kind: readertest.FaultSW, Match: isSign, SW: reader.SWNoPreciseDiagnosis}, reader.ErrBadCard},
		{"memory failure on read", readertest.Fault{Kind: readertest.FaultSW, Match: isRead, SW: reader.SWMemoryFailure}, reader.ErrBadCard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			vc, card := newCard(t, readertest.Options{})
			vc.InjectFault(tt.fault)
			err := func() error {
				if _, err := card.AuthCertificate(ctx); err != nil {
					return err
				}
				if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
					return err
				}
				di, _ := challengeDigestInfo(t, "x")
				_, err := card.Sign(ctx, reader.AuthKey, di)
				return err
			}()
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCertificateReadCost: the certificate in 2 reads (the first 256 bytes, then the
// rest in one extended READ BINARY) where extended length works; where it does not, one
// refused extended read, then exact short chunks, and the session remembers it.
func TestCertificateReadCost(t *testing.T) {
	for _, tt := range []struct {
		name     string
		extended bool
	}{{"extended length", true}, {"short only", false}} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			vc, card := newCard(t, readertest.Options{ExtendedAPDUs: tt.extended})
			if _, err := card.AuthCertificate(ctx); err != nil {
				t.Fatal(err)
			}
			n := len(vc.AuthCert().Raw)
			want := 2 + 2 // SELECT AP, SELECT EF, 256 bytes, the rest
			if !tt.extended {
				want = 2 + 1 + (n+255)/256 // the refused extended read, then ⌈N/256⌉ short reads
			}
			if got := card.Stats().APDUs; got != want {
				t.Fatalf("reading a %d-byte certificate took %d APDUs, want %d", n, got, want)
			}
			if ext, known := card.ExtendedLength(); !known || ext != tt.extended {
				t.Fatalf("ExtendedLength = %v, %v; want %v, true", ext, known, tt.extended)
			}
			before := card.Stats().APDUs
			if _, err := card.AuthCertificate(ctx); err != nil {
				t.Fatal(err)
			}
			want = 1 + 2 // SELECT EF again (the first read left it selected: maybe 0), reads
			if !tt.extended {
				want = 1 + (n+255)/256 // no second refused attempt
			}
			if got := card.Stats().APDUs - before; got > want {
				t.Fatalf("second read took %d APDUs, want at most %d", got, want)
			}
		})
	}
}

var _ = x509.ParseCertificate
