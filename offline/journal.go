package offline

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"madoguchi/offline/journal"
)

// Step is one state of a session's journal, in order (names and order: package
// offline/journal, shared with the kiosk's test double).
type Step = journal.Step

// The journal steps. Only RequestSent, PrintStarted, Printed/PrintFailed and Closed
// commit; Intent, CardChecked and DocumentReceived are noted in memory and written with
// the next commit (nothing outside the kiosk depends on them, and an interrupted
// session is recovered the same way with or without them). Payment is written in the
// PrintStarted commit.
const (
	StepIntent       = journal.Intent
	StepCardChecked  = journal.CardChecked
	StepRequestSent  = journal.RequestSent
	StepDocument     = journal.Document
	StepPayment      = journal.Payment
	StepPrintStarted = journal.PrintStarted
	StepPrinted      = journal.Printed
	StepPrintFailed  = journal.PrintFailed
	StepClosed       = journal.Closed
)

// Message kinds written by the journal.
const (
	KindCompleted = "completed" // a certificate was printed: the center may charge
	KindVoided    = "voided"    // issued but not (known to be) printed: nobody pays
	KindPayment   = "payment"   // money was taken at the kiosk
	KindAudit     = "audit"     // an audit event
	// KindApplication is an electronic application signed with a resident's card
	// (center.ApplicationPayload): personal data. Its row is deleted the moment the center
	// has it (no retention), and the WAL is checkpointed, so secure_delete leaves nothing
	// of it in the files.
	KindApplication = "application"
)

// Named crash points (Options.CrashHook). Engine-side points (after the center
// replied to the issuance request, after the printer finished) live in the engine.
const (
	CrashAfterRequestCommit    = "after-request-commit"
	CrashAfterPrintStartCommit = "after-print-start-commit"
	CrashAfterOutcomeCommit    = "after-outcome-commit"
	CrashAfterCloseCommit      = "after-close-commit"
	CrashAfterReplyBeforeAck   = "after-reply-before-ack"
	CrashAfterAckCommit        = "after-ack-commit"
	CrashDuringRecovery        = "during-recovery"
)

func (s *Store) crash(point string) {
	if h := s.opts.CrashHook; h != nil {
		h(point)
	}
}

// Intent is what the resident asked for. It must not contain personal data: the
// certificate type's wire name and the number of copies only.
type Intent struct {
	CertType string // e.g. "juminhyo"
	Copies   int
}

// Payment is a payment taken at the kiosk (method and amount, and the payment
// device's own reference; never card numbers).
type Payment struct {
	Method string `json:"method"` // e.g. "cash", "ic"
	Amount int64  `json:"amount"` // yen
	Ref    string `json:"ref,omitempty"`
}

// Session is the journal of one walk-up transaction. It is used by one goroutine (the
// engine's session); its methods write to the store at the documented steps.
type Session struct {
	s        *Store
	id       string
	issueKey string
	intent   Intent
	fee      int64
	steps    []Step
	stored   bool // the row exists
	closed   bool
	outcome  string
	audits   []json.RawMessage
}

// ID is the session's transaction id (random 128-bit hex).
func (x *Session) ID() string { return x.id }

// IssueKey is the idempotency key of the issuance request; valid after RequestSent.
func (x *Session) IssueKey() string { return x.issueKey }

// State is the latest step.
func (x *Session) State() Step { return x.steps[len(x.steps)-1] }

// NewKey returns a random 128-bit hex key.
func NewKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand.Read panics only on a broken OS source)
	return hex.EncodeToString(b[:])
}

// BeginSession checks CanStartSession and notes the intent. It writes nothing.
func (s *Store) BeginSession(ctx context.Context, in Intent) (*Session, error) {
	if in.CertType == "" || in.Copies < 1 {
		return nil, fmt.Errorf("offline: begin session: invalid intent %+v", in)
	}
	if err := s.CanStartSession(ctx); err != nil {
		return nil, err
	}
	return &Session{s: s, id: NewKey(), intent: in, steps: []Step{StepIntent}}, nil
}

// note appends st when it may follow the latest step (journal.Follows).
func (x *Session) note(st Step) error {
	if cur := x.State(); !journal.Follows(cur, st) {
		return fmt.Errorf("%w: %s after %s", ErrSessionState, st, cur)
	}
	x.steps = append(x.steps, st)
	return nil
}

