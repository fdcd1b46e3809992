package kiosktest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"madoguchi/kiosk"
	"madoguchi/offline/journal"
)

// ErrStep is returned by a Journal method called out of order.
var ErrStep = errors.New("kiosktest: journal step out of order")

// Message is one outbox message the Store queued.
type Message struct {
	Kind    string // completed, voided, payment, audit
	Session string
	Detail  map[string]any
}

// Store is an in-memory journal and outbox with the step order of package offline (one
// table for both: offline/journal): intent → card_checked → request_sent →
// document_received → print_started → printed|print_failed → closed. Close of a session
// that sent a request and has no print outcome queues a "voided" message, as offline
// does. JournalContract checks both alike.
type Store struct {
	mu       sync.Mutex
	refuse   error
	failStep map[string]error
	sessions []*Journal
	outbox   []Message

	alerts     []string // events raised by Alert
	techFails  int      // technician lock-out (TechLockout)
	techLocked bool
}

// Refuse makes CanStartSession and BeginSession fail with err (nil: accept again).
func (s *Store) Refuse(err error) {
	s.mu.Lock()
	s.refuse = err
	s.mu.Unlock()
}

// FailStep makes the journal step named step ("request_sent", "print_started", …) fail
// with err in every session (nil clears it).
func (s *Store) FailStep(step string, err error) {
	s.mu.Lock()
	if s.failStep == nil {
		s.failStep = map[string]error{}
	}
	s.failStep[step] = err
	s.mu.Unlock()
}

// CanStartSession answers nil unless Refuse was called.
func (s *Store) CanStartSession(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refuse
}

// BeginSession starts a journal.
func (s *Store) BeginSession(ctx context.Context, in kiosk.Intent) (kiosk.Journal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse != nil {
		return nil, s.refuse
	}
	if in.CertType == "" || in.Copies < 1 {
		return nil, fmt.Errorf("kiosktest: invalid intent %+v", in)
	}
	j := &Journal{s: s, id: fmt.Sprintf("s%04d", len(s.sessions)+1), Intent: in, steps: []journal.Step{journal.Intent}}
	s.sessions = append(s.sessions, j)
	return j, nil
}

// Sessions returns every journal begun so far.
func (s *Store) Sessions() []*Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Journal(nil), s.sessions...)
}

// Last returns the latest journal, or nil.
func (s *Store) Last() *Journal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) == 0 {
		return nil
	}
	return s.sessions[len(s.sessions)-1]
}

// Outbox returns the queued messages.
func (s *Store) Outbox() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.outbox...)
}

// Kinds returns the kinds of the queued messages of one session, audit events left out.
func (s *Store) Kinds(session string) []string {
	var out []string
	for _, m := range s.Outbox() {
		if m.Session == session && m.Kind != "audit" {
			out = append(out, m.Kind)
		}
	}
	return out
}

// Journal is one session's journal.
type Journal struct {
	s      *Store
	id     string
	Intent kiosk.Intent

	steps   []journal.Step
	key     string
	fee     int64
	reason  string
	audits  []map[string]any
	payment *kiosk.Payment
	closed  bool
}

// ID returns the session id.
func (j *Journal) ID() string { return j.id }

// Steps returns the names of the steps so far.
func (j *Journal) Steps() []string {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	out := make([]string, len(j.steps))
	for i, st := range j.steps {
		out[i] = string(st)
	}
	return out
}

// Key returns the issuance key (after RequestSent).
func (j *Journal) Key() string {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.key
}

// Audits returns the audit events.
func (j *Journal) Audits() []map[string]any {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return append([]map[string]any(nil), j.audits...)
}

// CloseReason returns the reason given to Close.
func (j *Journal) CloseReason() string {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	return j.reason
}

func (j *Journal) step(st journal.Step) error {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	if err := j.s.failStep[string(st)]; err != nil {
		return err
	}
	if j.closed {
		return fmt.Errorf("%w: %s after close", ErrStep, st)
	}
	cur := j.steps[len(j.steps)-1]
	if !journal.Follows(cur, st) {
		return fmt.Errorf("%w: %s after %s", ErrStep, st, cur)
	}
	j.steps = append(j.steps, st)
	return nil
}

