package offline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Why a parked application was discarded (the audit event's "why").
const (
	DiscardByTechnician = "technician" // `kiosk queue discard`
	DiscardByRetention  = "retention"  // parked longer than Options.ParkedApplicationRetention
)

// EventApplicationDiscarded is the audit event (and, for a discard by retention, the
// alert) queued when a parked application is deleted: seq, application number, the
// center's refusal and why — nothing of the resident.
const EventApplicationDiscarded = "application_discarded"

// ErrNotParkedApplication: DiscardApplication was given a seq that is not a parked
// application (pending messages are delivered, other parked kinds hold nothing personal
// and are retried or kept for audit).
var ErrNotParkedApplication = errors.New("not a parked application")

// DiscardApplication deletes the parked application seq (the center refused it, e.g. a
// revoked signing certificate) with what it holds of the resident — the signing
// certificate with name, address, birth date and sex, and what was typed — and queues an
// audit event EventApplicationDiscarded {seq, number, reason, why} in the same commit, so
// the center learns why the number never arrived. secure_delete zeroes the row's pages
// and the WAL is truncated afterwards, as after a delivery.
func (s *Store) DiscardApplication(ctx context.Context, seq int64, why string) error {
	err := s.write(ctx, func(tx *sql.Tx) error { return s.discardTx(ctx, tx, seq, why) })
	if err != nil {
		return fmt.Errorf("offline: discard application %d: %w", seq, err)
	}
	return s.scrubWAL(ctx, "discarding a parked application")
}

// discardTx deletes one parked application and queues its audit event (with the alert
// when why is DiscardByRetention).
func (s *Store) discardTx(ctx context.Context, tx *sql.Tx, seq int64, why string) error {
	var payload []byte
	var reason string
	err := tx.QueryRowContext(ctx, `SELECT payload, last_error FROM outbox WHERE seq=? AND state='parked' AND kind=?`, seq, KindApplication).
		Scan(&payload, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotParkedApplication
	}
	if err != nil {
		return err
	}
	var app struct {
		Number string `json:"number"`
	}
	_ = json.Unmarshal(payload, &app) // a payload without a number is discarded all the same
	clear(payload)
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE seq=? AND state='parked'`, seq); err != nil {
		return err
	}
	detail := map[string]any{"seq": seq, "number": app.Number, "reason": reason, "why": why}
	if err := s.enqueueTx(ctx, tx, KindAudit, "", map[string]any{"event": EventApplicationDiscarded, "detail": detail}); err != nil {
		return err
	}
	if why != DiscardByRetention {
		return nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return s.alertTx(ctx, tx, EventApplicationDiscarded, string(b))
}

// purgeParkedApplications discards (by retention) every application parked before
// now − ParkedApplicationRetention. It reads first and writes only when one is due.
func (s *Store) purgeParkedApplications(ctx context.Context, now time.Time) (int, error) {
	cut := now.Add(-s.opts.ParkedApplicationRetention).UnixMilli()
	rows, err := s.db.QueryContext(ctx, `SELECT seq FROM outbox WHERE state='parked' AND kind=? AND done_at < ?`, KindApplication, cut)
	if err != nil {
		return 0, err
	}
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			rows.Close()
			return 0, err
		}
		seqs = append(seqs, seq)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(seqs) == 0 {
		return 0, err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, seq := range seqs {
			if err := s.discardTx(ctx, tx, seq, DiscardByRetention); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(seqs), s.scrubWAL(ctx, "purging parked applications")
}

// scrubWAL truncates the WAL after rows with personal data were deleted: their pages
// (zeroed in the database by secure_delete) leave the WAL too. A failure is reported;
// the deletion stands and the pages go with the next checkpoint.
func (s *Store) scrubWAL(ctx context.Context, after string) error {
	if _, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("offline: checkpoint after %s: %w", after, err)
	}
	return nil
}
