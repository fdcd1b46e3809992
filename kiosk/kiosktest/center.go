package kiosktest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"madoguchi/center"
)

// Center is an in-process issuance center. It hands out one-time challenges, checks the
// card's signature over center.Digest with the certificate's key and answers with a
// document bound to the request, or with the refusal it was told to give.
type Center struct {
	ID      string // kiosk id; default "test-kiosk"
	UnitFee int    // yen per copy; default 200, negative: free (0 yen)

	mu        sync.Mutex
	challenge map[string]bool // unused challenges
	refuse    error           // answer every Issue with this
	refuseN   int             // ... this many times (0 = until Refuse(nil))
	chErr     error
	hold      chan struct{} // Issue waits until closed (or ctx ends)
	issues    []center.Issue
	answered  int
}

// KioskID returns ID.
func (c *Center) KioskID() string {
	if c.ID == "" {
		return "test-kiosk"
	}
	return c.ID
}

// Refuse makes Issue fail with err (nil: succeed again). Use RefuseCode for a center refusal.
func (c *Center) Refuse(err error) {
	c.mu.Lock()
	c.refuse, c.refuseN = err, 0
	c.mu.Unlock()
}

// RefuseTimes makes the next n Issue calls fail with err.
func (c *Center) RefuseTimes(err error, n int) {
	c.mu.Lock()
	c.refuse, c.refuseN = err, n
	c.mu.Unlock()
}

// RefuseCode makes Issue answer like the center does for code (the status is 503 for
// center.CodeUnavailable, 422 otherwise).
func (c *Center) RefuseCode(code center.Code) { c.Refuse(CodeError(code)) }

// CodeError is the error the center client returns for a refusal code.
func CodeError(code center.Code) error {
	st := 422
	if code == center.CodeUnavailable {
		st = 503
	}
	return fmt.Errorf("center: issue: %w", &center.Error{Status: st, Code: code, Message: "test"})
}

// FailChallenge makes Challenge fail with err (nil: succeed again).
func (c *Center) FailChallenge(err error) {
	c.mu.Lock()
	c.chErr = err
	c.mu.Unlock()
}

// Hold makes Issue wait until Release is called or its context ends.
func (c *Center) Hold() {
	c.mu.Lock()
	c.hold = make(chan struct{})
	c.mu.Unlock()
}

// Release lets held Issue calls go on.
func (c *Center) Release() {
	c.mu.Lock()
	if c.hold != nil {
		close(c.hold)
		c.hold = nil
	}
	c.mu.Unlock()
}

// Issues returns the issuance requests received so far.
func (c *Center) Issues() []center.Issue {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]center.Issue(nil), c.issues...)
}

// Answered counts the documents issued.
func (c *Center) Answered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}

// Challenge returns a fresh one-time challenge.
func (c *Center) Challenge(ctx context.Context) (center.Challenge, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chErr != nil {
		return center.Challenge{}, c.chErr
	}
	var b [32]byte
	rand.Read(b[:])
	s := base64.RawURLEncoding.EncodeToString(b[:])
	if c.challenge == nil {
		c.challenge = map[string]bool{}
	}
	c.challenge[s] = true
	return center.Challenge{Challenge: s, ExpiresAt: time.Now().Add(time.Minute)}, nil
}

// Issue checks the request like the center does and issues a document.
func (c *Center) Issue(ctx context.Context, in center.Issue) (*center.Issued, error) {
	c.mu.Lock()
	c.issues = append(c.issues, in)
	hold := c.hold
	refuse := c.refuse
	if refuse != nil && c.refuseN > 0 {
		c.refuseN--
		if c.refuseN == 0 {
			c.refuse = nil
		}
	}
	c.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, fmt.Errorf("center: issue: %w: %w", center.ErrRetryLater, ctx.Err())
		}
	}
	if refuse != nil {
		return nil, refuse
	}
	if err := in.Request.Validate(); err != nil {
		return nil, CodeError(center.CodeBadRequest)
	}
	cert, err := x509.ParseCertificate(in.AuthCert)
	if err != nil {
		return nil, CodeError(center.CodeUntrustedCert)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, CodeError(center.CodeUntrustedCert)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, center.Digest(in.Challenge, c.KioskID(), in.Request), in.Signature); err != nil {
		return nil, CodeError(center.CodeBadSignature)
	}
	c.mu.Lock()
	fresh := c.challenge[in.Challenge]
	delete(c.challenge, in.Challenge)
	c.answered++
	n := c.answered
	c.mu.Unlock()
	if !fresh {
		return nil, CodeError(center.CodeChallenge)
	}
	unit := c.UnitFee
	if unit == 0 {
		unit = 200
	}
	unit = max(unit, 0)
	id := fmt.Sprintf("T%08d", n)
	doc := center.Document{Version: 1, IssueID: id, Key: in.Key, KioskID: c.KioskID(),
		CardFingerprint: center.Fingerprint(in.AuthCert), Request: in.Request, UnitFee: unit,
		Fee: unit * in.Request.Copies, IssuedAt: time.Now(),
		Content: center.Content{Type: in.Request.Type, Title: in.Request.Type.Title(), Municipality: "見本市",
			Sections:      []center.Section{{Rows: []center.Row{{Label: "氏名", Value: "見本　太郎"}}}},
			Certification: "この写しは、原本と相違ないことを証明する。", IssuedOn: "令和8年11月26日",
			Issuer: "見本市長　見本　一郎", IssuanceNumber: id, VerificationCode: id}}
	payload := []byte(fmt.Sprintf(`{"issue_id":%q,"key":%q}`, id, in.Key))
	sig := sha256.Sum256(payload)
	return &center.Issued{Document: doc, Payload: payload, Signature: sig[:]}, nil
}