// CardChecked notes that the card was read and accepted (no write).
func (x *Session) CardChecked() error { return x.note(StepCardChecked) }

// Audit queues an audit event, written with the session's next commit. The detail
// must hold no personal data (never a PIN or My Number).
func (x *Session) Audit(event string, detail map[string]any) error {
	b, err := json.Marshal(map[string]any{"session": x.id, "event": event, "detail": detail})
	if err != nil {
		return fmt.Errorf("offline: audit %s: %w", event, err)
	}
	x.audits = append(x.audits, b)
	return nil
}

func (x *Session) stepsText() string {
	parts := make([]string, len(x.steps))
	for i, st := range x.steps {
		parts[i] = string(st)
	}
	return strings.Join(parts, ",")
}

// RequestSent generates and commits the issuance request's idempotency key before the
// engine sends the request (first commit of the session). Every retry of the
// request, also after a restart, must use IssueKey.
func (x *Session) RequestSent(ctx context.Context) (string, error) {
	if err := x.note(StepRequestSent); err != nil {
		return "", err
	}
	key := NewKey()
	now := x.s.clock.Now().UnixMilli()
	err := x.s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(id, issue_key, cert_type, copies, state, steps, started_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, x.id, key, x.intent.CertType, x.intent.Copies, string(StepRequestSent), x.stepsText(), now, now)
		if err != nil {
			return err
		}
		return x.flushAudits(ctx, tx)
	})
	if err != nil {
		x.steps = x.steps[:len(x.steps)-1]
		return "", fmt.Errorf("offline: journal request sent: %w", err)
	}
	x.issueKey, x.stored, x.audits = key, true, nil
	x.s.crash(CrashAfterRequestCommit)
	return key, nil
}

// DocumentReceived notes the center's (verified) document and the fee (no write).
func (x *Session) DocumentReceived(fee int64) error {
	if err := x.note(StepDocument); err != nil {
		return err
	}
	x.fee = fee
	return nil
}

// PrintStarted commits "about to print" — with the payment record, when money was
// taken, in the same transaction — before the engine sends the job to the printer.
func (x *Session) PrintStarted(ctx context.Context, pay *Payment) error {
	n := len(x.steps)
	if pay != nil {
		if err := x.note(StepPayment); err != nil {
			return err
		}
	}
	if err := x.note(StepPrintStarted); err != nil {
		x.steps = x.steps[:n]
		return err
	}
	err := x.s.write(ctx, func(tx *sql.Tx) error {
		if err := x.update(ctx, tx, StepPrintStarted, ""); err != nil {
			return err
		}
		if pay != nil {
			p := map[string]any{"session": x.id, "issue_key": x.issueKey, "method": pay.Method, "amount": pay.Amount, "ref": pay.Ref}
			if err := x.s.enqueueTx(ctx, tx, KindPayment, x.id, p); err != nil {
				return err
			}
		}
		return x.flushAudits(ctx, tx)
	})
	if err != nil {
		x.steps = x.steps[:n]
		return fmt.Errorf("offline: journal print started: %w", err)
	}
	x.audits = nil
	x.s.crash(CrashAfterPrintStartCommit)
	return nil
}

// Printed commits the printed outcome with its `completed` message.
func (x *Session) Printed(ctx context.Context) error {
	return x.outcome2(ctx, StepPrinted, KindCompleted, "")
}

// PrintFailed commits the failed outcome with its `voided` message, so that the
// resident is not charged.
func (x *Session) PrintFailed(ctx context.Context, reason string) error {
	return x.outcome2(ctx, StepPrintFailed, KindVoided, reason)
}

func (x *Session) outcome2(ctx context.Context, st Step, kind, reason string) error {
	if err := x.note(st); err != nil {
		return err
	}
	x.outcome = "completed"
	if st == StepPrintFailed {
		x.outcome = "voided"
	}
	err := x.s.write(ctx, func(tx *sql.Tx) error {
		if err := x.update(ctx, tx, st, ""); err != nil {
			return err
		}
		if err := x.s.enqueueTx(ctx, tx, kind, x.id, x.notice(reason)); err != nil {
			return err
		}
		if st == StepPrintFailed {
			// The resident was told to fetch the staff; the technician finds why here.
			if err := x.s.alertTx(ctx, tx, "print_failed", x.id+": "+reason); err != nil {
				return err
			}
		}
		return x.flushAudits(ctx, tx)
	})
	if err != nil {
		x.steps = x.steps[:len(x.steps)-1]
		return fmt.Errorf("offline: journal %s: %w", st, err)
	}
	x.audits = nil
	x.s.crash(CrashAfterOutcomeCommit)
	return nil
}

