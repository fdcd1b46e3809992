package reader

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// CertSummary is what a technician needs to know about a certificate: no personal data
// (the authentication certificate's subject is an opaque identifier by design).
type CertSummary struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Validity  string    `json:"validity"` // "valid", "expired" or "not yet valid" at the time of the check
}

// Summarize describes cert as of now.
func Summarize(cert *x509.Certificate, now time.Time) CertSummary {
	s := CertSummary{
		Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Serial: cert.SerialNumber.Text(16),
		NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC(), Validity: "valid",
	}
	switch {
	case now.Before(cert.NotBefore):
		s.Validity = "not yet valid"
	case now.After(cert.NotAfter):
		s.Validity = "expired"
	}
	return s
}

// Report is the card part of `kiosk diag`. It never holds a PIN or a My Number.
type Report struct {
	JPKI      bool         `json:"jpki"`
	Device    string       `json:"device,omitempty"` // "card", "android", "iphone"
	Token     string       `json:"token,omitempty"`
	AuthCert  *CertSummary `json:"auth_cert,omitempty"`
	AuthTries *int         `json:"auth_pin_tries,omitempty"`
	SignTries *int         `json:"sign_pin_tries,omitempty"`
	Problems  []string     `json:"problems,omitempty"`
	APDUs     int          `json:"apdus"`
	// ExtendedLength: whether extended-length APDUs reach the card through this reader
	// (learnt reading the certificate); nil when not learnt.
	ExtendedLength *bool `json:"extended_length,omitempty"`
}

// Inspect identifies the card (or phone) and reads its authentication certificate (not on
// an Android phone, which needs the PIN first) and the remaining tries of both JPKI PINs,
// spending none. Every problem is listed; Inspect only fails
// outright when the card is gone.
func Inspect(ctx context.Context, c *Card, now time.Time) (r Report, err error) {
	defer func() {
		r.APDUs = c.Stats().APDUs
		if ext, known := c.ExtendedLength(); known {
			r.ExtendedLength = &ext
		}
	}()
	note := func(err error) error {
		r.Problems = append(r.Problems, err.Error())
		if errors.Is(err, ErrCardRemoved) || errors.Is(err, ErrReaderGone) {
			return err
		}
		return nil
	}
	var tok string
	tok, err = c.Token(ctx)
	dev := DeviceNone
	if err == nil {
		r.Token = tok
		dev, err = checkToken(tok)
	}
	switch {
	case err == nil:
		r.JPKI, r.Device = true, dev.String()
	case errors.Is(err, ErrNotJPKI) || errors.Is(err, ErrJukiCard):
		return r, note(err)
	default:
		if ferr := note(err); ferr != nil {
			return r, ferr
		}
		return r, nil
	}
	// An Android phone shows its certificate only after its PIN, which diag never
	// presents: its report has no certificate, and that is no problem.
	if dev != DeviceAndroid {
		if ferr := r.readAuthCert(ctx, c, now, note); ferr != nil {
			return r, ferr
		}
	}
	for _, p := range []struct {
		pin PIN
		out **int
	}{{AuthPIN, &r.AuthTries}, {SignPIN, &r.SignTries}} {
		n, err := c.Tries(ctx, p.pin)
		if err != nil {
			if ferr := note(err); ferr != nil {
				return r, ferr
			}
			continue
		}
		*p.out = &n
		if n == 0 {
			r.Problems = append(r.Problems, p.pin.String()+" blocked: reset at the municipal office")
		}
	}
	return r, nil
}

// readAuthCert adds the authentication certificate's summary to r; it returns what note
// returns for a failure.
func (r *Report) readAuthCert(ctx context.Context, c *Card, now time.Time, note func(error) error) error {
	cert, err := c.AuthCertificate(ctx)
	if err != nil {
		return note(err)
	}
	s := Summarize(cert, now)
	r.AuthCert = &s
	if s.Validity != "valid" {
		r.Problems = append(r.Problems, fmt.Sprintf("authentication certificate %s", s.Validity))
	}
	return nil
}
