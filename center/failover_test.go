package center_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"madoguchi/center"
)

// TestClientFailOver: a request an instance does not answer (closed port, 503, 502) goes
// to the next one in order; a refusal does not; the instance that answered is asked first
// next time.
func TestClientFailOver(t *testing.T) {
	ctx := context.Background()
	pki := sharedPKI(t)
	kc, err := pki.KioskCert("kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	okBody := `{"challenge":"` + strings.Repeat("A", 43) + `","expires_at":"2030-01-01T00:00:00Z"}`
	answers := map[string]func(w http.ResponseWriter){
		"ok": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(okBody))
		},
		"503": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"database gone"}}`))
		},
		"502": func(w http.ResponseWriter) { w.WriteHeader(502) },
		"422": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			w.Write([]byte(`{"error":{"code":"revoked","message":"suspended"}}`))
		},
	}
	for _, tc := range []struct {
		name      string
		instances []string // "down" = a closed port
		want      error    // of both calls
		hits      []int64  // per instance after two calls
		moves     int64    // FailOvers after two calls
	}{
		{"first down", []string{"down", "ok"}, nil, []int64{0, 2}, 1},
		{"first 503, then the second first", []string{"503", "ok"}, nil, []int64{1, 2}, 1},
		{"502 then down then ok", []string{"502", "down", "ok"}, nil, []int64{1, 0, 2}, 2},
		{"first answers", []string{"ok", "down"}, nil, []int64{2, 0}, 0},
		{"a refusal is final", []string{"422", "ok"}, center.ErrRevoked, []int64{2, 0}, 0},
		{"all unavailable", []string{"503", "down", "503"}, center.ErrRetryLater, []int64{2, 0, 2}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var urls []string
			hits := make([]*atomic.Int64, len(tc.instances))
			for i, kind := range tc.instances {
				hits[i] = new(atomic.Int64)
				if kind == "down" {
					urls = append(urls, "https://127.0.0.1:1")
					continue
				}
				answer, n := answers[kind], hits[i]
				ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n.Add(1)
					answer(w)
				}))
				ts.TLS = &tls.Config{Certificates: []tls.Certificate{pki.Server}, ClientAuth: tls.RequestClientCert}
				ts.StartTLS()
				t.Cleanup(ts.Close)
				urls = append(urls, ts.URL)
			}
			cl, err := center.NewClient(center.ClientOptions{BaseURL: urls[0], Fallbacks: urls[1:], Certificate: kc,
				CenterCAs: pki.CAPool(), DocumentKey: pki.DocumentPublicKey(), ConnectTimeout: time.Second, RequestTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cl.Close)
			for call := range 2 {
				_, err := cl.Challenge(ctx)
				if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
					t.Fatalf("call %d: err = %v, want %v", call+1, err, tc.want)
				}
			}
			if cl.FailOvers() != tc.moves {
				t.Errorf("%d fail-overs, want %d", cl.FailOvers(), tc.moves)
			}
			for i, n := range hits {
				if n.Load() != tc.hits[i] {
					t.Errorf("instance %d (%s): %d requests, want %d", i, tc.instances[i], n.Load(), tc.hits[i])
				}
			}
		})
	}
	t.Run("bad fallback URL", func(t *testing.T) {
		if _, err := center.NewClient(center.ClientOptions{BaseURL: "https://127.0.0.1:1", Fallbacks: []string{"http://127.0.0.1:2"},
			Certificate: kc, CenterCAs: pki.CAPool(), DocumentKey: pki.DocumentPublicKey()}); err == nil {
			t.Fatal("accepted an http:// fallback")
		}
	})
}
