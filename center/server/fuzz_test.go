package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// FuzzHandler feeds arbitrary bodies to every POST endpoint as an authenticated kiosk:
// the answer is always JSON, never a panic, and never a 5xx.
func FuzzHandler(f *testing.F) {
	e := &env{clock: centertest.NewClock(base), kiosk: "kiosk-0001"}
	c, err := centertest.New(f.Context(), centertest.Options{Clock: e.clock, Dir: f.TempDir(), Postgres: postgresDSN(f)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	kc, err := c.PKI().KioskCert(e.kiosk)
	if err != nil {
		f.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(kc.Certificate[0])
	h := c.Server().Handler()
	card, err := c.NewCard(0, base.Add(-time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		f.Fatal(err)
	}
	if err := c.AddDemoPerson(f.Context(), centertest.DemoPeople()[0], card.Cert); err != nil {
		f.Fatal(err)
	}
	ch, _ := c.Server().NewChallenge(context.Background(), e.kiosk)
	sig, _ := card.Sign(ch.Challenge, e.kiosk, juminhyo)
	valid, _ := json.Marshal(center.IssueRequest{KioskID: e.kiosk, Key: centertest.NewKey(), Challenge: ch.Challenge,
		AuthCert: card.Cert.Raw, Signature: sig, Request: juminhyo})
	for _, seed := range []string{
		string(valid),
		`{"kiosk_id":"kiosk-0001"}`,
		`{"kiosk_id":"kiosk-0001","messages":[{"seq":1,"key":"aaaaaaaaaaaaaaaaaaaa","kind":"voided","payload":{"issue_key":"bbbbbbbbbbbbbbbbbbbb"}}]}`,
		`{"kiosk_id":"kiosk-0001","messages":[{"seq":-1,"key":"","kind":"","payload":null}]}`,
		`{"kiosk_id":"kiosk-0001","messages":[{"seq":2,"key":"cccccccccccccccccccc","kind":"completed","payload":{"issue_key":7}}]}`,
		`{"request":{"type":"juminhyo","copies":1e9}}`,
		`{"auth_cert":"!!!"}`,
		`null`, ``, `{`, `"x"`, `{"kiosk_id":"kiosk-0001"} trailing`,
	} {
		for _, p := range []string{center.PathChallenges, center.PathIssuances, center.PathMessages} {
			f.Add(p, seed)
		}
	}
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		r := httptest.NewRequest(http.MethodPost, "https://center.test"+pathEscape(path), strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q → %d %s", path, body, w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s %q → non-JSON answer %q", path, body, w.Body)
		}
	})
}

// pathEscape keeps fuzzed paths parseable as a request target.
func pathEscape(p string) string {
	var b strings.Builder
	for _, c := range []byte(p) {
		if c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != '%' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
