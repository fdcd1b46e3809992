package server

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"madoguchi/center"
	"madoguchi/eapp"
)

// MaxSigningSkew is how far in the future a signing time may be (the kiosk's clock
// against the center's).
const MaxSigningSkew = 10 * time.Minute

// application checks an application message and records it (now in Unix nanoseconds,
// as messages are); a non-empty reason refuses it (the kiosk parks the message and
// alerts).
func (s *Server) application(ctx context.Context, tx *txn, kiosk string, payload []byte, now int64) (string, error) {
	var p center.ApplicationPayload
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return "application payload: " + err.Error(), nil
	}
	sd, err := eapp.Open(p.SignedData)
	if err != nil {
		return "signature: " + err.Error(), nil
	}
	app, err := eapp.Parse(sd.Content)
	if err != nil {
		return "application: " + err.Error(), nil
	}
	switch {
	case app.Number != p.Number:
		return fmt.Sprintf("application number %q, the signed one is %q", p.Number, app.Number), nil
	case app.Kiosk != kiosk:
		return fmt.Sprintf("signed for kiosk %q, sent by %q", app.Kiosk, kiosk), nil
	case !app.Signed.Equal(sd.SigningTime):
		return "the application's time and the signing time differ", nil
	case sd.SigningTime.After(time.Unix(0, now).Add(MaxSigningSkew)):
		return "signing time in the future", nil
	}
	if _, ok := s.munis[app.Municipality]; !ok {
		return fmt.Sprintf("municipality %q is not served here", app.Municipality), nil
	}
	cert := sd.Cert
	if len(s.signers) == 0 {
		return "the center trusts no JPKI signing root", nil
	}
	if !signingUsage(cert) {
		return "the signing certificate's key is not for signatures", nil
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: s.signPool, CurrentTime: sd.SigningTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return "signing certificate not valid at the signing time (expired or not yet valid)", nil
		}
		return "signing certificate does not chain to a trusted JPKI signing root", nil
	}
	issuer := IssuerID(chains[0][len(chains[0])-1])
	var revoked int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM revocations WHERE issuer = ? AND serial = ?`,
		issuer, cert.SerialNumber.Text(16)).Scan(&revoked); err != nil {
		return "", fmt.Errorf("application: revocation: %w", err)
	}
	if revoked > 0 {
		return "signing certificate revoked (a move or a change of name revokes it)", nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO applications(kiosk_id, number, municipality, form, signed_at, received_at,
		signer_issuer, signer_serial, content, signed_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(kiosk_id, number) DO NOTHING`, kiosk, app.Number, app.Municipality, app.Form, app.Signed.Unix(), now,
		issuer, cert.SerialNumber.Text(16), sd.Content, p.SignedData)
	if err != nil {
		return "", fmt.Errorf("application: store: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Sprintf("application number %s already received in another message", app.Number), nil
	}
	return "", nil
}

// Application is one received electronic application, as the municipality's staff list
// them.
type Application struct {
	Kiosk, Number, Municipality, Form string
	Signed, Received                  time.Time
	SignerSerial                      string // hex serial of the signing certificate
	Content                           []byte // the canonical application (eapp)
	SignedData                        []byte // as received: verifiable again by anyone
}

// Applications lists the received applications, oldest first.
func (s *Server) Applications(ctx context.Context) ([]Application, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT kiosk_id, number, municipality, form, signed_at, received_at, signer_serial,
		content, signed_data FROM applications ORDER BY received_at, kiosk_id, number`)
	if err != nil {
		return nil, fmt.Errorf("applications: %w", err)
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		var a Application
		var signed, received int64
		if err := rows.Scan(&a.Kiosk, &a.Number, &a.Municipality, &a.Form, &signed, &received, &a.SignerSerial,
			&a.Content, &a.SignedData); err != nil {
			return nil, fmt.Errorf("applications: %w", err)
		}
		a.Signed, a.Received = time.Unix(signed, 0), time.Unix(0, received)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("applications: %w", err)
	}
	return out, nil
}

// signingUsage: the certificate's key may sign applications — the check of openssl's
// S/MIME signing purpose (what `openssl cms -verify` applies by default): a keyUsage, if
// present, has digitalSignature or nonRepudiation; an extendedKeyUsage, if present,
// allows any purpose or e-mail protection. J-LIS's profile of the signing certificate is
// not published in our sources; the one public trace (a generator of look-alike test
// certificates) shows keyUsage digitalSignature + nonRepudiation, critical, and no
// extendedKeyUsage, which this accepts.
func signingUsage(cert *x509.Certificate) bool {
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return false
	}
	if len(cert.ExtKeyUsage) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
			return true
		}
	}
	return false
}
