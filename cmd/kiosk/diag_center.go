package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// Clock skew limits against the center's Date header (which has one-second resolution).
// Challenges, certificate validity and the documents' timestamps are checked against
// the clocks of both sides; a kiosk clock minutes off makes TLS and issuance fail.
const (
	skewWarn = 10 * time.Second
	skewFail = 2 * time.Minute
	// certWarn: a kiosk client certificate expiring sooner than this needs renewal.
	certWarn = 30 * 24 * time.Hour
)

// centerDiag is the center section: TLS with the pinned CA and the kiosk certificate,
// one cheap request, and the clock skew from the answer's Date header.
type centerDiag struct {
	verdict
	URL              string     `json:"url,omitempty"`
	Address          string     `json:"address,omitempty"`
	TLSVersion       string     `json:"tls_version,omitempty"`
	ServerCert       string     `json:"server_cert,omitempty"` // subject of the center's leaf certificate
	ServerCertExpiry *time.Time `json:"server_cert_expires,omitempty"`
	ClientCertExpiry *time.Time `json:"client_cert_expires,omitempty"`
	HTTPStatus       int        `json:"http_status,omitempty"`
	LatencyMS        int64      `json:"latency_ms,omitempty"`
	CenterTime       *time.Time `json:"center_time,omitempty"`
	SkewSeconds      *float64   `json:"clock_skew_seconds,omitempty"` // local − center; positive: kiosk ahead
}

// centerTLS is the TLS client configuration the kiosk's center client uses: the files
// loaded as the kiosk loads them, TLS 1.3, the pinned CA only. (The client verifies
// the chain itself to cope with an unset clock; diag sets Time for that case.) Diag
// makes its own connection and request, rather than going through center.Client, to
// tell TCP, TLS and HTTP failures apart and to read the Date header.
func centerTLS(c config.Center) (*tls.Config, *x509.Certificate, error) {
	f, err := loadCenterFiles(c)
	if err != nil {
		return nil, nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: f.roots, Certificates: []tls.Certificate{f.cert}}, f.leaf, nil
}

func diagnoseCenter(ctx context.Context, cfg *config.Config, now func() time.Time) (d centerDiag) {
	d = centerDiag{URL: cfg.Center.URL}
	defer d.settle()
	tc, leaf, err := centerTLS(cfg.Center)
	if err != nil {
		d.fail("cannot load the TLS files: %v", err)
		return d
	}
	exp := leaf.NotAfter.UTC()
	d.ClientCertExpiry = &exp
	switch left := exp.Sub(now()); {
	case left <= 0:
		d.fail("kiosk client certificate expired on %s", exp.Format(time.DateOnly))
	case left < certWarn:
		d.warn("kiosk client certificate expires on %s: renew it", exp.Format(time.DateOnly))
	}
	if now().Before(leaf.NotBefore) {
		d.fail("kiosk client certificate is not valid before %s: is the clock right?", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if !center.ClockSet(now()) {
		// A board without a real-time clock before NTP: verify certificates at the
		// earliest possible time, as the kiosk does, and report the skew below.
		d.fail("the kiosk's clock is not set (%s): check NTP (timedatectl status)", now().UTC().Format(time.RFC3339))
		tc.Time = func() time.Time { return center.ClockFloor }
	}
	u, err := url.Parse(cfg.Center.URL)
	if err != nil {
		d.fail("center url: %v", err)
		return d
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "443")
	}
	d.Address = host

	// 1. TCP and the TLS handshake on their own, so the report says which one failed.
	tc.ServerName = u.Hostname()
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: cfg.Center.ConnectTimeout}, Config: tc}
	dctx, cancel := context.WithTimeout(ctx, cfg.Center.ConnectTimeout)
	conn, err := dialer.DialContext(dctx, "tcp", host)
	cancel()
	if err != nil {
		var cv *tls.CertificateVerificationError
		var ne net.Error
		switch {
		case errors.As(err, &cv):
			d.fail("center's TLS certificate is not trusted by the pinned CA (%s): %v", cfg.Center.CAFile, err)
		case errors.As(err, &ne) && ne.Timeout():
			d.fail("center not reachable at %s: timed out after %s", host, cfg.Center.ConnectTimeout)
		default:
			d.fail("center not reachable at %s: %v", host, err)
		}
		return d
	}
	cs := conn.(*tls.Conn).ConnectionState()
	conn.Close()
	d.TLSVersion = tls.VersionName(cs.Version)
	if len(cs.PeerCertificates) > 0 {
		sc := cs.PeerCertificates[0]
		d.ServerCert = sc.Subject.String()
		se := sc.NotAfter.UTC()
		d.ServerCertExpiry = &se
	}

	// 2. One cheap request with the client certificate: a challenge (the center keeps
	// it until it expires; nothing else changes). Its Date header gives the skew.
	tr := &http.Transport{TLSClientConfig: tc, DialContext: (&net.Dialer{Timeout: cfg.Center.ConnectTimeout}).DialContext,
		TLSHandshakeTimeout: cfg.Center.ConnectTimeout}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: cfg.Center.RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(center.ChallengeRequest{KioskID: cfg.Kiosk.ID})
	ep := *u
	ep.Path = center.PathChallenges
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.String(), bytes.NewReader(body))
	if err != nil {
		d.fail("build request: %v", err)
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	sent := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		d.fail("request to the center failed (TLS with the kiosk certificate?): %v", err)
		return d
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	rtt := time.Since(sent)
	d.LatencyMS = rtt.Milliseconds()
	d.HTTPStatus = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		var eb center.ErrorBody
		msg := http.StatusText(resp.StatusCode)
		if json.Unmarshal(raw, &eb) == nil && eb.Error.Code != "" {
			msg = fmt.Sprintf("%s: %s", eb.Error.Code, eb.Error.Message)
		}
		d.fail("center answered %d (%s)", resp.StatusCode, msg)
	}
	if ct, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		// The Date header was stamped somewhere during the round trip: compare it
		// with the middle of it.
		local := sent.Add(rtt / 2)
		skew := local.Sub(ct).Round(time.Second)
		ctUTC := ct.UTC()
		d.CenterTime = &ctUTC
		s := skew.Seconds()
		d.SkewSeconds = &s
		switch abs := max(skew, -skew); {
		case abs >= skewFail:
			d.fail("clock skew %s against the center: set the time (NTP: timedatectl status)", skew)
		case abs >= skewWarn:
			d.warn("clock skew %s against the center: check NTP (timedatectl status)", skew)
		}
	} else {
		d.warn("the center's answer has no Date header: clock skew unknown")
	}
	return d
}

func (d *centerDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "center [%s]\n", d.Status)
	fmt.Fprintf(w, "  url              %s\n", d.URL)
	if d.TLSVersion != "" {
		fmt.Fprintf(w, "  tls              %s, center certificate %s", d.TLSVersion, d.ServerCert)
		if d.ServerCertExpiry != nil {
			fmt.Fprintf(w, " until %s", d.ServerCertExpiry.Format(time.DateOnly))
		}
		fmt.Fprintln(w)
	}
	if d.ClientCertExpiry != nil {
		fmt.Fprintf(w, "  kiosk cert until %s\n", d.ClientCertExpiry.Format(time.DateOnly))
	}
	if d.HTTPStatus != 0 {
		fmt.Fprintf(w, "  answer           HTTP %d in %d ms\n", d.HTTPStatus, d.LatencyMS)
	}
	if d.SkewSeconds != nil {
		fmt.Fprintf(w, "  clock skew       %+.0f s (kiosk minus center)\n", *d.SkewSeconds)
	}
	d.writeVerdict(w)
}
