package pcsc_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// signedChallenge is the kiosk's work from "card inserted" to "challenge signed": connect,
// identify, read the authentication certificate, read the PIN counter, verify, sign.
func signedChallenge(ctx context.Context, x *pcsc.Context, readerName string, challenge []byte) (sig []byte, pub *rsa.PublicKey, apdus int, err error) {
	card, err := x.Connect(ctx, readerName, pcsc.Options{})
	if err != nil {
		return nil, nil, 0, err
	}
	defer card.Close()
	defer func() { apdus = card.Stats().APDUs }()
	if _, err = card.Identify(ctx); err != nil {
		return
	}
	cert, err := card.AuthCertificate(ctx)
	if err != nil {
		return
	}
	if _, err = card.Tries(ctx, reader.AuthPIN); err != nil {
		return
	}
	if err = card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
		return
	}
	sum := sha256.Sum256(challenge)
	di, err := reader.DigestInfo(crypto.SHA256, sum[:])
	if err != nil {
		return
	}
	sig, err = card.Sign(ctx, reader.AuthKey, di)
	return sig, cert.PublicKey.(*rsa.PublicKey), 0, err
}

// BenchmarkSignedChallenge measures, through pcscd + vpcd with the virtual card, the kiosk's
// path from card inserted to signed challenge next to the same work done by OpenSC's
// pkcs11-tool on the same card in the same run. It reports APDUs, bytes and time of each and
// the time ratio madoguchi/opensc (target ≤ 0.5, and fewer APDUs than OpenSC).
func BenchmarkSignedChallenge(b *testing.B) {
	ctx := context.Background()
	h := pcschost.Start(b)
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := h.Insert(vc); err != nil {
		b.Fatal(err)
	}
	x, err := pcsc.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	challenge := []byte("one-time challenge from the center")
	var ours, theirs time.Duration
	var ourStats, theirStats readertest.Stats
	for i := 0; i < b.N; i++ {
		before := vc.Stats()
		start := time.Now()
		sig, pub, _, err := signedChallenge(ctx, x, h.ReaderName(0), challenge)
		ours += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		after := vc.Stats()
		ourStats.Commands += after.Commands - before.Commands
		ourStats.BytesIn += after.BytesIn - before.BytesIn
		ourStats.BytesOut += after.BytesOut - before.BytesOut
		sum := sha256.Sum256(challenge)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}

		res, err := h.RunPKCS11Sign(ctx, vc, pcschost.PKCS11Sign{Slot: 0, PIN: "1234", ID: "01", Data: challenge})
		if err != nil {
			b.Fatal(err)
		}
		theirs += res.Elapsed
		theirStats.Commands += res.Card.Commands
		theirStats.BytesIn += res.Card.BytesIn
		theirStats.BytesOut += res.Card.BytesOut
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], res.Signature); err != nil {
			b.Fatalf("opensc signature: %v", err)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Microseconds())/n/1000, "ms/madoguchi")
	b.ReportMetric(float64(theirs.Microseconds())/n/1000, "ms/opensc")
	b.ReportMetric(float64(ourStats.Commands)/n, "apdus/madoguchi")
	b.ReportMetric(float64(theirStats.Commands)/n, "apdus/opensc")
	b.ReportMetric(float64(ourStats.BytesIn+ourStats.BytesOut)/n, "bytes/madoguchi")
	b.ReportMetric(float64(theirStats.BytesIn+theirStats.BytesOut)/n, "bytes/opensc")
	b.ReportMetric(float64(ours)/float64(theirs), "time-ratio")
}
