package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeConsole: `centerd operator` reads the password from standard input, `serve
// -console` serves the console on its own listener, and the kiosks' listener serves the
// public verification page next to the protocol.
func TestServeConsole(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "center")
	var errb strings.Builder
	if rc := run(ctx, []string{"init", dir}, io.Discard, &errb); rc != 0 {
		t.Fatalf("init: %s", errb.String())
	}
	defer func(r io.Reader) { stdin = r }(stdin)
	for _, tc := range []struct {
		in string
		rc int
	}{{"\n", 1}, {"short\n", 1}, {strings.Repeat("x", 2000) + "\n", 1}, {"correct horse battery\n", 0}} {
		stdin = strings.NewReader(tc.in)
		if rc := run(ctx, []string{"operator", dir, "tanaka"}, io.Discard, io.Discard); rc != tc.rc {
			t.Errorf("operator with %.10q: rc %d, want %d", tc.in, rc, tc.rc)
		}
	}
	sctx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(sctx, []string{"serve", "-listen", "127.0.0.1:0", "-console", "127.0.0.1:0", "-always-open", dir}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	var api, con string
	for api == "" || con == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "centerd: serving "); ok {
			api = u
		}
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "centerd: console on "); ok {
			con = u
		}
	}
	go io.Copy(io.Discard, br)
	defer func() {
		stop()
		if rc := <-done; rc != 0 {
			t.Errorf("serve exit %d", rc)
		}
	}()
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // the test PKI's certificate; identity is not what this test checks
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		resp, err := cl.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if resp := get(api + "/verify/0000-0000-0000-0000-0000"); resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("public verify page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := get(api + "/v1/verify/0000-0000-0000-0000-0000"); resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("protocol verify: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := get(api + "/login"); resp.StatusCode != 404 {
		t.Errorf("the console on the kiosks' listener: %d", resp.StatusCode)
	}
	resp := get(con + "/login")
	var tok *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "madoguchi_login" {
			tok = c
		}
	}
	if resp.StatusCode != 200 || tok == nil {
		t.Fatalf("console log-in page: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, con+"/login", strings.NewReader(url.Values{"csrf": {tok.Value}, "name": {"tanaka"}, "password": {"correct horse battery"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(tok)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("operator log-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
