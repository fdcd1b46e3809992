package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"madoguchi/center/server"
)

// TestBadInput: malformed forms, a wrong or missing CSRF token, SQL metacharacters, an
// oversized body and an expired session each get a clear answer and change nothing.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	session, csrf := f.login(t)
	serial := f.hanako.Cert.SerialNumber.Text(16)
	big := strings.Repeat("x", 20<<10)
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		cookie bool
		status int
		says   string
	}{
		{"no CSRF token", "/cards/suspend", url.Values{"serial": {serial}, "reason": {"r"}}, true, 403, "CSRF"},
		{"wrong CSRF token", "/cards/suspend", url.Values{"csrf": {"AAAA"}, "serial": {serial}, "reason": {"r"}}, true, 403, "CSRF"},
		{"no session", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {"r"}}, false, 401, "session has ended"},
		{"serial not hex", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {"xyz"}, "reason": {"r"}}, true, 400, "hexadecimal"},
		{"SQL in the serial", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {"1' OR '1'='1"}, "reason": {"r"}}, true, 400, "hexadecimal"},
		{"no reason", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {"  "}}, true, 400, "reason"},
		{"unknown issuer", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {"r"}, "issuer": {"'; DROP TABLE revocations; --"}}, true, 422, "none of the center"},
		{"oversized form", "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {big}}, true, 413, "could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ck *http.Cookie
			if tc.cookie {
				ck = session
			}
			resp := f.post(t, tc.path, tc.form, ck)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.says) {
				t.Fatalf("%d, want %d with %q:\n%.600s", resp.StatusCode, tc.status, tc.says, body)
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("headers %v", resp.Header)
			}
		})
	}
	if sus, err := f.c.Server().Suspensions(f.ctx, 10); err != nil || len(sus) != 0 {
		t.Fatalf("refused requests suspended something: %+v %v", sus, err)
	}
	// The same form with its token works (the refusals above were for the reasons given).
	if resp := f.post(t, "/cards/suspend", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {"<b>lost</b> & found?"}}, session); resp.StatusCode != 200 {
		t.Fatalf("valid suspend: %d", resp.StatusCode)
	}
	body, _ := io.ReadAll(f.get(t, "/cards", session).Body)
	if !strings.Contains(string(body), "&lt;b&gt;lost&lt;/b&gt; &amp; found?") {
		t.Errorf("the reason is not escaped on the page")
	}
	// A GET on a POST endpoint, an unknown page.
	if resp := f.get(t, "/cards/suspend", session); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /cards/suspend: %d", resp.StatusCode)
	}
	// An expired session: pages send the browser to the log-in, forms are refused.
	f.clock.Advance(server.SessionIdle + time.Minute)
	if resp := f.get(t, "/", session); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("expired session GET: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := f.post(t, "/cards/reinstate", url.Values{"csrf": {csrf}, "serial": {serial}, "reason": {"r"}}, session); resp.StatusCode != 401 {
		t.Errorf("expired session POST: %d", resp.StatusCode)
	}
}

// TestLoginForm: the log-in form needs its own double-submit token; wrong passwords are
// answered 401 and lock the name after server.LoginFailures; the locked answer says so.
func TestLoginForm(t *testing.T) {
	f := newFixture(t)
	ck, tok := f.loginForm(t)
	resp := f.post(t, "/login", url.Values{"name": {"tanaka"}, "password": {operatorPassword}}, ck)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without the form's token: %d", resp.StatusCode)
	}
	for i := range server.LoginFailures {
		if _, _, status := f.tryLogin(t, tok, "tanaka", "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, status)
		}
	}
	resp = f.post(t, "/login", url.Values{"csrf": {tok.Value}, "name": {"tanaka"}, "password": {operatorPassword}}, tok)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "locked here for 15 minutes") {
		t.Fatalf("locked: %d %.300s", resp.StatusCode, body)
	}
	f.clock.Advance(server.LoginLockout)
	if s, _, status := f.tryLogin(t, tok, "tanaka", operatorPassword); status != http.StatusSeeOther || s == nil || !s.Secure || !s.HttpOnly {
		t.Fatalf("after the lock-out: %d %+v", status, s)
	}
}

// TestVerifyPage: an unknown or malformed code is a 404 page in both languages.
func TestVerifyPage(t *testing.T) {
	f := newFixture(t)
	for _, code := range []string{"0000-0000-0000-0000-0000", "x", "'%20OR%201=1--"} {
		resp := f.get(t, "/verify/"+code)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "No certificate has this verification code") {
			t.Errorf("%q: %d %.200s", code, resp.StatusCode, body)
		}
	}
}
