package center

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Probe is what one cheap round trip to the center found (Client.Probe), for a
// technician's diagnosis.
type Probe struct {
	URL        string            // the instance's base URL
	Address    string            // host:port dialled
	Connected  bool              // TCP and the TLS handshake (with the center verified) succeeded
	TLSVersion string            // e.g. "TLS 1.3"
	ServerCert *x509.Certificate // the center's leaf certificate
	Status     int               // HTTP status of the answer; 0 without one
	Code       Code              // a refusal's code, when the answer is a protocol error body
	Message    string            // and its message
	RTT        time.Duration     // from sending the request to reading the answer
	CenterTime time.Time         // the answer's Date header; zero without one
	// Skew is the kiosk's clock minus CenterTime at the middle of the round trip, in
	// whole seconds (the Date header's resolution); valid when CenterTime is set.
	Skew time.Duration
}

// Probe checks the way to the center as the client will take it: TCP and the TLS
// handshake on their own (the kiosk certificate presented, the center verified as for
// every request), then one challenge request — the center keeps the challenge until it
// expires and nothing else changes — whose Date header gives the clock skew.
//
// The error is that of the first step that failed: with Connected false the dial or the
// handshake (ErrCenterUntrusted when the center's certificate does not verify; a
// net.Error whose Timeout says so for a timeout); with Connected true the request
// (ErrRetryLater). An answer other than 200 is no error: Status, Code and Message say
// what the center answered.
//
// Probe checks the first instance (center.url); ProbeAll every one.
func (c *Client) Probe(ctx context.Context) (Probe, error) {
	return c.probe(ctx, c.ends[0])
}

// ProbeAll probes every instance (center.url, then center.fallback_urls in order) at
// once, each on its own (no fail-over), and returns their results in that order.
func (c *Client) ProbeAll(ctx context.Context) ([]Probe, []error) {
	ps, errs := make([]Probe, len(c.ends)), make([]error, len(c.ends))
	var wg sync.WaitGroup
	for i, e := range c.ends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps[i], errs[i] = c.probe(ctx, e)
		}()
	}
	wg.Wait()
	return ps, errs
}

func (c *Client) probe(ctx context.Context, e endpoint) (Probe, error) {
	p := Probe{URL: e.base.String(), Address: e.base.Host}
	if e.base.Port() == "" {
		p.Address = net.JoinHostPort(e.base.Hostname(), "443")
	}
	tc := e.tls.Clone()
	tc.ServerName = e.base.Hostname()
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: c.connect}, Config: tc}
	dctx, cancel := context.WithTimeout(ctx, c.connect)
	conn, err := dialer.DialContext(dctx, "tcp", p.Address)
	cancel()
	if err != nil {
		return p, err
	}
	cs := conn.(*tls.Conn).ConnectionState()
	conn.Close()
	p.Connected = true
	p.TLSVersion = tls.VersionName(cs.Version)
	if len(cs.PeerCertificates) > 0 {
		p.ServerCert = cs.PeerCertificates[0]
	}

	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	sent, start := c.clock.Now(), time.Now()
	body, err := json.Marshal(ChallengeRequest{KioskID: c.kiosk})
	if err != nil {
		return p, fmt.Errorf("center: probe: %w", err)
	}
	resp, raw, err := c.exchangeAt(rctx, e, http.MethodPost, PathChallenges, true, body)
	if err != nil {
		return p, fmt.Errorf("center: probe: %w", err)
	}
	p.RTT = time.Since(start)
	p.Status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		if eb, ok := decodeErrorBody(raw); ok {
			p.Code, p.Message = eb.Error.Code, eb.Error.Message
		}
	}
	if ct, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// The Date header was stamped somewhere during the round trip: compare it with
		// the middle of it.
		p.CenterTime = ct.UTC()
		p.Skew = sent.Add(p.RTT / 2).Sub(ct).Round(time.Second)
	}
	return p, nil
}
