package offline

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// IssueStatus is what the center knows about an issuance request, by its key.
type IssueStatus string

// Issue statuses.
const (
	IssueUnknown   IssueStatus = "unknown"   // the center never received the request
	IssueIssued    IssueStatus = "issued"    // a document was issued; no outcome yet
	IssueCompleted IssueStatus = "completed" // the center already has the completion
	IssueVoided    IssueStatus = "voided"    // the center already has the void
)

// StatusChecker asks the center about an issuance request by its idempotency key.
type StatusChecker interface {
	Status(ctx context.Context, issueKey string) (IssueStatus, error)
}

// Recovered describes one session finished by Recover (Flag empty: it only needed
// its close written).
type Recovered struct {
	Session string
	State   Step        // the step it was interrupted at
	Center  IssueStatus // what the center said ("" when not asked or unreachable)
	Outcome string      // completed | voided
	Queued  bool        // a voided message was queued
	Flag    string      // what the technician is told
}

// Recover finishes every session left in a non-terminal state by an interruption and
// flags it for the technician. It must run once after Open, before sessions start
// (CanStartSession returns ErrRecoveryPending until it has). Rules:
//
//   - printed / print_failed: finished (outcome message queued); only the lazy
//     close was lost: close without an alert.
//   - request_sent (document maybe issued, nothing printed): ask the center; if it
//     already has an outcome, close with it; otherwise queue `voided` and close. A
//     void for a request the center never saw is harmless, so an unreachable center
//     does not block recovery.
//   - print_started (paper may or may not have come out): as above, but the void is
//     flagged "check the printer": the resident is not charged for an outcome nobody
//     saw.
//
// Each session is finished in one transaction (void message, close, alert).
func (s *Store) Recover(ctx context.Context, sc StatusChecker) ([]Recovered, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, issue_key, cert_type, copies, fee, state, steps FROM sessions WHERE state != 'closed' ORDER BY started_at, id`)
	if err != nil {
		return nil, fmt.Errorf("offline: recover: %w", err)
	}
	var open []*Session
	for rows.Next() {
		x := &Session{s: s, stored: true}
		var state, steps string
		if err := rows.Scan(&x.id, &x.issueKey, &x.intent.CertType, &x.intent.Copies, &x.fee, &state, &steps); err != nil {
			rows.Close()
			return nil, fmt.Errorf("offline: recover: %w", err)
		}
		for _, st := range strings.Split(steps, ",") {
			x.steps = append(x.steps, Step(st))
		}
		open = append(open, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offline: recover: %w", err)
	}
	var out []Recovered
	for _, x := range open {
		r := Recovered{Session: x.id, State: x.State()}
		switch r.State {
		case StepPrinted: // finished; only the lazy close was lost: no alert
			r.Outcome = "completed"
		case StepPrintFailed:
			r.Outcome = "voided"
		default:
			if sc != nil {
				st, err := sc.Status(ctx, x.issueKey)
				if err == nil {
					r.Center = st
				}
			}
			switch r.Center {
			case IssueCompleted:
				r.Outcome, r.Flag = "completed", "interrupted at "+string(r.State)+"; the center already had the completion"
			case IssueVoided:
				r.Outcome, r.Flag = "voided", "interrupted at "+string(r.State)+"; the center already had the void"
			default:
				r.Outcome, r.Queued = "voided", true
				r.Flag = "interrupted at " + string(r.State) + "; voided"
				if r.State == StepPrintStarted {
					r.Flag = "interrupted while printing; voided so the resident is not charged; check the printer for a certificate left behind"
				}
				if r.Center == "" {
					r.Flag += " (center unreachable at recovery)"
				}
			}
		}
		x.outcome = r.Outcome
		err := s.write(ctx, func(tx *sql.Tx) error {
			if r.Queued {
				if err := s.enqueueTx(ctx, tx, KindVoided, x.id, x.notice("recovered: "+r.Flag)); err != nil {
					return err
				}
			}
			if err := x.update(ctx, tx, StepClosed, r.Flag); err != nil {
				return err
			}
			if r.Flag == "" {
				return nil
			}
			return s.alertTx(ctx, tx, "session_recovered", x.id+": "+r.Flag)
		})
		if err != nil {
			return out, fmt.Errorf("offline: recover session %s: %w", x.id, err)
		}
		out = append(out, r)
		s.crash(CrashDuringRecovery)
	}
	s.recovered.Store(true)
	return out, nil
}

// Unfinished returns the number of sessions without an outcome (0 after Recover,
// unless sessions are running).
func (s *Store) Unfinished(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE state NOT IN ('closed','printed','print_failed')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("offline: count sessions: %w", err)
	}
	return n, nil
}
