package console_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/console"
)

// base is a Wednesday, 12:00 JST.
var base = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

var juminhyo = center.Request{Type: center.ResidentRecord, Copies: 1}

const operatorPassword = "correct horse battery"

// fixture is a reference center with the console in front of it on loopback HTTPS, the
// operator tanaka, a kiosk client and hanako's card.
type fixture struct {
	ctx    context.Context
	clock  *centertest.Clock
	c      *centertest.Center
	kiosk  *center.Client
	hanako *centertest.Card
	url    string
	http   *http.Client // no redirects followed, no cookie jar
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), clock: centertest.NewClock(base)}
	c, err := centertest.New(f.ctx, centertest.Options{Clock: f.clock, Dir: t.TempDir(), Postgres: postgresDSN(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	f.c = c
	if f.kiosk, err = c.NewClient("kiosk-0001"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.kiosk.Close)
	if f.hanako, err = c.NewCard(0, base.Add(-48*time.Hour), base.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	for _, p := range centertest.DemoPeople() {
		if p.Resident.Code == "D0001" {
			if err := c.AddDemoPerson(f.ctx, p, f.hanako.Cert); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.Server().AddOperator(f.ctx, "tanaka", []byte(operatorPassword)); err != nil {
		t.Fatal(err)
	}
	con, err := console.New(c.Server(), console.Options{Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(con.Handler())
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{c.PKI().Server}, MinVersion: tls.VersionTLS13}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	f.url = ts.URL
	f.http = ts.Client()
	f.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return f
}

func (f *fixture) do(t *testing.T, req *http.Request, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	resp, err := f.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (f *fixture) get(t *testing.T, path string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.url+path, nil)
	return f.do(t, req, cookies...)
}

func (f *fixture) post(t *testing.T, path string, form url.Values, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(t, req, cookies...)
}

// login logs tanaka in over plain HTTP (the log-in form's double-submit token first) and
// returns the session cookie and the session's CSRF token.
func (f *fixture) login(t *testing.T) (*http.Cookie, string) {
	t.Helper()
	_, tok := f.loginForm(t)
	ck, csrf, status := f.tryLogin(t, tok, "tanaka", operatorPassword)
	if status != http.StatusSeeOther || ck == nil {
		t.Fatalf("login: %d", status)
	}
	return ck, csrf
}

// loginForm fetches the log-in page and returns its cookie and token.
func (f *fixture) loginForm(t *testing.T) (*http.Cookie, *http.Cookie) {
	t.Helper()
	resp := f.get(t, "/login")
	for _, c := range resp.Cookies() {
		if c.Name == "madoguchi_login" {
			return c, c
		}
	}
	t.Fatal("no login cookie")
	return nil, nil
}

func (f *fixture) tryLogin(t *testing.T, tok *http.Cookie, name, pw string) (*http.Cookie, string, int) {
	t.Helper()
	resp := f.post(t, "/login", url.Values{"csrf": {tok.Value}, "name": {name}, "password": {pw}}, tok)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "madoguchi_console" && c.Value != "" {
			session = c
		}
	}
	if session == nil {
		return nil, "", resp.StatusCode
	}
	ss, err := f.c.Server().Session(f.ctx, session.Value)
	if err != nil {
		t.Fatal(err)
	}
	return session, ss.CSRF, resp.StatusCode
}