// notice is the payload of completed/voided: identifiers and the order, nothing personal.
func (x *Session) notice(reason string) map[string]any {
	p := map[string]any{"session": x.id, "issue_key": x.issueKey, "cert_type": x.intent.CertType,
		"copies": x.intent.Copies, "fee": x.fee}
	if reason != "" {
		p["reason"] = reason
	}
	return p
}

// Close ends the session (card and document taken, cancel, or timeout). A session
// that never sent a request writes nothing. After Printed/PrintFailed the outcome is
// already durable, so the closed step is not a commit of its own: it rides on the
// store's next commit (any session's or the sync worker's), and a restart closes it
// if no commit came. A session that sent a request but has no print outcome is voided
// in one commit (a timeout voids; it never reassigns); one closed while printing is
// voided and flagged for the technician.
func (x *Session) Close(ctx context.Context, reason string) error {
	if x.closed {
		return nil
	}
	if !x.stored {
		if len(x.audits) > 0 { // audit events of a session that never reached the center
			err := x.s.write(ctx, func(tx *sql.Tx) error {
				for _, a := range x.audits {
					if err := x.s.enqueueTx(ctx, tx, KindAudit, "", a); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("offline: journal close: %w", err)
			}
			x.audits = nil
		}
		x.closed = true
		x.steps = append(x.steps, StepClosed)
		return nil
	}
	cur := x.State()
	if cur.IsOutcome() {
		// The outcome and its message are committed: closing is bookkeeping only and
		// rides on the store's next commit (a restart closes it if none came).
		x.s.closeMu.Lock()
		x.s.closes = append(x.s.closes, closeNote{x.id, x.s.clock.Now().UnixMilli()})
		x.s.closeMu.Unlock()
		x.closed = true
		x.steps = append(x.steps, StepClosed)
		if len(x.audits) > 0 {
			err := x.s.write(ctx, func(tx *sql.Tx) error { return x.flushAudits(ctx, tx) })
			if err != nil {
				return fmt.Errorf("offline: journal close: %w", err)
			}
			x.audits = nil
		}
		return nil
	}
	err := x.s.write(ctx, func(tx *sql.Tx) error {
		flag := ""
		outcome := "completed"
		switch cur {
		case StepPrinted:
		case StepPrintFailed:
			outcome = "voided"
		case StepPrintStarted:
			flag = "closed while printing; outcome unknown, voided: " + reason
			outcome = "voided"
			if err := x.s.alertTx(ctx, tx, "session_flagged", x.id+": "+flag); err != nil {
				return err
			}
			fallthrough
		default:
			outcome = "voided"
			if err := x.s.enqueueTx(ctx, tx, KindVoided, x.id, x.notice("cancelled: "+reason)); err != nil {
				return err
			}
		}
		x.outcome = outcome
		if err := x.update(ctx, tx, StepClosed, flag); err != nil {
			return err
		}
		return x.flushAudits(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("offline: journal close: %w", err)
	}
	x.audits = nil
	x.closed = true
	x.steps = append(x.steps, StepClosed)
	x.s.crash(CrashAfterCloseCommit)
	return nil
}

func (x *Session) update(ctx context.Context, tx *sql.Tx, st Step, flag string) error {
	steps := x.stepsText()
	if st == StepClosed {
		steps += "," + string(StepClosed)
	}
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET state=?, steps=?, fee=?, outcome=?, flag=?, updated_at=? WHERE id=?`,
		string(st), steps, x.fee, x.outcome, flag, x.s.clock.Now().UnixMilli(), x.id)
	return err
}

func (x *Session) flushAudits(ctx context.Context, tx *sql.Tx) error {
	for _, a := range x.audits {
		if err := x.s.enqueueTx(ctx, tx, KindAudit, x.id, a); err != nil {
			return err
		}
	}
	return nil
}
