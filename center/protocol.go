package center

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Version is the protocol version; it is the first element of every path (/v1/...).
const Version = "v1"

// Paths of the protocol, relative to the center's base URL.
const (
	PathChallenges = "/v1/challenges"
	PathIssuances  = "/v1/issuances" // POST issues; GET PathIssuances + "/{key}" reports status
	PathMessages   = "/v1/messages"
	PathVerify     = "/v1/verify" // GET PathVerify + "/{verification code}": public, no client certificate
)

// Limits of the protocol. The server refuses larger inputs with 413 or 400.
const (
	MaxBodyBytes    = 64 << 10 // request body
	MaxCertBytes    = 4096     // DER of the card's authentication certificate
	MaxCopies       = 10
	MaxBatch        = 100     // messages per POST /v1/messages
	MaxPayloadBytes = 8 << 10 // one message payload
)

// Clock gives the current time. The zero value of every Options struct in this tree means
// the system clock.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

// Options are the resident's choices for one certificate. Fields that do not apply to the
// requested type must be zero (the center refuses them, so that the signed request says
// exactly what will be printed).
type Options struct {
	Household    bool `json:"household,omitempty"`    // 住民票: 世帯全員 (else 本人のみ)
	Domicile     bool `json:"domicile,omitempty"`     // 住民票: 本籍・筆頭者の記載
	Relationship bool `json:"relationship,omitempty"` // 住民票: 世帯主・続柄の記載
	Individual   bool `json:"individual,omitempty"`   // 戸籍: 個人事項 (else 全部事項)
	FiscalYear   int  `json:"fiscal_year,omitempty"`  // 課税・所得: 年度 (e.g. 2026); 0 = the current one
}

// Request is what the resident asked for. It is part of what the card signs.
type Request struct {
	Type    CertType `json:"type"`
	Options Options  `json:"options"`
	Copies  int      `json:"copies"`
}

// Validate checks the request's shape (not eligibility, which only the center knows).
func (r Request) Validate() error {
	if !r.Type.Valid() {
		return fmt.Errorf("center: request: unknown certificate type %q", r.Type)
	}
	if r.Copies < 1 || r.Copies > MaxCopies {
		return fmt.Errorf("center: request: copies %d not in 1..%d", r.Copies, MaxCopies)
	}
	o := r.Options
	resident := r.Type == ResidentRecord
	if !resident && (o.Household || o.Domicile || o.Relationship) {
		return fmt.Errorf("center: request: household/domicile/relationship options apply only to %s", ResidentRecord)
	}
	if r.Type != FamilyRegister && o.Individual {
		return fmt.Errorf("center: request: individual option applies only to %s", FamilyRegister)
	}
	if r.Type != TaxIncome && o.FiscalYear != 0 {
		return fmt.Errorf("center: request: fiscal_year applies only to %s", TaxIncome)
	}
	if o.FiscalYear != 0 && (o.FiscalYear < 2000 || o.FiscalYear > 2200) {
		return fmt.Errorf("center: request: fiscal_year %d out of range", o.FiscalYear)
	}
	return nil
}

// CertTypes lists every certificate type in display order.
var CertTypes = []CertType{ResidentRecord, ResidentRecordItems, SealRegistration, FamilyRegister, FamilyRegisterAnnex, TaxIncome}

// Valid reports whether t is one of CertTypes.
func (t CertType) Valid() bool {
	for _, c := range CertTypes {
		if t == c {
			return true
		}
	}
	return false
}

// Title is the certificate's printed name.
func (t CertType) Title() string {
	switch t {
	case ResidentRecord:
		return "住民票の写し"
	case ResidentRecordItems:
		return "住民票記載事項証明書"
	case SealRegistration:
		return "印鑑登録証明書"
	case FamilyRegister:
		return "戸籍証明書"
	case FamilyRegisterAnnex:
		return "戸籍の附票の写し"
	case TaxIncome:
		return "課税・所得証明書"
	}
	return string(t)
}

// signingDomain separates the card's signature over an issuance from any other use of the
// authentication key.
const signingDomain = "madoguchi-center/v1 issuance"

