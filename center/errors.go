package center

import (
	"errors"
	"fmt"
)

// Code is the machine-readable reason of a refusal, carried in every 4xx/5xx JSON body:
// {"error":{"code":"revoked","message":"..."}}.
type Code string

// Refusal codes. Each maps to one sentinel below; the kiosk branches on the sentinels.
const (
	CodeBadRequest       Code = "bad_request"        // malformed JSON, unknown field, bad value (400)
	CodeUnsupportedMedia Code = "unsupported_media"  // Content-Type is not application/json (415)
	CodeTooLarge         Code = "too_large"          // body over MaxBodyBytes (413)
	CodeNotFound         Code = "not_found"          // no such path (404)
	CodeMethod           Code = "method_not_allowed" // (405)
	CodeKioskUnknown     Code = "kiosk_unauthorized" // no or untrusted TLS client certificate (401)
	CodeKioskMismatch    Code = "kiosk_mismatch"     // body kiosk_id differs from the TLS certificate (403)
	CodeChallenge        Code = "challenge_invalid"  // unknown, used, or another kiosk's challenge (422)
	CodeChallengeExpired Code = "challenge_expired"  // (422)
	CodeBadSignature     Code = "bad_signature"      // the card's signature does not verify (422)
	CodeUntrustedCert    Code = "untrusted_cert"     // not a JPKI authentication certificate of a configured root (422)
	CodeCertExpired      Code = "cert_expired"       // (422)
	CodeCertNotYetValid  Code = "cert_not_yet_valid" // (422)
	CodeRevoked          Code = "revoked"            // suspended or revoked card (422)
	CodeResidentNotFound Code = "resident_not_found" // no resident bound to this card (422)
	CodeNotEligible      Code = "not_eligible"       // e.g. under 15 for 印鑑, no seal registered, no tax data (422)
	CodeMovedOut         Code = "moved_out"          // 転出 (422)
	CodeClosed           Code = "closed"             // outside the municipality's service hours (422)
	CodeKeyConflict      Code = "key_conflict"       // idempotency key reused with another payload (422)
	CodeVoided           Code = "voided"             // the key was voided; it never issues (422)
	CodeReplayExpired    Code = "replay_expired"     // the key's answer is past the center's retention (422)
	CodeUnavailable      Code = "unavailable"        // the center cannot answer now (503)
	CodeInternal         Code = "internal"           // (500)
)

// Reason says, for a not_eligible refusal, why in terms the kiosk can put to the
// resident. It is optional: an unknown or empty reason is shown as a general refusal.
type Reason string

// The reasons of a not_eligible refusal.
const (
	ReasonUnderAge          Reason = "under_age"          // below the age the certificate or service needs
	ReasonNoSeal            Reason = "no_seal"            // no seal registered (印鑑登録証明書)
	ReasonNoTaxRecord       Reason = "no_tax_record"      // no tax assessment for the year asked
	ReasonDomicileElsewhere Reason = "domicile_elsewhere" // 本籍 held by another municipality (戸籍)
	ReasonNotOffered        Reason = "not_offered"        // the municipality does not issue it at kiosks
	ReasonNoRecord          Reason = "no_record"          // no certificate can be issued for this record
)

// ReasonOf returns the reason of a refusal in err's chain, or "".
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Sentinels for errors.Is. ErrRetryLater covers transport errors, timeouts, 5xx and 429:
// the same request (same key) may be sent again. ErrRefused covers every definite refusal:
// retrying the same request will not help.
var (
	ErrRetryLater = errors.New("center: unavailable, retry later")
	ErrRefused    = errors.New("center: refused")

	ErrBadRequest       = errors.New("center: bad request")
	ErrKioskRejected    = errors.New("center: kiosk not accepted")
	ErrChallenge        = errors.New("center: challenge invalid or used")
	ErrChallengeExpired = errors.New("center: challenge expired")
	ErrBadSignature     = errors.New("center: card signature does not verify")
	ErrUntrustedCert    = errors.New("center: certificate not trusted")
	ErrCertExpired      = errors.New("center: certificate expired")
	ErrCertNotYetValid  = errors.New("center: certificate not yet valid")
	ErrRevoked          = errors.New("center: card revoked or suspended")
	ErrResidentNotFound = errors.New("center: resident not found")
	ErrNotEligible      = errors.New("center: not eligible")
	ErrMovedOut         = errors.New("center: resident moved out")
	ErrClosed           = errors.New("center: service closed at this hour")
	ErrKeyConflict      = errors.New("center: idempotency key reused with a different request")
	ErrVoided           = errors.New("center: issuance voided")

	// ErrBadDocument: the center's answer failed verification (signature, binding to the
	// request or the card). The document must not be printed; the kiosk voids.
	ErrBadDocument = errors.New("center: document failed verification")
)

var codeSentinel = map[Code]error{
	CodeBadRequest:       ErrBadRequest,
	CodeUnsupportedMedia: ErrBadRequest,
	CodeTooLarge:         ErrBadRequest,
	CodeNotFound:         ErrBadRequest,
	CodeMethod:           ErrBadRequest,
	CodeKioskUnknown:     ErrKioskRejected,
	CodeKioskMismatch:    ErrKioskRejected,
	CodeChallenge:        ErrChallenge,
	CodeChallengeExpired: ErrChallengeExpired,
	CodeBadSignature:     ErrBadSignature,
	CodeUntrustedCert:    ErrUntrustedCert,
	CodeCertExpired:      ErrCertExpired,
	CodeCertNotYetValid:  ErrCertNotYetValid,
	CodeRevoked:          ErrRevoked,
	CodeResidentNotFound: ErrResidentNotFound,
	CodeNotEligible:      ErrNotEligible,
	CodeMovedOut:         ErrMovedOut,
	CodeClosed:           ErrClosed,
	CodeKeyConflict:      ErrKeyConflict,
	CodeVoided:           ErrVoided,
}

// Error is an answer of the center that is not a success. Status is the HTTP status.
// errors.Is(err, ErrRefused) or errors.Is(err, ErrRetryLater) tells the two classes apart;
// the code's sentinel (ErrRevoked, ...) tells which refusal. ErrMovedOut also matches
// ErrNotEligible.
type Error struct {
	Status  int
	Code    Code
	Reason  Reason // not_eligible only; may be ""
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("center: %s (%d)", e.Code, e.Status)
	}
	return fmt.Sprintf("center: %s (%d): %s", e.Code, e.Status, e.Message)
}

// Retryable reports whether the same request may succeed later.
func (e *Error) Retryable() bool {
	return e.Status >= 500 || e.Status == 429 || e.Status == 408 || e.Code == CodeUnavailable
}

// Unwrap returns the class sentinel and the code's sentinel.
func (e *Error) Unwrap() []error {
	if e.Retryable() {
		return []error{ErrRetryLater}
	}
	out := []error{ErrRefused}
	if s, ok := codeSentinel[e.Code]; ok {
		out = append(out, s)
	}
	if e.Code == CodeMovedOut {
		out = append(out, ErrNotEligible)
	}
	return out
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    Code   `json:"code"`
	Reason  Reason `json:"reason,omitempty"` // not_eligible: why, for the resident
	Message string `json:"message"`
}
