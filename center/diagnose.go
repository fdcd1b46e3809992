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
	// Instances: every URL of center.url and center.fallback_urls, in order, each
	// probed on its own; the fields above describe the first that answered well (else
	// the first).
	Instances []InstanceDiagnosis `json:"instances,omitempty"`
}

// InstanceDiagnosis is one center instance's line of the diagnosis.
type InstanceDiagnosis struct {
	URL        string `json:"url"`
	Address    string `json:"address"`
	Status     string `json:"status"`            // health.OK or health.Fail
	Problem    string `json:"problem,omitempty"` // why not OK
	HTTPStatus int    `json:"http_status,omitempty"`
	LatencyMS  int64  `json:"latency_ms,omitempty"`
}

// Diagnose checks what the kiosk needs to reach the center: its client certificate's
// validity and its clock (the client's Clock), then the way to every instance
// (ProbeAll), the answer, and the clock skew. caFile names the pinned CA in the report.
// With fallback instances, one down while another answers is a warning (the kiosk fails
// over); all down is a failure.
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
	ps, errs := c.ProbeAll(ctx)
	primary := 0
	for i := range ps {
		d.Instances = append(d.Instances, c.instanceLine(ps[i], errs[i], caFile))
	}
	for i, in := range d.Instances {
		if in.Status == health.OK {
			primary = i
			break
		}
	}
	if len(ps) > 1 {
		good := d.Instances[primary].Status == health.OK
		for i, in := range d.Instances {
			switch {
			case i == primary || in.Status == health.OK:
			case good:
				d.Warnf("center instance %s: %s (the kiosk fails over to the others)", in.URL, in.Problem)
			default:
				d.Failf("center instance %s: %s", in.URL, in.Problem)
			}
		}
	}
	p, err := ps[primary], errs[primary]
	d.Address = p.Address
	if !p.Connected {
		d.Failf("%s", d.Instances[primary].Problem)
		return d
	}
	d.TLSVersion = p.TLSVersion
	if sc := p.ServerCert; sc != nil {
		d.ServerCert = sc.Subject.String()
		se := sc.NotAfter.UTC()
		d.ServerCertExpiry = &se
	}
	if err != nil {
		d.Failf("%s", d.Instances[primary].Problem)
		return d
	}
	d.LatencyMS = p.RTT.Milliseconds()
	d.HTTPStatus = p.Status
	if p.Status != http.StatusOK {
		d.Failf("%s", d.Instances[primary].Problem)
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

// instanceLine judges one instance's probe.
func (c *Client) instanceLine(p Probe, err error, caFile string) InstanceDiagnosis {
	in := InstanceDiagnosis{URL: p.URL, Address: p.Address, Status: health.Fail, HTTPStatus: p.Status}
	var ne net.Error
	switch {
	case !p.Connected && errors.Is(err, ErrCenterUntrusted):
		in.Problem = fmt.Sprintf("center's TLS certificate is not trusted by the pinned CA (%s): %v", caFile, err)
	case !p.Connected && errors.As(err, &ne) && ne.Timeout():
		in.Problem = fmt.Sprintf("center not reachable at %s: timed out after %s", p.Address, c.connect)
	case !p.Connected:
		in.Problem = fmt.Sprintf("center not reachable at %s: %v", p.Address, err)
	case err != nil:
		in.Problem = fmt.Sprintf("request to the center failed (TLS with the kiosk certificate?): %v", err)
	case p.Status != http.StatusOK:
		msg := http.StatusText(p.Status)
		if p.Code != "" {
			msg = fmt.Sprintf("%s: %s", p.Code, p.Message)
		}
		in.Problem = fmt.Sprintf("center answered %d (%s)", p.Status, msg)
		in.LatencyMS = p.RTT.Milliseconds()
	default:
		in.Status = health.OK
		in.LatencyMS = p.RTT.Milliseconds()
	}
	return in
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
	if len(d.Instances) > 1 {
		for i, in := range d.Instances {
			fmt.Fprintf(w, "  instance %-7d %s %s", i+1, in.URL, in.Status)
			switch {
			case in.Problem != "":
				fmt.Fprintf(w, ": %s", in.Problem)
			case in.HTTPStatus != 0:
				fmt.Fprintf(w, ", HTTP %d in %d ms", in.HTTPStatus, in.LatencyMS)
			}
			fmt.Fprintln(w)
		}
	}
	d.Verdict.WriteText(w)
}
