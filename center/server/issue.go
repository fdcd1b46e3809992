package server

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

func (s *Server) handleChallenge(w http.ResponseWriter, r *http.Request, kiosk string) {
	var in center.ChallengeRequest
	if !decode(w, r, &in) {
		return
	}
	if in.KioskID != kiosk {
		writeError(w, http.StatusForbidden, center.CodeKioskMismatch, "kiosk_id does not match the TLS client certificate")
		return
	}
	ch, err := s.NewChallenge(r.Context(), kiosk)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeValue(w, ch)
}

// NewChallenge makes a one-time challenge for a kiosk. On SQLite challenges live in
// memory (a restart voids the outstanding ones; the kiosk asks again); on PostgreSQL in
// the database, so that any instance accepts it.
func (s *Server) NewChallenge(ctx context.Context, kiosk string) (center.Challenge, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return center.Challenge{}, fmt.Errorf("challenge: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.clock.Now()
	exp := now.Add(s.ttl)
	if err := s.store.putChallenge(ctx, v, kiosk, now, exp, s.maxCh, s.maxPerKh); err != nil {
		return center.Challenge{}, err
	}
	return center.Challenge{Challenge: v, ExpiresAt: exp.UTC()}, nil
}

func (s *Server) handleIssue(w http.ResponseWriter, r *http.Request, kiosk string) {
	var in center.IssueRequest
	if !decode(w, r, &in) {
		return
	}
	if in.KioskID != kiosk {
		writeError(w, http.StatusForbidden, center.CodeKioskMismatch, "kiosk_id does not match the TLS client certificate")
		return
	}
	body, err := s.Issue(r.Context(), in)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// Issue handles one issuance request for the (already authenticated) kiosk in.KioskID and
// returns the JSON answer. A request whose key was seen before returns the stored answer
// byte for byte when the body is identical, and ErrKeyConflict-style refusal otherwise.
func (s *Server) Issue(ctx context.Context, in center.IssueRequest) ([]byte, error) {
	if err := validateIssue(in); err != nil {
		return nil, err
	}
	canon, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("issue: hash: %w", err)
	}
	sum := sha256.Sum256(canon)
	hash := hex.EncodeToString(sum[:])

	tx, done, err := s.beginWrite(ctx, in.KioskID)
	if err != nil {
		return nil, fmt.Errorf("issue: begin: %w", err)
	}
	defer done()
	defer tx.Rollback()

	// 1. The idempotency key, before anything else: a retry is answered from storage
	// even if its challenge is spent or the card has expired since.
	var oldHash, state string
	var resp []byte
	err = tx.QueryRowContext(ctx, `SELECT request_hash, state, response FROM issuances WHERE kiosk_id = ? AND key = ?`,
		in.KioskID, in.Key).Scan(&oldHash, &state, &resp)
	switch {
	case err == nil:
		if state == string(center.StateVoided) {
			return nil, refuse(center.CodeVoided, "this transaction was voided; start a new one")
		}
		if oldHash != hash {
			return nil, refuse(center.CodeKeyConflict, "key already used for a different request")
		}
		if resp == nil {
			return nil, refuse(center.CodeReplayExpired, "the answer to this key is no longer kept (retention); start a new transaction")
		}
		return resp, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("issue: key lookup: %w", err)
	}

	// 2. The challenge: fresh, this kiosk's, single use (spent even if the request is
	// refused: the refusal commits the spending and nothing else).
	undo, err := s.store.takeChallenge(ctx, tx, in.Challenge, in.KioskID, s.clock.Now())
	if err != nil {
		var rf *refusal
		if errors.As(err, &rf) {
			return nil, errors.Join(err, tx.Commit())
		}
		return nil, err
	}
	out, err := s.issueTx(ctx, tx, in, hash)
	if err != nil {
		var rf *refusal
		if errors.As(err, &rf) {
			if cerr := tx.Commit(); cerr != nil {
				undo()
				return nil, fmt.Errorf("issue: commit refusal: %w", cerr)
			}
			return nil, err
		}
		undo()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		undo()
		return nil, fmt.Errorf("issue: commit: %w", err)
	}
	return out, nil
}

func validateIssue(in center.IssueRequest) error {
	switch {
	case !center.ValidKey(in.Key):
		return badRequest("key must be 16-128 characters of [A-Za-z0-9_-]")
	case !center.ValidChallenge(in.Challenge):
		return badRequest("malformed challenge")
	case len(in.AuthCert) == 0 || len(in.AuthCert) > center.MaxCertBytes:
		return badRequest("auth_cert missing or over %d bytes", center.MaxCertBytes)
	case len(in.Signature) == 0 || len(in.Signature) > 1024:
		return badRequest("signature missing or too long")
	}
	if err := in.Request.Validate(); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

func (s *Server) issueTx(ctx context.Context, tx *txn, in center.IssueRequest, hash string) ([]byte, error) {
	now := s.clock.Now()
	cert, issuer, err := s.verifyCard(in, now)
	if err != nil {
		return nil, err
	}
	var revoked int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM revocations WHERE issuer = ? AND serial = ?`,
		issuer, cert.SerialNumber.Text(16)).Scan(&revoked); err != nil {
		return nil, fmt.Errorf("issue: revocation: %w", err)
	}
	if revoked > 0 {
		return nil, refuse(center.CodeRevoked, "the card's certificate is suspended or revoked")
	}
	rid, res, err := residentByCard(ctx, tx, cert, issuer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, refuse(center.CodeResidentNotFound, "no resident record for this card")
	}
	if err != nil {
		return nil, fmt.Errorf("issue: resident: %w", err)
	}
	m, ok := s.munis[res.Municipality]
	if !ok {
		return nil, fmt.Errorf("issue: resident %s: unknown municipality %q", res.Code, res.Municipality)
	}
	if err := s.eligible(res, m, in.Request, now); err != nil {
		return nil, err
	}
	var members []Resident
	if in.Request.Type == center.ResidentRecord ||
		in.Request.Type == center.FamilyRegister && !in.Request.Options.Individual {
		if members, err = household(ctx, tx, res.Municipality, res.Household); err != nil {
			return nil, fmt.Errorf("issue: household: %w", err)
		}
	}
	issueID, err := randomCode(16)
	if err != nil {
		return nil, fmt.Errorf("issue: id: %w", err)
	}
	verify, err := randomCode(20)
	if err != nil {
		return nil, fmt.Errorf("issue: verification code: %w", err)
	}
	unit := m.Fees[in.Request.Type]
	doc := center.Document{
		Version: 1, IssueID: issueID, Key: in.Key, KioskID: in.KioskID,
		CardFingerprint: center.Fingerprint(in.AuthCert), Request: in.Request,
		UnitFee: unit, Fee: unit * in.Request.Copies, IssuedAt: now.UTC(),
		Content: render(m, res, members, in.Request, now, issueID, verify),
	}
	payload, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("issue: encode document: %w", err)
	}
	out, err := json.Marshal(center.IssueResponse{Payload: payload,
		Signature: ed25519.Sign(s.key, center.DocumentSigningInput(payload))})
	if err != nil {
		return nil, fmt.Errorf("issue: encode answer: %w", err)
	}
	nowNS := now.UnixNano()
	if _, err := tx.ExecContext(ctx, `INSERT INTO issuances(kiosk_id, key, request_hash, issue_id, verify_code, cert_type,
		municipality, state, fingerprint, resident_id, fee, response, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,'issued',?,?,?,?,?,?)`,
		in.KioskID, in.Key, hash, issueID, verify, string(in.Request.Type), m.Code, doc.CardFingerprint, rid, doc.Fee, out,
		nowNS, nowNS); err != nil {
		return nil, fmt.Errorf("issue: store: %w", err)
	}
	return out, nil
}

// verifyCard checks the card's certificate (chain to a JPKI root, validity at now) and its
// signature over the canonical request. It returns the certificate and the IssuerID of
// the CA that issued it.
func (s *Server) verifyCard(in center.IssueRequest, now time.Time) (*x509.Certificate, string, error) {
	cert, err := x509.ParseCertificate(in.AuthCert)
	if err != nil {
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert is not an X.509 certificate")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert has no RSA key")
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert key is not for signatures")
	}
	verify := func(at time.Time) ([][]*x509.Certificate, error) {
		return cert.Verify(x509.VerifyOptions{Roots: s.roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	}
	chains, err := verify(now)
	if err != nil {
		// Tell a time problem from a trust problem: does the chain hold within the
		// certificate's own validity?
		holds := false
		for _, at := range []time.Time{cert.NotAfter.Add(-time.Second), cert.NotBefore.Add(time.Second),
			cert.NotBefore.Add(cert.NotAfter.Sub(cert.NotBefore) / 2)} {
			if _, err := verify(at); err == nil {
				holds = true
				break
			}
		}
		if !holds {
			return nil, "", refuse(center.CodeUntrustedCert, "auth_cert does not chain to a trusted JPKI root")
		}
		if now.Before(cert.NotBefore) {
			return nil, "", refuse(center.CodeCertNotYetValid, "auth_cert not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
		}
		if now.After(cert.NotAfter) {
			return nil, "", refuse(center.CodeCertExpired, "auth_cert expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
		}
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert chain not valid now")
	}
	if cert.IsCA {
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert is a CA certificate")
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, center.Digest(in.Challenge, in.KioskID, in.Request), in.Signature); err != nil {
		return nil, "", refuse(center.CodeBadSignature, "the signature was not made by this card over this request")
	}
	if len(chains[0]) < 2 {
		return nil, "", refuse(center.CodeUntrustedCert, "auth_cert is a root certificate")
	}
	return cert, IssuerID(chains[0][1]), nil
}

// eligible applies the municipality's rules to the resident and the request.
func (s *Server) eligible(r Resident, m Municipality, req center.Request, now time.Time) error {
	switch r.Status {
	case StatusMovedOut:
		return refuse(center.CodeMovedOut, "resident has moved out (転出); certificates are issued by the new municipality")
	case StatusDeceased:
		return notEligible(center.ReasonNoRecord, "no certificates for this record")
	}
	if _, offered := m.Fees[req.Type]; !offered {
		return notEligible(center.ReasonNotOffered, "%s does not issue %s here", m.Name, req.Type.Title())
	}
	if h := m.hoursFor(req.Type); !h.open(now) {
		if from, ok := h.nextOpen(now); ok {
			return refuse(center.CodeClosed, "%s is not available at this hour; available from %s",
				req.Type.Title(), from.In(config.JST).Format("2006-01-02 15:04 MST"))
		}
		return refuse(center.CodeClosed, "%s is not available at this hour", req.Type.Title())
	}
	birth, _ := time.ParseInLocation("2006-01-02", r.Birth, config.JST) // validated on insert
	a := age(birth, now)
	if a < m.MinAge {
		return notEligible(center.ReasonUnderAge, "the service requires age %d or over", m.MinAge)
	}
	switch req.Type {
	case center.SealRegistration:
		if a < 15 {
			return notEligible(center.ReasonUnderAge, "印鑑登録 requires age 15 or over")
		}
		if r.SealNumber == "" {
			return notEligible(center.ReasonNoSeal, "no seal is registered")
		}
	case center.FamilyRegister, center.FamilyRegisterAnnex:
		if r.Domicile == "" {
			return notEligible(center.ReasonDomicileElsewhere, "本籍 is not in %s (利用登録 needed at the 本籍地)", m.Name)
		}
	case center.TaxIncome:
		year := req.Options.FiscalYear
		if year == 0 {
			year = r.TaxYear
		}
		if r.TaxYear == 0 || year != r.TaxYear {
			return notEligible(center.ReasonNoTaxRecord, "no tax assessment for fiscal year %d", year)
		}
	}
	return nil
}

// randomCode returns n characters of Crockford base32 from crypto/rand, in groups of 4,
// e.g. 7KQ2-M9XD-...; it is unique in practice and easy to read aloud.
func randomCode(n int) (string, error) {
	b := make([]byte, (n*5+7)/8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	enc := base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)
	s := enc.EncodeToString(b)[:n]
	var out strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+4, len(s))])
	}
	return out.String(), nil
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, kiosk string) {
	key := r.PathValue("key")
	if !center.ValidKey(key) {
		writeError(w, http.StatusBadRequest, center.CodeBadRequest, "malformed key")
		return
	}
	st, err := s.Status(r.Context(), kiosk, key)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeValue(w, st)
}

// Status reports the state of a kiosk's issuance key (another kiosk's key is unknown).
func (s *Server) Status(ctx context.Context, kiosk, key string) (center.IssuanceStatus, error) {
	st := center.IssuanceStatus{Key: key, State: center.StateUnknown}
	var id sql.NullString
	err := s.q().QueryRowContext(ctx, `SELECT state, issue_id FROM issuances WHERE kiosk_id = ? AND key = ?`, kiosk, key).Scan(&st.State, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return center.IssuanceStatus{}, fmt.Errorf("status: %w", err)
	}
	st.IssueID = id.String
	return st, nil
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	v, err := s.Verify(r.Context(), r.PathValue("code"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeValue(w, v)
}

// Verify looks up a printed verification code for whoever holds the paper (no kiosk
// certificate needed). It answers validity facts only, never personal data.
func (s *Server) Verify(ctx context.Context, code string) (center.Verification, error) {
	if len(code) < 10 || len(code) > 40 {
		return center.Verification{}, badRequest("malformed verification code")
	}
	var v center.Verification
	var created int64
	err := s.q().QueryRowContext(ctx, `SELECT issue_id, cert_type, municipality, state, created_at FROM issuances WHERE verify_code = ?`,
		strings.ToUpper(code)).Scan(&v.IssueID, &v.Type, &v.Municipality, &v.State, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return center.Verification{}, &refusal{status: http.StatusNotFound, code: center.CodeNotFound, msg: "no certificate with this verification code"}
	}
	if err != nil {
		return center.Verification{}, fmt.Errorf("verify: %w", err)
	}
	if m, ok := s.munis[v.Municipality]; ok {
		v.Municipality = m.Name
	}
	v.IssuedAt = time.Unix(0, created).UTC()
	return v, nil
}
