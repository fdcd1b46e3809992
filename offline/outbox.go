package offline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Message is one outbox row as the center receives it.
type Message struct {
	Seq     int64           // per-kiosk sequence (outbox seq), gap-free at the center
	Key     string          // idempotency key, random 128-bit hex, committed before the first send
	Kind    string          // completed | voided | payment | audit | application
	Payload json.RawMessage // JSON object; no personal data beyond what the center needs
}

// Outcome is the center's verdict on one message.
type Outcome string

// Outcomes. Accepted and Duplicate both mean delivered; Refused is permanent: the
// message is parked (kept, never dropped) and the technician is alerted.
const (
	Accepted  Outcome = "accepted"
	Duplicate Outcome = "duplicate"
	Refused   Outcome = "refused"
)

// Result is the center's answer for one message of a batch, matched by Key.
type Result struct {
	Key     string
	Seq     int64
	Outcome Outcome
	Error   string // reason of a refusal
}

// Sender uploads a batch. A transport error, a 5xx or an unreadable reply is an error:
// the whole batch is retried later with the same keys. A message with no Result in a
// successful reply stays pending.
type Sender interface {
	Send(ctx context.Context, batch []Message) ([]Result, error)
}

// Enqueue commits a standalone message (e.g. an audit event outside a session) in its
// own transaction. Messages that report a journal step are written by the Session in
// the step's transaction instead.
func (s *Store) Enqueue(ctx context.Context, kind string, payload any) error {
	if kind == "" {
		return fmt.Errorf("offline: enqueue: empty kind")
	}
	// Standalone messages may not eat into the reserve that lets running sessions and
	// recovery finish.
	if used, err := s.used(ctx); err != nil {
		return err
	} else if used+s.opts.ReserveBytes > s.opts.MaxDBBytes {
		s.diskFull.Store(true)
		return fmt.Errorf("offline: enqueue %s: %w: database uses %d of %d bytes", kind, ErrDiskFull, used, s.opts.MaxDBBytes)
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return s.enqueueTx(ctx, tx, kind, "", payload) })
	if err != nil {
		return fmt.Errorf("offline: enqueue %s: %w", kind, err)
	}
	return nil
}

// Alert commits an audit event outside any session (kind KindAudit, payload {"event",
// "detail"}) and an alert of the same name for the technician (`kiosk queue alerts`), in
// one transaction. The detail must hold no personal data.
func (s *Store) Alert(ctx context.Context, event string, detail map[string]any) error {
	if event == "" {
		return fmt.Errorf("offline: alert: empty event")
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("offline: alert %s: %w", event, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.enqueueTx(ctx, tx, KindAudit, "", map[string]any{"event": event, "detail": json.RawMessage(b)}); err != nil {
			return err
		}
		return s.alertTx(ctx, tx, event, string(b))
	})
	if err != nil {
		return fmt.Errorf("offline: alert %s: %w", event, err)
	}
	return nil
}

