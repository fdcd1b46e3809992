package kiosk

import (
	"context"
	"crypto/x509"
	"errors"
	"time"

	"madoguchi/center"
	"madoguchi/reader"
)

// Card is what the engine needs from a My Number Card. *reader.Card satisfies it as it is.
// The interface is the privacy boundary: it has no method that could read the My Number,
// so the engine cannot ask for it.
type Card interface {
	// Identify names the device (the card, an Android phone, an iPhone), or answers
	// reader.ErrNotJPKI or reader.ErrJukiCard.
	Identify(ctx context.Context) (reader.Device, error)
	// AuthCertificate reads the user-authentication certificate (no PIN needed on a card;
	// an Android phone answers reader.ErrPINRequired until its PIN was verified).
	AuthCertificate(ctx context.Context) (*x509.Certificate, error)
	// Tries reads the remaining tries of a PIN without spending one; reader.ErrPINNotSet
	// for a card issued without a PIN.
	Tries(ctx context.Context, pin reader.PIN) (int, error)
	// Verify presents a PIN once; *reader.WrongPINError or reader.ErrPINBlocked on refusal.
	Verify(ctx context.Context, pin reader.PIN, secret []byte) error
	// Sign signs a DER DigestInfo with a key whose PIN was verified.
	Sign(ctx context.Context, key reader.Key, digestInfo []byte) ([]byte, error)
}

// Center is the issuance center. *center.Client satisfies it as it is.
type Center interface {
	// KioskID is the id the center knows this kiosk by (part of what the card signs).
	KioskID() string
	// Challenge gets a fresh one-time challenge.
	Challenge(ctx context.Context) (center.Challenge, error)
	// Issue sends the signed request and returns the verified document. Errors wrap
	// center.ErrRetryLater (the same Issue, same key, may be sent again) or
	// center.ErrRefused with a reason sentinel, or center.ErrBadDocument.
	Issue(ctx context.Context, in center.Issue) (*center.Issued, error)
}

// Store is the durable journal and outbox (package offline, through a small adapter in
// cmd/kiosk, since the engine must not import a SQL driver).
type Store interface {
	// CanStartSession returns nil when a new session may begin, else the reason the kiosk
	// is out of service (queue full, disk full, recovery pending, fatal storage error).
	CanStartSession(ctx context.Context) error
	// BeginSession checks CanStartSession and starts the journal of one session.
	BeginSession(ctx context.Context, in Intent) (Journal, error)
}

// TechLockStore is optionally implemented by a Store: it keeps technician mode's
// lock-out across restarts, so a power cycle gives no more tries. It holds the count of
// consecutive wrong PINs and whether the lock-out is in force — never PIN material.
type TechLockStore interface {
	TechLockout(ctx context.Context) (failures int, locked bool, err error)
	SetTechLockout(ctx context.Context, failures int, locked bool) error
}

// Intent is what the resident ordered; it holds no personal data.
type Intent struct {
	CertType string // wire name, e.g. "juminhyo"
	Copies   int
}

// Journal is the journal of one session, called only from the engine's loop, in this
// order: CardChecked, RequestSent, DocumentReceived, PrintStarted, Printed or PrintFailed,
// and Close at the end of every session (Close voids a session that sent a request but
// printed nothing). Audit may be called at any time before Close.
type Journal interface {
	ID() string
	CardChecked() error
	Audit(event string, detail map[string]any) error
	RequestSent(ctx context.Context) (issueKey string, err error)
	DocumentReceived(fee int64) error
	PrintStarted(ctx context.Context, pay *Payment) error
	Printed(ctx context.Context) error
	PrintFailed(ctx context.Context, reason string) error
	Close(ctx context.Context, reason string) error
}

// Payment is money taken at the kiosk: method, amount and the device's reference (never
// a card number).
type Payment struct {
	Method string
	Amount int64
	Ref    string
}

// Printer prints one issued document. Errors wrapping ErrPaperOut or printer.ErrPaperOut
// are shown as "out of paper"; any other error as a printer failure. Either way the
// session is voided (journal PrintFailed with printer.ReasonOf as the reason).
type Printer interface {
	Print(ctx context.Context, job PrintJob) error
}

// PrinterChecker is optionally implemented by a Printer that can report whether it is
// ready; the engine asks before a session starts so nobody enters a PIN for nothing.
type PrinterChecker interface {
	Check(ctx context.Context) error
}

// PrintJob is one document to print, for exactly one session.
type PrintJob struct {
	Session   string          // journal id of the session
	Document  center.Document // verified by the center client; Content is what is printed
	Payload   []byte          // the document as signed by the center (for the QR code)
	Signature []byte          // the center's signature over Payload
}

// Payer takes the fee where the kiosk takes money. Without one, the resident confirms the
// fee and pays at the counter (or the fee is invoiced); the engine only journals.
type Payer interface {
	// Pay takes amount yen. It returns when paid, or with an error (nothing taken, or the
	// device refunded); a cancelled ctx must refund what was inserted.
	Pay(ctx context.Context, amount int64) (Payment, error)
}

// Clock gives the wall time (service hours, certificate validity). A zero time means the
// time is not known — a board without a real-time clock before NTP, with the center not
// reached yet: the engine then leaves hours and certificate validity to the center, which
// checks both with its own clock. Timeouts use the time
// package's timers, so tests run under testing/synctest.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Sentinel errors adapters wrap so that the engine can tell the resident what happened.
var (
	// ErrPaperOut: the printer has no paper (printer.ErrPaperOut is recognised too).
	ErrPaperOut = errors.New("kiosk: printer out of paper")
	// ErrPaymentCancelled: the resident cancelled the payment or it timed out.
	ErrPaymentCancelled = errors.New("kiosk: payment cancelled")
)

var _ Center = (*center.Client)(nil)
