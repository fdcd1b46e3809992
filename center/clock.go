package center

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// ClockFloor is the earliest time a kiosk's clock can really show: a board without a
// real-time clock boots at 1970 (or at its last shutdown) until NTP sets the time. A clock
// that reads earlier is "not set", and the kiosk takes the center's time instead (see
// Client.Now). It only ever moves forward, with releases.
var ClockFloor = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// ClockSet reports whether t can be a real reading of the current time.
func ClockSet(t time.Time) bool { return !t.Before(ClockFloor) }

// centerTime is the center's clock as read from the Date header of an answer, with the
// local monotonic reading at that moment, so it can be carried forward across jumps of the
// local wall clock.
type centerTime struct {
	date time.Time // the center's Date header
	at   time.Time // local time.Now() when the answer arrived (has a monotonic reading)
}

// ErrCenterUntrusted: the center's TLS certificate does not verify against the pinned CA
// and the base URL's host.
var ErrCenterUntrusted = errors.New("center: tls: center certificate not trusted")

type centerClock struct{ last atomic.Pointer[centerTime] }

func (cc *centerClock) observe(resp *http.Response) {
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		cc.last.Store(&centerTime{date: d, at: time.Now()})
	}
}

// now estimates the center's current time; ok is false until an answer was seen.
func (cc *centerClock) now() (time.Time, bool) {
	ct := cc.last.Load()
	if ct == nil {
		return time.Time{}, false
	}
	return ct.date.Add(time.Since(ct.at)), true // time.Since uses the monotonic reading
}

// Now is the time the kiosk should trust: its own clock when it is set, otherwise the
// center's time carried forward on the monotonic clock from the last answer (±1 s, the
// Date header's resolution). ok is false when neither is known; callers then leave time
// checks to the center, which makes them with its own clock.
func (c *Client) Now() (t time.Time, ok bool) {
	if local := c.clock.Now(); ClockSet(local) {
		return local, true
	}
	return c.center.now()
}

// verifyCenter checks the center's TLS certificate chain against the pinned CA and the
// base URL's host, as crypto/tls would, except for the time: it uses Now, and when no time
// is known at all (the clock is unset and the center has not answered yet) it checks the
// chain at ClockFloor, or at the leaf's NotBefore when that is later. ClockFloor is a
// trusted lower bound of the true time that needs no state: this release cannot run
// before it. So a certificate that expired before the release (a retired center's leaked
// key, say) is refused, and its Date header never becomes the kiosk's time; one that
// expired since is caught as soon as the clock is set (NTP, or the first answer). A
// last-shutdown time kept on disk would be a tighter bound but can be lost with the SD
// card or rolled back with it; the release floor cannot.
func (c *Client) verifyCenter(cs tls.ConnectionState, roots *x509.CertPool) error {
	return c.verifyCenterHost(cs, roots, c.base.Hostname())
}

// verifyCenterHost is verifyCenter for the instance at host.
func (c *Client) verifyCenterHost(cs tls.ConnectionState, roots *x509.CertPool, host string) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: no certificate from the center", ErrCenterUntrusted)
	}
	leaf := cs.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, ic := range cs.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	at, ok := c.Now()
	if !ok {
		at = ClockFloor
		if leaf.NotBefore.After(at) {
			at = leaf.NotBefore
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host, CurrentTime: at})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCenterUntrusted, err)
	}
	return nil
}
