package center_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// TestProbeReferenceCenter probes the reference center on loopback: connected over TLS
// 1.3 with the pinned CA, a challenge answered, and no clock skew.
func TestProbeReferenceCenter(t *testing.T) {
	ctx := context.Background()
	c := referenceCenter(t)
	opts, err := c.ClientOptions("kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, opts)
	p, err := cl.Probe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Connected || p.TLSVersion != "TLS 1.3" || p.ServerCert == nil || p.Status != http.StatusOK || p.Code != "" {
		t.Fatalf("probe %+v", p)
	}
	if !strings.HasPrefix(c.URL(), "https://"+p.Address) {
		t.Errorf("address %q for %s", p.Address, c.URL())
	}
	if p.CenterTime.IsZero() || p.Skew.Abs() > 2*time.Second || p.RTT <= 0 {
		t.Errorf("center time %v, skew %v, rtt %v", p.CenterTime, p.Skew, p.RTT)
	}
	// The probe is an answer like any other: the client now knows the center's time.
	if _, ok := cl.Now(); !ok {
		t.Error("no trusted time after the probe")
	}
}

// TestProbeAnswers serves chosen answers with the center's TLS identity and checks what
// the probe reports: the clock skew from the Date header, a refusal's code, no Date.
func TestProbeAnswers(t *testing.T) {
	ctx := context.Background()
	c := referenceCenter(t)
	tests := []struct {
		name     string
		offset   time.Duration // center clock minus kiosk clock
		status   int
		body     string
		noDate   bool
		wantCode center.Code
		wantMsg  string
	}{
		{name: "in step", status: 200, body: `{"challenge":"x","expires_at":"2030-01-01T00:00:00Z"}`},
		{name: "kiosk 30 s behind", offset: 30 * time.Second, status: 200, body: `{}`},
		{name: "kiosk 5 min ahead", offset: -5 * time.Minute, status: 200, body: `{}`},
		{name: "kiosk not accepted", status: 403, body: `{"error":{"code":"kiosk_unauthorized","message":"unknown kiosk"}}`,
			wantCode: center.CodeKioskUnknown, wantMsg: "unknown kiosk"},
		{name: "proxy error page", status: 502, body: `<html>bad gateway</html>`},
		{name: "no Date header", status: 200, body: `{}`, noDate: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type seen struct {
				method, path string
				certs        int
			}
			requests := make(chan seen, 1)
			srv := serveTLS(t, c.Server().TLSConfig(c.PKI().Server), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case requests <- seen{r.Method, r.URL.Path, len(r.TLS.PeerCertificates)}:
				default:
				}
				if tt.noDate {
					w.Header()["Date"] = nil
				} else {
					w.Header().Set("Date", time.Now().Add(tt.offset).UTC().Format(http.TimeFormat))
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			opts, err := c.ClientOptions("kiosk-1")
			if err != nil {
				t.Fatal(err)
			}
			opts.BaseURL = "https://" + srv
			cl := newClient(t, opts)
			p, err := cl.Probe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := <-requests; got.method != http.MethodPost || got.path != center.PathChallenges || got.certs == 0 {
				t.Fatalf("request %+v: want a challenge request with the kiosk certificate", got)
			}
			if p.Status != tt.status || p.Code != tt.wantCode || p.Message != tt.wantMsg {
				t.Fatalf("status %d code %q message %q, want %d %q %q", p.Status, p.Code, p.Message, tt.status, tt.wantCode, tt.wantMsg)
			}
			if tt.noDate {
				if !p.CenterTime.IsZero() {
					t.Fatalf("center time %v without a Date header", p.CenterTime)
				}
				return
			}
			if p.CenterTime.IsZero() || (p.Skew+tt.offset).Abs() > 2*time.Second {
				t.Fatalf("skew %v for an offset of %v", p.Skew, tt.offset)
			}
		})
	}
}

// serveTLS serves h over TLS with tc on loopback until the test ends; it returns host:port.
func serveTLS(t *testing.T, tc *tls.Config, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: tc}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestProbeFailures: each way the center cannot be reached says which step failed.
func TestProbeFailures(t *testing.T) {
	ctx := context.Background()
	c, other := referenceCenter(t), otherPKI(t)
	// A port that accepts and never speaks TLS.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			conn, err := mute.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	// A center that completes the handshake and hangs up on every request.
	hangup := tls.NewListener(mustListen(t), c.Server().TLSConfig(c.PKI().Server))
	defer hangup.Close()
	go func() {
		for {
			conn, err := hangup.Accept()
			if err != nil {
				return
			}
			go func() {
				conn.(*tls.Conn).Handshake()
				conn.Close()
			}()
		}
	}()
	closedAddr := closedPort(t)

	tests := []struct {
		name      string
		mod       func(o *center.ClientOptions)
		connected bool
		untrusted bool
		timeout   bool
		address   string
	}{
		{name: "nothing listens", mod: func(o *center.ClientOptions) { o.BaseURL = "https://" + closedAddr }, address: closedAddr},
		{name: "default port", mod: func(o *center.ClientOptions) { o.BaseURL = "https://127.0.0.1"; o.ConnectTimeout = time.Second },
			address: "127.0.0.1:443"},
		{name: "center not trusted by the pinned CA", mod: func(o *center.ClientOptions) { o.CenterCAs = other.CAPool() }, untrusted: true},
		{name: "no TLS answer", mod: func(o *center.ClientOptions) {
			o.BaseURL = "https://" + mute.Addr().String()
			o.ConnectTimeout = 200 * time.Millisecond
		}, timeout: true, address: mute.Addr().String()},
		{name: "request fails after the handshake", mod: func(o *center.ClientOptions) {
			o.BaseURL = "https://" + hangup.Addr().String()
			o.RequestTimeout = 2 * time.Second
		}, connected: true, address: hangup.Addr().String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := c.ClientOptions("kiosk-1")
			if err != nil {
				t.Fatal(err)
			}
			tt.mod(&opts)
			cl := newClient(t, opts)
			p, err := cl.Probe(ctx)
			if err == nil {
				t.Fatalf("probe succeeded: %+v", p)
			}
			if p.Connected != tt.connected || p.Status != 0 {
				t.Fatalf("connected %v status %d (%v), want connected %v and no answer", p.Connected, p.Status, err, tt.connected)
			}
			if errors.Is(err, center.ErrCenterUntrusted) != tt.untrusted {
				t.Errorf("untrusted %v (%v), want %v", errors.Is(err, center.ErrCenterUntrusted), err, tt.untrusted)
			}
			var ne net.Error
			if isTimeout := errors.As(err, &ne) && ne.Timeout(); isTimeout != tt.timeout {
				t.Errorf("timeout %v (%v), want %v", isTimeout, err, tt.timeout)
			}
			if tt.connected && !errors.Is(err, center.ErrRetryLater) {
				t.Errorf("request failure %v does not wrap ErrRetryLater", err)
			}
			if tt.address != "" && p.Address != tt.address {
				t.Errorf("address %q, want %q", p.Address, tt.address)
			}
		})
	}
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// referenceCenter is the reference center with the package's test PKI, until the test ends.
func referenceCenter(t *testing.T) *centertest.Center {
	t.Helper()
	c, err := centertest.New(context.Background(), centertest.Options{Dir: t.TempDir(), PKI: sharedPKI(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// otherPKI is the key material of another center.
func otherPKI(t *testing.T) *centertest.PKI {
	t.Helper()
	p, err := centertest.NewPKI(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln := mustListen(t)
	defer ln.Close()
	return ln.Addr().String()
}

// newClient is a client with opts until the test ends.
func newClient(t *testing.T, opts center.ClientOptions) *center.Client {
	t.Helper()
	cl, err := center.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