// SigningInput returns the exact bytes whose SHA-256 the card signs (PKCS#1 v1.5 with a
// SHA-256 DigestInfo, the authentication key) to request an issuance. The encoding is
// canonical: one "name=value" line per field in this fixed order, LF-terminated, values in
// the forms the center validates (no field may contain a line break):
//
//	madoguchi-center/v1 issuance
//	challenge=<challenge as received>
//	kiosk=<kiosk id>
//	type=<cert type>
//	copies=<decimal>
//	household=0|1
//	domicile=0|1
//	relationship=0|1
//	individual=0|1
//	fiscal_year=<decimal>
func SigningInput(challenge, kioskID string, req Request) []byte {
	var b strings.Builder
	b.WriteString(signingDomain + "\n")
	line := func(k, v string) {
		// A line break inside a value would make two inputs collide; the center refuses
		// such values before it ever computes this, so mapping them away is safe.
		v = strings.NewReplacer("\n", "\\n", "\r", "\\r").Replace(v)
		b.WriteString(k + "=" + v + "\n")
	}
	bit := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	line("challenge", challenge)
	line("kiosk", kioskID)
	line("type", string(req.Type))
	line("copies", strconv.Itoa(req.Copies))
	line("household", bit(req.Options.Household))
	line("domicile", bit(req.Options.Domicile))
	line("relationship", bit(req.Options.Relationship))
	line("individual", bit(req.Options.Individual))
	line("fiscal_year", strconv.Itoa(req.Options.FiscalYear))
	return []byte(b.String())
}

// Digest is SHA-256(SigningInput(...)): the value the kiosk wraps in a DigestInfo and has
// the card sign.
func Digest(challenge, kioskID string, req Request) []byte {
	d := sha256.Sum256(SigningInput(challenge, kioskID, req))
	return d[:]
}

// Fingerprint is the lowercase hex SHA-256 of a certificate's DER: the binding between a
// card and an issued document.
func Fingerprint(der []byte) string {
	d := sha256.Sum256(der)
	return hex.EncodeToString(d[:])
}

// ChallengeRequest asks for a one-time challenge (POST /v1/challenges).
type ChallengeRequest struct {
	KioskID string `json:"kiosk_id"`
}

// Challenge is a one-time value bound to one kiosk; it is consumed by the first issuance
// request that carries it, successful or not, and expires at ExpiresAt.
type Challenge struct {
	Challenge string    `json:"challenge"` // base64url, 32 random bytes
	ExpiresAt time.Time `json:"expires_at"`
}

// IssueRequest asks the center for a document (POST /v1/issuances). Key is the
// idempotency key: a retry with the same key and the same body gets the identical answer;
// the same key with another body is refused (ErrKeyConflict).
type IssueRequest struct {
	KioskID   string  `json:"kiosk_id"`
	Key       string  `json:"key"`
	Challenge string  `json:"challenge"`
	AuthCert  []byte  `json:"auth_cert"` // DER of the card's user-authentication certificate (base64 in JSON)
	Signature []byte  `json:"signature"` // card's PKCS#1 v1.5 signature over Digest(challenge, kiosk, request)
	Request   Request `json:"request"`
}

// Document is what the center signs: the content to print plus everything that binds it
// to one transaction and one card.
type Document struct {
	Version         int       `json:"v"`                // 1
	IssueID         string    `json:"issue_id"`         // = Content.IssuanceNumber
	Key             string    `json:"key"`              // the kiosk's idempotency key (transaction id)
	KioskID         string    `json:"kiosk_id"`         // the kiosk that asked
	CardFingerprint string    `json:"card_fingerprint"` // Fingerprint(auth certificate DER)
	Request         Request   `json:"request"`          // what the card signed
	UnitFee         int       `json:"unit_fee"`         // yen per copy
	Fee             int       `json:"fee"`              // yen, UnitFee × Copies
	IssuedAt        time.Time `json:"issued_at"`
	Content         Content   `json:"content"`
}

// IssueResponse answers an issuance: Payload is the JSON of a Document exactly as signed;
// Signature is Ed25519 over DocumentSigningInput(Payload). The kiosk keeps both bytes as
// received (journal, QR code) and decodes Payload only after the signature verifies.
type IssueResponse struct {
	Payload   []byte `json:"payload"`
	Signature []byte `json:"signature"`
}

// documentDomain separates document signatures from anything else the key might sign.
const documentDomain = "madoguchi-center/v1 document\x00"

// DocumentSigningInput is what the center's Ed25519 key signs for a document payload.
func DocumentSigningInput(payload []byte) []byte {
	return append([]byte(documentDomain), payload...)
}

// IssuanceState is the center's view of an issuance key.
type IssuanceState string

// Issuance states, as returned by GET /v1/issuances/{key}.
const (
	StateUnknown   IssuanceState = "unknown"   // never received (or another kiosk's key)
	StateIssued    IssuanceState = "issued"    // a document was issued; no outcome yet
	StateCompleted IssuanceState = "completed" // printed; the resident pays
	StateVoided    IssuanceState = "voided"    // not printed; nobody pays; the key can never issue again
)

// IssuanceStatus answers GET /v1/issuances/{key}.
type IssuanceStatus struct {
	Key     string        `json:"key"`
	State   IssuanceState `json:"state"`
	IssueID string        `json:"issue_id,omitempty"`
}

