package center_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/internal/health"
)

// TestDiagnose serves the challenge endpoint with the center's TLS identity and a Date
// header off by a chosen amount (or the reference center itself, or nothing), and checks
// what the center section of `kiosk diag` makes of it.
func TestDiagnose(t *testing.T) {
	ctx := context.Background()
	c, other, closedAddr := referenceCenter(t), otherPKI(t), closedPort(t)
	answer := func(offset time.Duration, status int) string {
		return serveTLS(t, c.Server().TLSConfig(c.PKI().Server), http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if offset == -1 {
				w.Header()["Date"] = nil
			} else {
				w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			if status != 200 {
				w.Write([]byte(`{"error":{"code":"kiosk_rejected","message":"unknown kiosk"}}`))
				return
			}
			w.Write([]byte(`{"challenge":"x","expires_at":"2030-01-01T00:00:00Z"}`))
		}))
	}
	tests := []struct {
		name    string
		addr    string        // host:port of the center; "": the reference center
		offset  time.Duration // center clock minus kiosk clock, when measured
		clock   center.Clock  // the kiosk's clock; nil: the system clock
		ca      *centertest.PKI
		status  string
		problem string
		skew    bool // a skew is measured
	}{
		{name: "reference center", status: health.OK, skew: true},
		{name: "in step", addr: answer(0, 200), status: health.OK, skew: true},
		{name: "kiosk 30 s behind", addr: answer(30*time.Second, 200), offset: 30 * time.Second, status: health.Warn,
			problem: "against the center: check NTP", skew: true},
		{name: "kiosk 5 min ahead", addr: answer(-5*time.Minute, 200), offset: -5 * time.Minute, status: health.Fail,
			problem: "against the center: set the time", skew: true},
		{name: "kiosk not accepted", addr: answer(0, 403), status: health.Fail,
			problem: "center answered 403 (kiosk_rejected: unknown kiosk)", skew: true},
		{name: "no Date header", addr: answer(-1, 200), status: health.Warn, problem: "no Date header: clock skew unknown"},
		{name: "center down", addr: closedAddr, status: health.Fail, problem: "center not reachable at " + closedAddr},
		{name: "center not pinned", ca: other, status: health.Fail, problem: "not trusted by the pinned CA (ca.pem)"},
		{name: "kiosk clock not set", clock: centertest.NewClock(time.Unix(0, 0)), status: health.Fail,
			problem: "the kiosk's clock is not set (1970-01-01T00:00:00Z)", skew: true},
		{name: "kiosk certificate expired", clock: centertest.NewClock(time.Now().AddDate(30, 0, 0)), status: health.Fail,
			problem: "kiosk client certificate expired on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := c.ClientOptions("kiosk-1")
			if err != nil {
				t.Fatal(err)
			}
			if tt.addr != "" {
				opts.BaseURL = "https://" + tt.addr
			}
			opts.Clock = tt.clock
			if tt.ca != nil {
				opts.CenterCAs = tt.ca.CAPool()
			}
			cl := newClient(t, opts)
			d := cl.Diagnose(ctx, "ca.pem")
			if d.Status != tt.status {
				t.Fatalf("status %s, want %s: %+v", d.Status, tt.status, d)
			}
			all := strings.Join(append(append([]string{}, d.Problems...), d.Warnings...), "|")
			if tt.problem != "" && !strings.Contains(all, tt.problem) {
				t.Fatalf("report %q lacks %q", all, tt.problem)
			}
			if d.ClientCertExpiry == nil {
				t.Error("no client certificate expiry")
			}
			if (d.SkewSeconds != nil) != tt.skew {
				t.Fatalf("skew measured: %v, want %v", d.SkewSeconds != nil, tt.skew)
			}
			if tt.skew && tt.clock != nil && !strings.Contains(all, "set the time") {
				t.Errorf("a kiosk clock at %v: no skew failure in %q", tt.clock.Now(), all)
			}
			if tt.skew && tt.clock == nil {
				if got := time.Duration(*d.SkewSeconds * float64(time.Second)); (got + tt.offset).Abs() > 2*time.Second {
					t.Fatalf("skew %v for an offset of %v", got, tt.offset)
				}
				if d.TLSVersion != "TLS 1.3" || d.ServerCertExpiry == nil || d.CenterTime == nil {
					t.Errorf("details %+v", d)
				}
				var b strings.Builder
				d.WriteText(&b)
				if !strings.HasPrefix(b.String(), "center ["+tt.status+"]\n  url              "+d.URL+"\n  tls              TLS 1.3, center certificate ") ||
					!strings.Contains(b.String(), "  clock skew       ") {
					t.Errorf("text:\n%s", b.String())
				}
			}
		})
	}
}

// TestDiagnoseInstances: with fallback URLs every instance is probed on its own and has
// its line; one reference center down while the other answers is a warning naming it
// (the kiosk fails over), both down a failure naming both.
func TestDiagnoseInstances(t *testing.T) {
	ctx := context.Background()
	up := referenceCenter(t)
	gone := referenceCenter(t)
	opts, err := up.ClientOptions("kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	upURL := opts.BaseURL
	gOpts, _ := gone.ClientOptions("kiosk-1")
	goneURL := gOpts.BaseURL
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		urls    []string
		status  string
		lines   []string // per instance: its status
		problem []string
	}{
		{"both up", []string{upURL, upURL}, health.OK, []string{health.OK, health.OK}, nil},
		{"first down", []string{goneURL, upURL}, health.Warn, []string{health.Fail, health.OK},
			[]string{"center instance " + goneURL + ": center not reachable at " + strings.TrimPrefix(goneURL, "https://"), "fails over"}},
		{"second down", []string{upURL, goneURL}, health.Warn, []string{health.OK, health.Fail}, []string{"center instance " + goneURL}},
		{"both down", []string{goneURL, goneURL}, health.Fail, []string{health.Fail, health.Fail}, []string{"center instance " + goneURL, "center not reachable"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			o.BaseURL, o.Fallbacks = tt.urls[0], tt.urls[1:]
			// The closed one refuses at once; the live one's TLS handshake may take seconds
			// under the race detector on a loaded machine.
			o.ConnectTimeout = 15 * time.Second
			d := newClient(t, o).Diagnose(ctx, "ca.pem")
			if d.Status != tt.status {
				t.Fatalf("status %s, want %s: %+v", d.Status, tt.status, d)
			}
			if len(d.Instances) != len(tt.urls) {
				t.Fatalf("%d instance lines for %d URLs", len(d.Instances), len(tt.urls))
			}
			var b strings.Builder
			d.WriteText(&b)
			text := b.String()
			for i, in := range d.Instances {
				if in.URL != tt.urls[i] || in.Status != tt.lines[i] || (in.Status == health.OK) != (in.Problem == "") {
					t.Errorf("instance %d: %+v, want %s %s", i+1, in, tt.urls[i], tt.lines[i])
				}
				line := fmt.Sprintf("  instance %-7d %s %s", i+1, tt.urls[i], tt.lines[i])
				if !strings.Contains(text, line) {
					t.Errorf("text lacks %q:\n%s", line, text)
				}
			}
			all := strings.Join(append(append([]string{}, d.Problems...), d.Warnings...), "|")
			for _, want := range tt.problem {
				if !strings.Contains(all, want) {
					t.Errorf("report %q lacks %q", all, want)
				}
			}
			if tt.status != health.Fail && (d.TLSVersion == "" || d.SkewSeconds == nil || d.HTTPStatus != 200) {
				t.Errorf("details of the instance that answered are missing: %+v", d)
			}
		})
	}
}
