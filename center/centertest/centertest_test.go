package centertest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

func TestPKIWriteLoad(t *testing.T) {
	now := time.Now()
	p, err := centertest.NewPKI(now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.Write(dir, "k-1", "k-2"); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{
		"jpki-auth-root.key": 0o600, "center-ca.key": 0o600, "center.key": 0o600, "document-signing.key": 0o600,
		"kiosk-k-1.key": 0o600, "kiosk-k-2.key": 0o600, "center-ca.crt": 0o644, "document-signing.pub": 0o644,
	} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), mode)
		}
	}
	q, err := centertest.LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !q.AuthCA.Cert.Equal(p.AuthCA.Cert) || !q.TLSCA.Equal(p.TLSCA) || !bytes.Equal(q.DocumentKey, p.DocumentKey) ||
		!bytes.Equal(q.Server.Certificate[0], p.Server.Certificate[0]) {
		t.Fatal("loaded PKI differs")
	}
	pub, err := center.LoadDocumentKey(filepath.Join(dir, "document-signing.pub"))
	if err != nil || !pub.Equal(p.DocumentPublicKey()) {
		t.Fatalf("document key: %v", err)
	}
	// A key that does not match its certificate is refused.
	other, _ := os.ReadFile(filepath.Join(dir, "kiosk-k-1.key"))
	if err := os.WriteFile(filepath.Join(dir, "center.key"), other, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := centertest.LoadPKI(dir); err == nil {
		t.Fatal("mismatched key accepted")
	}
}

func TestWriteKioskFilesAndDemo(t *testing.T) {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	if err := c.PKI().WriteKioskFiles(dir, "demo-0001"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "kiosk.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("kiosk.key: %v %v", st, err)
	}
	// Build a client only from the files, as the kiosk does from its config.
	kc, err := loadTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(dir, "center-ca.pem"))
	pool := poolOf(t, ca)
	doc, err := center.LoadDocumentKey(filepath.Join(dir, "center-doc.pub"))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := center.NewClient(center.ClientOptions{BaseURL: c.URL(), Certificate: kc, CenterCAs: pool, DocumentKey: doc})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	now := time.Now()
	req := center.Request{Type: center.SealRegistration, Copies: 1}
	want := map[string]error{"D0001": nil, "D0002": nil, "D0003": nil, "D0004": center.ErrNotEligible, "D0005": center.ErrNotEligible,
		"D0006": center.ErrMovedOut, "D0007": center.ErrRevoked}
	for i, p := range centertest.DemoPeople() {
		card, err := c.NewCard(i%3, now.Add(-time.Hour), now.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddDemoPerson(ctx, p, card.Cert); err != nil {
			t.Fatal(err)
		}
		t.Run(p.Resident.Code, func(t *testing.T) {
			got, err := centertest.IssueWith(ctx, cl, card, centertest.NewKey(), req)
			if w := want[p.Resident.Code]; w == nil && err != nil || w != nil && !errors.Is(err, w) {
				t.Fatalf("%s (%s): err = %v, want %v", p.Resident.Name, p.Note, err, w)
			}
			if err == nil && got.Document.Content.Sections[0].Rows[2].Value != p.Resident.Name {
				t.Fatalf("document of %q", got.Document.Content.Sections[0].Rows[2].Value)
			}
		})
	}
}
