package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/eapp"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestApplicationEndToEnd signs an electronic application with the virtual card's
// signing key through pcscd and vpcd (the password's counter read without spending, a
// wrong password spent once), has Debian's openssl verify the SignedData against the
// test JPKI signing root, queues it in the real SQLite outbox, and delivers it to the
// reference center over HTTPS through an outage (the center applies and the reply is
// lost) and a restart of the queue: the center records it exactly once, and nothing of
// it stays in the queue's files. After the certificate is revoked, the next one is
// refused with the reason, parked and alerted on.
func TestApplicationEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: install the Debian package openssl (make deps)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const kioskID = "app-kiosk"
	cl, err := c.NewClient(kioskID)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// The card through pcscd.
	sc := newSigningCard(t, ctx, c.PKI(), "SIGN5678")
	vc, card := sc.vc, sc.card
	for range 2 {
		if n, err := card.Tries(ctx, reader.SignPIN); err != nil || n != 5 {
			t.Fatalf("password tries %d, %v", n, err)
		}
	}
	var wrong *reader.WrongPINError
	if err := card.Verify(ctx, reader.SignPIN, []byte("WRONG1")); !errors.As(err, &wrong) || wrong.Left != 4 || vc.TriesLeft(readertest.PINSign) != 4 {
		t.Fatalf("wrong password: %v (card %d)", err, vc.TriesLeft(readertest.PINSign))
	}
	if err := card.Verify(ctx, reader.SignPIN, []byte("sign5678")); err != nil { // typed lower case: sent upper-cased
		t.Fatal(err)
	}
	if n, _ := card.Tries(ctx, reader.SignPIN); n != 5 {
		t.Fatalf("tries after the right password: %d", n)
	}
	cert, err := card.SignCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	app := eapp.Application{Number: "APPKIOSK-000001", Municipality: config.DemoMunicipalityCode, Form: "tenshutsu", Kiosk: kioskID,
		Signed: time.Now().Truncate(time.Second), Entries: []eapp.Entry{{Label: "転出予定日", Value: "2026-12-20"}}}
	content, sd := sc.sign(t, ctx, cert, app)

	// openssl, written by nobody here.
	dir := t.TempDir()
	caPath, inPath := filepath.Join(dir, "sign-root.pem"), filepath.Join(dir, "app.p7m")
	os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.PKI().SignCA.Cert.Raw}), 0o600)
	os.WriteFile(inPath, sd, 0o600)
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", inPath, "-CAfile", caPath).Output() // the default purpose: S/MIME signing
	if err != nil || !bytes.Equal(out, content) {
		t.Fatalf("openssl cms -verify: %v (content %q)", err, out)
	}

	// The queue, an outage, a restart.
	qpath := filepath.Join(dir, "kiosk.db")
	open := func() *offline.Store {
		s, err := offline.Open(ctx, qpath, offline.Options{MinFreeDiskBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recover(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return s
	}
	st := open()
	if err := st.Enqueue(ctx, offline.KindApplication, center.ApplicationPayload{Number: app.Number, SignedData: sd}); err != nil {
		t.Fatal(err)
	}
	// What the queue holds of it: the SignedData, base64 in the payload (the certificate
	// with name and address inside).
	marker := []byte(base64.StdEncoding.EncodeToString(sd)[200:260])
	inFiles := func() bool {
		found := false
		for _, f := range []string{qpath, qpath + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			found = found || bytes.Contains(b, marker)
		}
		return found
	}
	if !inFiles() {
		t.Fatal("the application is not in the queue's files (the scan below would be vacuous)")
	}
	link := centerlink.Link{Client: cl}
	c.Faults().Inject(centertest.FaultDropReply) // applied at the center, the answer lost
	if _, _, err := st.SyncOnce(ctx, link); err == nil {
		t.Fatal("the lost reply was taken for a delivery")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open() // the kiosk restarts with the message still pending
	defer st.Close()
	if n, parked, err := st.SyncOnce(ctx, link); err != nil || n != 1 || parked != 0 {
		t.Fatalf("after the restart: %d delivered, %d parked, %v", n, parked, err)
	}
	if n, _, err := st.SyncOnce(ctx, link); err != nil || n != 0 {
		t.Fatalf("a second delivery: %d, %v", n, err)
	}
	apps, err := c.Server().Applications(ctx)
	if err != nil || len(apps) != 1 || apps[0].Number != app.Number || !bytes.Equal(apps[0].SignedData, sd) {
		t.Fatalf("the center recorded %d applications (%v)", len(apps), err)
	}
	if inFiles() {
		t.Error("the delivered application is still in the queue file or its WAL")
	}

	// The resident moves: the signing certificate is revoked. A later application is
	// refused with the reason, which the kiosk parks and raises as an alert.
	if err := c.RevokeSigning(ctx, cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	later := app
	later.Number, later.Signed = "APPKIOSK-000002", time.Now().Truncate(time.Second)
	_, sd2 := sc.sign(t, ctx, cert, later)
	if err := st.Enqueue(ctx, offline.KindApplication, center.ApplicationPayload{Number: later.Number, SignedData: sd2}); err != nil {
		t.Fatal(err)
	}
	if n, parked, err := st.SyncOnce(ctx, link); err != nil || n != 0 || parked != 1 {
		t.Fatalf("revoked: %d delivered, %d parked, %v", n, parked, err)
	}
	pm, err := st.Parked(ctx)
	if err != nil || len(pm) != 1 || !strings.Contains(pm[0].Reason, "revoked") {
		t.Fatalf("parked %+v, %v", pm, err)
	}
	alerts, err := st.Alerts(ctx)
	found := false
	for _, a := range alerts {
		found = found || strings.Contains(a.Detail, "revoked")
	}
	if err != nil || !found {
		t.Fatalf("no alert for the refused application: %+v, %v", alerts, err)
	}
	if apps, _ := c.Server().Applications(ctx); len(apps) != 1 {
		t.Fatalf("the revoked card's application was recorded: %d", len(apps))
	}
	if vc.MyNumberAccesses() != 0 {
		t.Error("My Number touched")
	}
}
