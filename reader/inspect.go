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

// Inspect identifies the card and reads its authentication certificate and the remaining
// tries of both JPKI PINs, spending none. Every problem is listed; Inspect only fails
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
	if err == nil {
		r.Token = tok
		err = checkToken(tok)
	}
	switch {
	case err == nil:
		r.JPKI = true
	case errors.Is(err, ErrNotJPKI) || errors.Is(err, ErrJukiCard):
		return r, note(err)
	default:
		if ferr := note(err); ferr != nil {
			return r, ferr
		}
		return r, nil
	}
	if cert, err := c.AuthCertificate(ctx); err != nil {
		if ferr := note(err); ferr != nil {
			return r, ferr
		}
	} else {
		s := Summarize(cert, now)
		r.AuthCert = &s
		if s.Validity != "valid" {
			r.Problems = append(r.Problems, fmt.Sprintf("authentication certificate %s", s.Validity))
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
