package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
)

// TestDiagClockSkew serves the challenge endpoint with the center's TLS identity and a
// Date header off by a chosen amount, and checks what diag makes of it.
func TestDiagClockSkew(t *testing.T) {
	r := newDiagRig(t)
	tests := []struct {
		name    string
		offset  time.Duration // center clock minus kiosk clock
		status  int
		want    string // section status
		problem string
	}{
		{"in step", 0, 200, statusOK, ""},
		{"kiosk 30 s behind", 30 * time.Second, 200, statusWarn, "against the center: check NTP"},
		{"kiosk 5 min ahead", -5 * time.Minute, 200, statusFail, "against the center: set the time"},
		{"kiosk not accepted", 0, 403, statusFail, "center answered 403 (kiosk_rejected: unknown kiosk)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				if req.URL.Path != center.PathChallenges || req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
					http.Error(w, "no", http.StatusBadRequest)
					return
				}
				w.Header().Set("Date", time.Now().Add(tt.offset).UTC().Format(http.TimeFormat))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				if tt.status != 200 {
					w.Write([]byte(`{"error":{"code":"kiosk_rejected","message":"unknown kiosk"}}`))
					return
				}
				w.Write([]byte(`{"challenge":"x","expires_at":"2030-01-01T00:00:00Z"}`))
			}))
			ts.TLS = r.center.Server().TLSConfig(r.center.PKI().Server)
			ts.StartTLS()
			defer ts.Close()
			cfg := r.load(t, r.write(t, "kiosk.toml", `^Virtual PCD 00 00$`, "backend = \"file\"\ndir = \"printed\""))
			cfg.Center.URL = ts.URL
			d := diagnoseCenter(context.Background(), cfg, time.Now)
			if d.Status != tt.want {
				t.Fatalf("status %s, want %s: %+v", d.Status, tt.want, d)
			}
			all := strings.Join(append(append([]string{}, d.Problems...), d.Warnings...), "|")
			if tt.problem != "" && !strings.Contains(all, tt.problem) {
				t.Fatalf("report %q lacks %q", all, tt.problem)
			}
			if d.SkewSeconds == nil {
				t.Fatal("no skew measured")
			}
			if got := time.Duration(*d.SkewSeconds * float64(time.Second)); (got + tt.offset).Abs() > 2*time.Second {
				t.Fatalf("skew %v for an offset of %v", got, tt.offset)
			}
		})
	}
}
