package center

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"madoguchi/internal/health"
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

// Diagnosis is what Diagnose found: the center section of `kiosk diag`: TLS with the
// pinned CA and the kiosk certificate, one cheap request, and the clock skew from the
// answer's Date header.
type Diagnosis struct {
	health.Verdict
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

// Diagnose checks what the kiosk needs to reach the center: its client certificate's
// validity and its clock (the client's Clock), then the way there (Probe), the answer,
// and the clock skew. caFile names the pinned CA in the report.
func (c *Client) Diagnose(ctx context.Context, caFile string) (d Diagnosis) {
	d = Diagnosis{URL: c.base.String()}
	defer d.Settle()
	now := c.clock.Now()
	exp := c.leaf.NotAfter.UTC()
	d.ClientCertExpiry = &exp
	switch left := exp.Sub(now); {
	case left <= 0:
		d.Failf("kiosk client certificate expired on %s", exp.Format(time.DateOnly))
	case left < certWarn:
		d.Warnf("kiosk client certificate expires on %s: renew it", exp.Format(time.DateOnly))
	}
	if now.Before(c.leaf.NotBefore) {
		d.Failf("kiosk client certificate is not valid before %s: is the clock right?", c.leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if !ClockSet(now) {
		// A board without a real-time clock before NTP: the client verifies the center
		// as the kiosk does then, and the skew is reported below.
		d.Failf("the kiosk's clock is not set (%s): check NTP (timedatectl status)", now.UTC().Format(time.RFC3339))
	}
	p, err := c.Probe(ctx)
	d.Address = p.Address
	if !p.Connected {
		var ne net.Error
		switch {
		case errors.Is(err, ErrCenterUntrusted):
			d.Failf("center's TLS certificate is not trusted by the pinned CA (%s): %v", caFile, err)
		case errors.As(err, &ne) && ne.Timeout():
			d.Failf("center not reachable at %s: timed out after %s", p.Address, c.connect)
		default:
			d.Failf("center not reachable at %s: %v", p.Address, err)
		}
		return d
	}
	d.TLSVersion = p.TLSVersion
	if sc := p.ServerCert; sc != nil {
		d.ServerCert = sc.Subject.String()
		se := sc.NotAfter.UTC()
		d.ServerCertExpiry = &se
	}
	if err != nil {
		d.Failf("request to the center failed (TLS with the kiosk certificate?): %v", err)
		return d
	}
	d.LatencyMS = p.RTT.Milliseconds()
	d.HTTPStatus = p.Status
	if p.Status != http.StatusOK {
		msg := http.StatusText(p.Status)
		if p.Code != "" {
			msg = fmt.Sprintf("%s: %s", p.Code, p.Message)
		}
		d.Failf("center answered %d (%s)", p.Status, msg)
	}
	if p.CenterTime.IsZero() {
		d.Warnf("the center's answer has no Date header: clock skew unknown")
		return d
	}
	ct, skew := p.CenterTime, p.Skew
	d.CenterTime = &ct
	sec := skew.Seconds()
	d.SkewSeconds = &sec
	switch abs := max(skew, -skew); {
	case abs >= skewFail:
		d.Failf("clock skew %s against the center: set the time (NTP: timedatectl status)", skew)
	case abs >= skewWarn:
		d.Warnf("clock skew %s against the center: check NTP (timedatectl status)", skew)
	}
	return d
}

// WriteText prints the section for a technician.
func (d *Diagnosis) WriteText(w io.Writer) {
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
	d.Verdict.WriteText(w)
}