func (s *Store) enqueueTx(ctx context.Context, tx *sql.Tx, kind, session string, payload any) error {
	var b []byte
	switch p := payload.(type) {
	case json.RawMessage:
		b = p
	case []byte:
		b = p
	default:
		var err error
		if b, err = json.Marshal(p); err != nil {
			return fmt.Errorf("offline: encode %s payload: %w", kind, err)
		}
	}
	if !json.Valid(b) {
		return fmt.Errorf("offline: %s payload is not JSON", kind)
	}
	var sid any
	if session != "" {
		sid = session
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox(key, kind, payload, session_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		NewKey(), kind, b, sid, s.clock.Now().UnixMilli())
	if err != nil {
		return err
	}
	s.notify()
	return nil
}

// notify wakes the sync worker (after the commit; a wake before it is harmless: the
// worker reads committed rows only and waits again when it finds none).
func (s *Store) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next reads up to n pending messages after the cursor, oldest first. A short read:
// no transaction is held across the network call that follows. When nothing is
// pending after the cursor, it looks once below it: another process (`kiosk queue
// retry` beside the running kiosk) may have put a parked message back, which this
// store's Requeue would have moved the cursor for. So a running kiosk sends such
// messages with its next upload.
func (s *Store) next(ctx context.Context, n int) ([]Message, error) {
	out, err := s.readPending(ctx, n)
	if err != nil || len(out) > 0 {
		return out, err
	}
	cur := s.cursor.Load()
	if cur == 0 {
		return nil, nil
	}
	var low sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT min(seq) FROM outbox WHERE seq <= ? AND state='pending'`, cur).Scan(&low); err != nil {
		return nil, fmt.Errorf("offline: read outbox: %w", err)
	}
	if !low.Valid || !s.cursor.CompareAndSwap(cur, low.Int64-1) {
		return nil, nil
	}
	return s.readPending(ctx, n)
}

func (s *Store) readPending(ctx context.Context, n int) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, key, kind, payload FROM outbox WHERE seq > ? AND state='pending' ORDER BY seq LIMIT ?`,
		s.cursor.Load(), n)
	if err != nil {
		return nil, fmt.Errorf("offline: read outbox: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var p []byte
		if err := rows.Scan(&m.Seq, &m.Key, &m.Kind, &p); err != nil {
			return nil, fmt.Errorf("offline: read outbox: %w", err)
		}
		m.Payload = p
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offline: read outbox: %w", err)
	}
	return out, nil
}

// settle applies the center's results to a batch in one commit and returns how many
// were delivered and parked. attempts is the number of uploads this batch took.
func (s *Store) settle(ctx context.Context, batch []Message, res []Result, attempts int) (delivered, parked int, err error) {
	byKey := make(map[string]Result, len(res))
	for _, r := range res {
		byKey[r.Key] = r
	}
	var done []any
	type park struct {
		seq    int64
		reason string
	}
	var parks []park
	var personal int64   // delivered applications deleted
	advance := int64(-1) // highest seq of the fully handled prefix
	prefix := true
	for _, m := range batch {
		r, ok := byKey[m.Key]
		switch {
		case ok && (r.Outcome == Accepted || r.Outcome == Duplicate):
			done = append(done, m.Seq)
		case ok && r.Outcome == Refused:
			parks = append(parks, park{m.Seq, r.Error})
		default:
			prefix = false
			continue
		}
		if prefix {
			advance = m.Seq
		}
	}
	if len(done) == 0 && len(parks) == 0 {
		return 0, 0, nil
	}
	now := s.clock.Now().UnixMilli()
	if s.diskFull.Load() {
		return s.settleFull(ctx, batch, done)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if len(done) > 0 {
			q := `UPDATE outbox SET state='delivered', attempts=attempts+?, done_at=? WHERE state='pending' AND seq IN (?` + strings.Repeat(",?", len(done)-1) + `)`
			args := append([]any{attempts, now}, done...)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			q = `DELETE FROM outbox WHERE state='delivered' AND kind=? AND seq IN (?` + strings.Repeat(",?", len(done)-1) + `)`
			res, err := tx.ExecContext(ctx, q, append([]any{KindApplication}, done...)...)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			personal += n
		}
		for _, p := range parks {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state='parked', attempts=attempts+?, last_error=?, done_at=? WHERE seq=? AND state='pending'`,
				attempts, p.reason, now, p.seq); err != nil {
				return err
			}
			if err := s.alertTx(ctx, tx, "message_parked", fmt.Sprintf("seq %d refused by the center: %s", p.seq, p.reason)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrDiskFull) {
		return s.settleFull(ctx, batch, done)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("offline: settle batch: %w", err)
	}
	if advance > s.cursor.Load() {
		s.cursor.Store(advance)
	}
	if personal > 0 {
		// A failure is reported with the counts: the delivery stands.
		if err := s.scrubWAL(ctx, "deleting delivered applications"); err != nil {
			return len(done), len(parks), err
		}
	}
	return len(done), len(parks), nil
}

// settleFull is settle on a full disk: marking a row delivered can need a new page,
// deleting it never does, so delivered messages are deleted at once (their retention
// is given up) and refusals stay pending until there is room to park them.
func (s *Store) settleFull(ctx context.Context, batch []Message, done []any) (int, int, error) {
	if len(done) == 0 {
		return 0, 0, fmt.Errorf("offline: settle batch: %w", ErrDiskFull)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		q := `DELETE FROM outbox WHERE state='pending' AND seq IN (?` + strings.Repeat(",?", len(done)-1) + `)`
		_, err := tx.ExecContext(ctx, q, done...)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("offline: settle batch on a full disk: %w", err)
	}
	advance := s.cursor.Load()
	for i, m := range batch {
		if i >= len(done) || done[i] != any(m.Seq) {
			break
		}
		advance = m.Seq
	}
	s.cursor.Store(advance)
	return len(done), 0, nil
}

// Parked lists the messages the center refused, for the technician.
func (s *Store) Parked(ctx context.Context) ([]ParkedMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, key, kind, payload, attempts, last_error FROM outbox WHERE state='parked' ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("offline: list parked: %w", err)
	}
	defer rows.Close()
	var out []ParkedMessage
	for rows.Next() {
		var p ParkedMessage
		var b []byte
		if err := rows.Scan(&p.Seq, &p.Key, &p.Kind, &b, &p.Attempts, &p.Reason); err != nil {
			return nil, fmt.Errorf("offline: list parked: %w", err)
		}
		p.Payload = b
		out = append(out, p)
	}
	return out, rows.Err()
}

// ParkedMessage is a message the center refused permanently.
type ParkedMessage struct {
	Message
	Attempts int
	Reason   string
}

// Requeue puts a parked message back to pending (technician's decision after the
// center side was fixed). It keeps its key and sequence number.
func (s *Store) Requeue(ctx context.Context, seq int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET state='pending', done_at=NULL WHERE seq=? AND state='parked'`, seq)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return fmt.Errorf("no parked message %d", seq)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("offline: requeue: %w", err)
	}
	if s.cursor.Load() >= seq {
		s.cursor.Store(seq - 1)
	}
	s.notify()
	return nil
}

// Prune deletes delivered messages and closed sessions older than the retention
// period, and discards applications parked longer than ParkedApplicationRetention
// (DiscardByRetention). It reads first and writes only when something is due, so an
// idle kiosk with nothing to prune writes nothing.
func (s *Store) Prune(ctx context.Context) (int, error) {
	now := s.clock.Now()
	if now.Before(s.opts.ClockFloor) {
		return 0, nil // the clock is not set: no age can be judged
	}
	purged, err := s.purgeParkedApplications(ctx, now)
	if err != nil {
		return purged, fmt.Errorf("offline: prune: %w", err)
	}
	cut := now.Add(-s.opts.Retention).UnixMilli()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM outbox WHERE state='delivered' AND done_at < ?) +
		(SELECT count(*) FROM sessions WHERE state IN ('closed','printed','print_failed') AND updated_at < ?)`, cut, cut).Scan(&n); err != nil {
		return 0, fmt.Errorf("offline: prune: %w", err)
	}
	if n == 0 {
		return purged, nil
	}
	var deleted int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE state='delivered' AND done_at < ?`, cut)
		if err != nil {
			return err
		}
		a, _ := r.RowsAffected()
		r, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE state IN ('closed','printed','print_failed') AND updated_at < ?`, cut)
		if err != nil {
			return err
		}
		b, _ := r.RowsAffected()
		deleted = a + b
		return nil
	})
	if err != nil {
		return purged, fmt.Errorf("offline: prune: %w", err)
	}
	return purged + int(deleted), nil
}
