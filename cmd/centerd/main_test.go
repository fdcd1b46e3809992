package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
	"madoguchi/eapp"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func loadCard(t *testing.T, dir, code string) *centertest.Card {
	t.Helper()
	read := func(name, typ string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, "cards", name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != typ {
			t.Fatalf("%s: no %s", name, typ)
		}
		return blk.Bytes
	}
	k, err := x509.ParsePKCS8PrivateKey(read(code+".key", "PRIVATE KEY"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(read(code+".crt", "CERTIFICATE"))
	if err != nil {
		t.Fatal(err)
	}
	return &centertest.Card{Key: k.(*rsa.PrivateKey), Cert: c}
}

// kioskTrust reads what a kiosk pins from a center folder: the TLS CA and the
// document-signing key.
func kioskTrust(t *testing.T, dir string) (*x509.CertPool, ed25519.PublicKey) {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, "center-ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	docKey, err := center.LoadDocumentKey(filepath.Join(dir, "document-signing.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return pool, docKey
}

// TestInitServeRevoke runs the binary's commands end to end: init a folder, serve it on
// loopback, issue with a demo card, suspend that card with `revoke`, see the refusal.
func TestInitServeRevoke(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "center")
	var out, errb bytes.Buffer
	if rc := run(ctx, []string{"init", "-kiosk", "k-1", dir}, &out, &errb); rc != 0 {
		t.Fatalf("init: %d %s", rc, errb.String())
	}
	for _, f := range []string{"center-ca.key", "center.key", "document-signing.key", "jpki-auth-root.key", "kiosk-k-1.key", "cards/D0001.key", "center.db"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if rc := run(ctx, []string{"init", dir}, io.Discard, io.Discard); rc != 1 {
		t.Errorf("second init over an existing center: rc %d", rc)
	}

	sctx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(sctx, []string{"serve", "-listen", "127.0.0.1:0", "-always-open", dir}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(line, "centerd: serving "))
	defer func() {
		stop()
		if rc := <-done; rc != 0 {
			t.Errorf("serve exit %d", rc)
		}
	}()

	kc, err := tls.LoadX509KeyPair(filepath.Join(dir, "kiosk-k-1.crt"), filepath.Join(dir, "kiosk-k-1.key"))
	if err != nil {
		t.Fatal(err)
	}
	pool, docKey := kioskTrust(t, dir)
	cl, err := center.NewClient(center.ClientOptions{BaseURL: url, Certificate: kc, CenterCAs: pool, DocumentKey: docKey,
		RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := center.Request{Type: center.ResidentRecord, Copies: 1}
	card := loadCard(t, dir, "D0001")
	got, err := centertest.IssueWith(ctx, cl, card, centertest.NewKey(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Document.KioskID != "k-1" || !strings.Contains(string(got.Payload), "見本　花子") {
		t.Fatalf("document %+v", got.Document)
	}
	if _, err := centertest.IssueWith(ctx, cl, loadCard(t, dir, "D0007"), centertest.NewKey(), req); !errors.Is(err, center.ErrRevoked) {
		t.Fatalf("demo suspended card: %v", err)
	}
	// Suspend D0001 from another process's point of view: the running server sees it at once.
	if rc := run(ctx, []string{"revoke", dir, card.Cert.SerialNumber.Text(16)}, io.Discard, &errb); rc != 0 {
		t.Fatalf("revoke: %s", errb.String())
	}
	if _, err := centertest.IssueWith(ctx, cl, card, centertest.NewKey(), req); !errors.Is(err, center.ErrRevoked) {
		t.Fatalf("after revoke: %v", err)
	}
	csv := filepath.Join(t.TempDir(), "r.csv")
	os.WriteFile(csv, []byte("code,municipality,household,name,birth,sex,address\nX1,139998,HX,取込　太郎,1970-01-01,1,見本県見本市1番\n"), 0o600)
	out.Reset()
	if rc := run(ctx, []string{"import", dir, csv}, &out, &errb); rc != 0 || !strings.Contains(out.String(), "imported 1") {
		t.Fatalf("import: %d %s %s", rc, out.String(), errb.String())
	}

	// An electronic application signed with a card of the center's signing root: the
	// running server accepts it, `centerd applications` lists it for the staff.
	pki, err := centertest.LoadPKI(dir)
	if err != nil || pki.SignCA == nil {
		t.Fatalf("signing root not in the folder: %v", err)
	}
	vc, err := readertest.NewCard(readertest.Options{PKI: &readertest.PKI{Auth: pki.AuthCA, Sign: pki.SignCA}})
	if err != nil {
		t.Fatal(err)
	}
	rc := reader.New(vc)
	if err := rc.Verify(ctx, reader.SignPIN, []byte("ABC123")); err != nil {
		t.Fatal(err)
	}
	app := eapp.Application{Number: "K1-APP-000001", Municipality: "139998", Form: "tenshutsu", Kiosk: "k-1",
		Signed: time.Now().Truncate(time.Second), Entries: []eapp.Entry{{Label: "転出予定日", Value: "2026-12-20"}}}
	content, err := app.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := eapp.SignedData(content, vc.SignCert(), app.Signed, func(di []byte) ([]byte, error) { return rc.Sign(ctx, reader.SignKey, di) })
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(center.ApplicationPayload{Number: app.Number, SignedData: sd})
	res, err := cl.SendMessages(ctx, []center.Message{{Seq: 1, Key: centertest.NewKey(), Kind: center.KindApplication, Payload: payload}})
	if err != nil || len(res) != 1 || res[0].Outcome != center.OutcomeAccepted {
		t.Fatalf("application: %+v, %v", res, err)
	}
	out.Reset()
	if rc := run(ctx, []string{"applications", dir}, &out, &errb); rc != 0 {
		t.Fatalf("applications: %d %s", rc, errb.String())
	}
	for _, w := range []string{"k-1\tK1-APP-000001\t139998\ttenshutsu", "転出予定日=2026-12-20", "1 applications"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("applications output lacks %q:\n%s", w, out.String())
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve"}, {"revoke", "dir"}} {
		if rc := run(context.Background(), args, io.Discard, io.Discard); rc != 2 {
			t.Errorf("%q: rc %d, want 2", args, rc)
		}
	}
}

func TestDemoMunicipalitiesFile(t *testing.T) {
	ms, err := server.ParseMunicipalities(demoMunicipalities)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || !reflect.DeepEqual(ms[0], server.DemoMunicipality()) {
		t.Fatalf("file:\n%+v\nDemoMunicipality:\n%+v", ms, server.DemoMunicipality())
	}
}