func (j *Journal) queue(kind string, d map[string]any) {
	j.s.mu.Lock()
	j.s.outbox = append(j.s.outbox, Message{Kind: kind, Session: j.id, Detail: d})
	j.s.mu.Unlock()
}

// CardChecked notes the card was accepted.
func (j *Journal) CardChecked() error { return j.step(journal.CardChecked) }

// Audit records an event (queued as an audit message).
func (j *Journal) Audit(event string, detail map[string]any) error {
	j.s.mu.Lock()
	j.audits = append(j.audits, map[string]any{"event": event, "detail": detail})
	j.s.mu.Unlock()
	j.queue("audit", map[string]any{"event": event, "detail": detail})
	return nil
}

// RequestSent commits a fresh issuance key.
func (j *Journal) RequestSent(ctx context.Context) (string, error) {
	if err := j.step(journal.RequestSent); err != nil {
		return "", err
	}
	j.s.mu.Lock()
	j.key = fmt.Sprintf("key-%s-0123456789abcdef", j.id)
	k := j.key
	j.s.mu.Unlock()
	return k, nil
}

// DocumentReceived notes the fee.
func (j *Journal) DocumentReceived(fee int64) error {
	if err := j.step(journal.Document); err != nil {
		return err
	}
	j.s.mu.Lock()
	j.fee = fee
	j.s.mu.Unlock()
	return nil
}

// PrintStarted commits "about to print" with the payment, if any.
func (j *Journal) PrintStarted(ctx context.Context, pay *kiosk.Payment) error {
	if err := j.step(journal.PrintStarted); err != nil {
		return err
	}
	if pay != nil {
		j.s.mu.Lock()
		j.payment = pay
		j.s.mu.Unlock()
		j.queue("payment", map[string]any{"amount": pay.Amount, "method": pay.Method})
	}
	return nil
}

// Printed commits the printed outcome and queues "completed".
func (j *Journal) Printed(ctx context.Context) error {
	if err := j.step(journal.Printed); err != nil {
		return err
	}
	j.queue("completed", map[string]any{"issue_key": j.Key()})
	return nil
}

// PrintFailed commits the failed outcome and queues "voided".
func (j *Journal) PrintFailed(ctx context.Context, reason string) error {
	if err := j.step(journal.PrintFailed); err != nil {
		return err
	}
	j.queue("voided", map[string]any{"issue_key": j.Key(), "reason": reason})
	return nil
}

// Close ends the session; a request without a print outcome is voided.
func (j *Journal) Close(ctx context.Context, reason string) error {
	j.s.mu.Lock()
	if j.closed {
		j.s.mu.Unlock()
		return nil
	}
	cur := j.steps[len(j.steps)-1]
	sent := j.key != ""
	j.closed, j.reason = true, reason
	j.steps = append(j.steps, journal.Closed)
	j.s.mu.Unlock()
	if sent && !cur.IsOutcome() {
		j.queue("voided", map[string]any{"issue_key": j.Key(), "reason": "cancelled: " + reason})
	}
	return nil
}

// TechLockout returns technician mode's saved lock-out (kiosk.TechLockStore): it survives
// an engine restart with the same Store, as package offline's does across a power cycle.
func (s *Store) TechLockout(ctx context.Context) (failures int, locked bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.techFails, s.techLocked, nil
}

// SetTechLockout saves technician mode's lock-out.
func (s *Store) SetTechLockout(ctx context.Context, failures int, locked bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.techFails, s.techLocked = failures, locked
	return nil
}

// Alert records an audit event outside any session and the technician's alert, as
// offline.Store.Alert does: an "audit" message with Session "" and Detail {"event",
// "detail"}.
func (s *Store) Alert(ctx context.Context, event string, detail map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = append(s.outbox, Message{Kind: "audit", Detail: map[string]any{"event": event, "detail": detail}})
	s.alerts = append(s.alerts, event)
	return nil
}

// Alerts returns the events Alert raised, in order.
func (s *Store) Alerts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.alerts...)
}

var _ kiosk.AlertStore = (*Store)(nil)
