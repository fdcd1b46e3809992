package reader_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestDevices runs what the kiosk does with each device the virtual card can be: which
// device Identify names, whether the certificate is readable before the PIN, what the
// tries read says, and that a signature after the device's authorisation verifies. No
// step but the one VERIFY with the right PIN touches a counter.
func TestDevices(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		opts       readertest.Options
		dev        reader.Device
		certBefore error // AuthCertificate before any PIN
		tries      error // Tries(AuthPIN)
		pin        bool  // a VERIFY with the right PIN opens the key
		signs      bool  // a signature is made in the end
	}{
		{"card", readertest.Options{}, reader.DeviceCard, nil, nil, true, true},
		{"android phone", readertest.Options{Device: reader.DeviceAndroid}, reader.DeviceAndroid, reader.ErrPINRequired, nil, true, true},
		{"iphone authorised", readertest.Options{Device: reader.DeviceIPhone, PhoneApproved: true}, reader.DeviceIPhone, nil, reader.ErrBadCard, false, true},
		{"iphone not authorised", readertest.Options{Device: reader.DeviceIPhone}, reader.DeviceIPhone, reader.ErrPINRequired, reader.ErrBadCard, false, false},
		{"face-authentication card", readertest.Options{NoPIN: true}, reader.DeviceCard, nil, reader.ErrPINNotSet, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc, card := newCard(t, tc.opts)
			dev, err := card.Identify(ctx)
			if err != nil || dev != tc.dev || vc.Device() != tc.dev {
				t.Fatalf("Identify = %v, %v; want %v", dev, err, tc.dev)
			}
			if _, err := card.AuthCertificate(ctx); !errors.Is(err, tc.certBefore) && (err != nil || tc.certBefore != nil) {
				t.Fatalf("AuthCertificate before the PIN: %v, want %v", err, tc.certBefore)
			}
			if n, err := card.Tries(ctx, reader.AuthPIN); tc.tries == nil && (err != nil || n != 3) || tc.tries != nil && !errors.Is(err, tc.tries) {
				t.Fatalf("Tries = %d, %v; want 3 or %v", n, err, tc.tries)
			}
			if tc.pin {
				if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
					t.Fatalf("Verify: %v", err)
				}
			}
			cert, err := card.AuthCertificate(ctx)
			if tc.signs && (err != nil || !bytes.Equal(cert.Raw, vc.AuthCert().Raw)) {
				t.Fatalf("AuthCertificate after the authorisation: %v", err)
			}
			di, sum := challengeDigestInfo(t, "challenge "+tc.name)
			sig, err := card.Sign(ctx, reader.AuthKey, di)
			switch {
			case tc.signs && err != nil:
				t.Fatalf("Sign: %v", err)
			case tc.signs:
				if err := rsa.VerifyPKCS1v15(vc.AuthCert().PublicKey.(*rsa.PublicKey), crypto.SHA256, sum, sig); err != nil {
					t.Fatalf("signature does not verify: %v", err)
				}
			case !errors.Is(err, reader.ErrPINRequired):
				t.Fatalf("Sign without the authorisation: %v, want ErrPINRequired", err)
			}
			if n := vc.TriesLeft(readertest.PINAuth); n != 3 {
				t.Errorf("%d tries left, want 3", n)
			}
			if tc.dev.Phone() {
				// A phone carries the certificates only: no 券面事項入力補助AP.
				if _, err := card.ReadFourFacts(ctx, []byte("1234"), nil); err == nil {
					t.Error("four facts read from a phone")
				}
			}
		})
	}
}

// TestFaceAuthCardVerify: a card without a PIN refuses a PIN with a typed error and no
// counter moves.
func TestFaceAuthCardVerify(t *testing.T) {
	vc, card := newCard(t, readertest.Options{NoPIN: true})
	ctx := context.Background()
	if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); !errors.Is(err, reader.ErrPINNotSet) {
		t.Fatalf("Verify = %v, want ErrPINNotSet", err)
	}
	if _, err := card.SignCertificate(ctx); err == nil {
		t.Fatal("a face-authentication card has no signature certificate")
	}
	if n := vc.TriesLeft(readertest.PINAuth); n != 3 {
		t.Fatalf("%d tries left", n)
	}
}

// TestHostilePhone: a phone answering garbage, refusals or escape sequences at each step
// of its flow gets typed errors, never a panic, and never a spent try.
func TestHostilePhone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault readertest.Fault
	}{
		{"garbage to the certificate read after the PIN", readertest.Fault{Kind: readertest.FaultGarbage, Garbage: []byte{0x1b, '[', '2', 'J'}, Match: readertest.MatchINS(reader.INSReadBinary), After: 1, Repeat: true}},
		{"truncated certificate", readertest.Fault{Kind: readertest.FaultTruncate, Match: readertest.MatchINS(reader.INSReadBinary), After: 2}},
		{"verify answered 6F00", readertest.Fault{Kind: readertest.FaultSW, SW: 0x6F00, Match: readertest.MatchINS(reader.INSVerify), After: 1}},
		{"sign answered 9000 with no signature", readertest.Fault{Kind: readertest.FaultSW, SW: 0x9000, Match: readertest.MatchINS(reader.INSSign)}},
		{"pulled after the PIN", readertest.Fault{Kind: readertest.FaultRemove, Match: readertest.MatchINS(reader.INSReadBinary), After: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc, card := newCard(t, readertest.Options{Device: reader.DeviceAndroid})
			vc.InjectFault(tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			di, _ := challengeDigestInfo(t, "x")
			steps := []func() error{
				func() error { _, err := card.Identify(ctx); return err },
				func() error { _, err := card.Tries(ctx, reader.AuthPIN); return err },
				func() error { return card.Verify(ctx, reader.AuthPIN, []byte("1234")) },
				func() error { _, err := card.AuthCertificate(ctx); return err },
				func() error { _, err := card.Sign(ctx, reader.AuthKey, di); return err },
			}
			for _, step := range steps {
				if err = step(); err != nil {
					break
				}
			}
			if err == nil {
				t.Fatal("the fault went unnoticed")
			}
			for _, s := range []error{reader.ErrBadCard, reader.ErrCardRemoved} {
				if errors.Is(err, s) {
					if n := vc.TriesLeft(readertest.PINAuth); n != 3 {
						t.Fatalf("%d tries left after %v", n, err)
					}
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		})
	}
}