// Verification answers GET /v1/verify/{code}: whether a printed certificate is genuine.
// State completed means it was printed and paid; voided means it must not exist on paper.
// It carries no personal data: the verifier compares the paper with the issuing office.
type Verification struct {
	IssueID      string        `json:"issue_id"`
	Type         CertType      `json:"type"`
	Municipality string        `json:"municipality"`
	IssuedAt     time.Time     `json:"issued_at"`
	State        IssuanceState `json:"state"`
}

// MessageKind is the kind of an uploaded message.
type MessageKind string

// Message kinds. completed and voided carry {"issue_key": ...} in their payload; payment
// may; audit is free-form (no personal data); application carries an
// ApplicationPayload: an electronic application signed with the resident's card; health
// is a HealthReport.
const (
	KindCompleted   MessageKind = "completed"
	KindVoided      MessageKind = "voided"
	KindPayment     MessageKind = "payment"
	KindAudit       MessageKind = "audit"
	KindApplication MessageKind = "application"
	KindHealth      MessageKind = "health"
)

// ApplicationPayload is the payload of an application message: the application number
// (as on the resident's receipt) and the CMS SignedData over the application's
// canonical encoding (package eapp), signed with the card's signing key. The center
// verifies the signature, the signing certificate's chain to a JPKI signing root, its
// validity at the signing time and its revocation; it refuses with a reason otherwise.
type ApplicationPayload struct {
	Number     string `json:"number"`
	SignedData []byte `json:"signed_data"`
}

// HealthReport is the payload of a health message: how the kiosk is, for the center's
// fleet view, sent through the outbox like every message (so the center learns of a
// kiosk's state after an outage too). Nothing personal: no session, no resident, no card.
type HealthReport struct {
	Version string   `json:"version"`          // the kiosk's build
	Uptime  int64    `json:"uptime_s"`         // seconds since the kiosk started
	Backlog int      `json:"backlog"`          // undelivered outbox messages
	Alerts  []string `json:"alerts,omitempty"` // names of open alerts, e.g. print_failed
	Printer string   `json:"printer"`          // ok, paper_low, paper_out, offline, ...
	Reader  string   `json:"reader"`           // ok, no_reader, ...
	At      string   `json:"at,omitempty"`     // RFC 3339, the kiosk's clock when made
}

// Validate checks a health report's shape: short printable words, bounded counts.
func (h HealthReport) Validate() error {
	word := func(s string, n int) bool {
		if len(s) > n {
			return false
		}
		for _, c := range s {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+') {
				return false
			}
		}
		return true
	}
	switch {
	case !word(h.Version, 64) || !word(h.Printer, 32) || !word(h.Reader, 32):
		return errors.New("version, printer and reader must be short words of [A-Za-z0-9._+-]")
	case h.Uptime < 0 || h.Backlog < 0:
		return errors.New("negative uptime or backlog")
	case len(h.Alerts) > 32:
		return errors.New("more than 32 alerts")
	}
	for _, a := range h.Alerts {
		if a == "" || !word(a, 48) {
			return errors.New("alert names must be short words of [A-Za-z0-9._+-]")
		}
	}
	return nil
}

// Message is one store-and-forward message. Seq is the kiosk's gap-free sequence number,
// Key the message's idempotency key. Payload is a JSON object.
type Message struct {
	Seq     int64           `json:"seq"`
	Key     string          `json:"key"`
	Kind    MessageKind     `json:"kind"`
	Payload json.RawMessage `json:"payload"`
}

// MessageBatch is the body of POST /v1/messages.
type MessageBatch struct {
	KioskID  string    `json:"kiosk_id"`
	Messages []Message `json:"messages"`
}

// Outcome is the center's verdict on one message.
type Outcome string

// Outcomes: accepted and duplicate both mean delivered; refused is permanent.
const (
	OutcomeAccepted  Outcome = "accepted"
	OutcomeDuplicate Outcome = "duplicate"
	OutcomeRefused   Outcome = "refused"
)

// MessageResult is the verdict for one message, matched by Key.
type MessageResult struct {
	Key     string  `json:"key"`
	Seq     int64   `json:"seq"`
	Outcome Outcome `json:"outcome"`
	Error   string  `json:"error,omitempty"`
}

// MessageResults is the body of a 200 answer to POST /v1/messages.
type MessageResults struct {
	Results []MessageResult `json:"results"`
}

// ValidKey reports whether s is an acceptable idempotency key: 16 to 128 characters of
// [A-Za-z0-9_-] (a random 128-bit value in hex or base64url is typical).
func ValidKey(s string) bool { return validToken(s, 16, 128) }

// ValidKioskID reports whether s is an acceptable kiosk id: 1 to 64 characters of
// [A-Za-z0-9._-]. It is the CN of the kiosk's TLS client certificate.
func ValidKioskID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validToken(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ValidChallenge reports whether s has the shape of a challenge (base64url, 43 characters).
func ValidChallenge(s string) bool { return validToken(s, 43, 43) }
