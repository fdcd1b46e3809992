package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/eapp"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// signCard is a virtual card whose signing certificate comes from the center's test JPKI
// signing root (or o.PKI's), valid around base unless o says otherwise.
func signCard(t *testing.T, e *env, o readertest.Options) *readertest.Card {
	t.Helper()
	if o.PKI == nil {
		o.PKI = &readertest.PKI{Auth: e.c.PKI().AuthCA, Sign: e.c.PKI().SignCA}
	}
	if o.NotBefore.IsZero() {
		o.NotBefore, o.NotAfter = base.Add(-time.Hour), base.AddDate(1, 0, 0)
	}
	vc, err := readertest.NewCard(o)
	if err != nil {
		t.Fatal(err)
	}
	return vc
}

// signApp signs app with vc as the kiosk does (password, certificate, signing key).
func signApp(t *testing.T, vc *readertest.Card, app eapp.Application) []byte {
	t.Helper()
	ctx := context.Background()
	card := reader.New(vc)
	if err := card.Verify(ctx, reader.SignPIN, []byte("ABC123")); err != nil {
		t.Fatal(err)
	}
	cert, err := card.SignCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	content, err := app.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := eapp.SignedData(content, cert, app.Signed, func(di []byte) ([]byte, error) { return card.Sign(ctx, reader.SignKey, di) })
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func TestApplications(t *testing.T) {
	e := newEnv(t)
	good := signCard(t, e, readertest.Options{})
	revoked := signCard(t, e, readertest.Options{})
	expired := signCard(t, e, readertest.Options{NotBefore: base.AddDate(-5, 0, 0), NotAfter: base.Add(-time.Hour)})
	otherRoot, err := readertest.NewCAWithKey(base, true, readertest.Key(1005)) // same names, another key
	if err != nil {
		t.Fatal(err)
	}
	stranger := signCard(t, e, readertest.Options{PKI: &readertest.PKI{Auth: e.c.PKI().AuthCA, Sign: otherRoot}})
	// Signing certificates whose key is for something else (keyUsage, extendedKeyUsage).
	misused := func(ku x509.KeyUsage, eku ...x509.ExtKeyUsage) *readertest.Card {
		cert, err := e.c.PKI().SignCA.IssueSignUsage(&readertest.Key(1001).PublicKey, readertest.DefaultHolder, base.Add(-time.Hour), base.AddDate(1, 0, 0), ku, eku)
		if err != nil {
			t.Fatal(err)
		}
		return signCard(t, e, readertest.Options{SignCert: cert})
	}
	encipherOnly := misused(x509.KeyUsageKeyEncipherment)
	tlsOnly := misused(x509.KeyUsageDigitalSignature, x509.ExtKeyUsageServerAuth)
	if err := e.c.RevokeSigning(e.ctx, revoked.SignCert().SerialNumber); err != nil {
		t.Fatal(err)
	}
	n := 0
	app := func() eapp.Application {
		n++
		return eapp.Application{Number: fmt.Sprintf("A%05d-KIOSK", n), Municipality: config.DemoMunicipalityCode, Form: "tenshutsu",
			Kiosk: e.kiosk, Signed: base, Entries: []eapp.Entry{{Label: "転出予定日", Value: "2026-12-20"}}}
	}
	payload := func(number string, sd []byte) json.RawMessage {
		b, err := json.Marshal(center.ApplicationPayload{Number: number, SignedData: sd})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	signed := func(vc *readertest.Card, edit func(*eapp.Application)) json.RawMessage {
		a := app()
		if edit != nil {
			edit(&a)
		}
		return payload(a.Number, signApp(t, vc, a))
	}
	first := signed(good, nil)
	tampered := bytes.Replace(signed(good, nil), []byte(`"number":"A00002-KIOSK"`), []byte(`"number":"A00002-KIOSK"`), 1)
	{ // change one byte of the signed data (inside the content)
		var p center.ApplicationPayload
		_ = json.Unmarshal(tampered, &p)
		i := bytes.Index(p.SignedData, []byte("tenshutsu"))
		p.SignedData[i] = 'T'
		tampered = payload(p.Number, p.SignedData)
	}
	tests := []struct {
		name    string
		payload json.RawMessage
		want    center.Outcome
		reason  string
	}{
		{"good", first, center.OutcomeAccepted, ""},
		{"tampered", tampered, center.OutcomeRefused, "signature"},
		{"revoked", signed(revoked, nil), center.OutcomeRefused, "revoked"},
		{"expired at the signing time", signed(expired, nil), center.OutcomeRefused, "not valid at the signing time"},
		{"another signing root", signed(stranger, nil), center.OutcomeRefused, "does not chain"},
		{"key for encipherment only", signed(encipherOnly, nil), center.OutcomeRefused, "not for signatures"},
		{"key for TLS servers only", signed(tlsOnly, nil), center.OutcomeRefused, "not for signatures"},
		{"another kiosk's", signed(good, func(a *eapp.Application) { a.Kiosk = "kiosk-0002" }), center.OutcomeRefused, "signed for kiosk"},
		{"signed in the future", signed(good, func(a *eapp.Application) { a.Signed = base.Add(time.Hour) }), center.OutcomeRefused, "future"},
		{"number not the signed one", func() json.RawMessage {
			a := app()
			return payload("X00000-OTHER", signApp(t, good, a))
		}(), center.OutcomeRefused, "application number"},
		{"not a signed data", payload("A99999-KIOSK", []byte("junk")), center.OutcomeRefused, "signature"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := center.Message{Seq: int64(i + 1), Key: fmt.Sprintf("app-%016d", i+1), Kind: center.KindApplication, Payload: tc.payload}
			res, err := e.cl.SendMessages(e.ctx, []center.Message{m})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Outcome != tc.want || !strings.Contains(res[0].Error, tc.reason) {
				t.Fatalf("result %+v, want %s %q", res, tc.want, tc.reason)
			}
		})
	}
	// The good one again is a duplicate (the kiosk resends after an outage); under
	// another key it is refused, so an application is recorded once.
	res, err := e.cl.SendMessages(e.ctx, []center.Message{
		{Seq: 1, Key: fmt.Sprintf("app-%016d", 1), Kind: center.KindApplication, Payload: first},
		{Seq: 100, Key: fmt.Sprintf("app-%016d", 100), Kind: center.KindApplication, Payload: first}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != center.OutcomeDuplicate || res[1].Outcome != center.OutcomeRefused || !strings.Contains(res[1].Error, "already received") {
		t.Fatalf("resend: %+v", res)
	}
	apps, err := e.c.Server().Applications(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 || apps[0].Number != "A00001-KIOSK" || apps[0].Kiosk != e.kiosk || !apps[0].Signed.Equal(base) ||
		apps[0].SignerSerial != good.SignCert().SerialNumber.Text(16) {
		for _, a := range apps {
			t.Logf("application %s from %s signed %v", a.Number, a.Kiosk, a.Signed)
		}
		t.Fatalf("%d applications recorded, want A00001-KIOSK only", len(apps))
	}
	if s, err := eapp.Open(apps[0].SignedData); err != nil || !bytes.Equal(s.Content, apps[0].Content) {
		t.Fatalf("the stored signed data no longer verifies: %v", err)
	}
}
