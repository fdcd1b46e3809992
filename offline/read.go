package offline

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The queries that only read. Each is written once, here, and run by both Store (the
// running kiosk's connection) and ReadOnly (a technician's look beside it), so that a
// change to the schema changes every reader at once. None of them selects a payload
// for display: what a technician sees is sizes, keys and states.

// MessageState is an outbox message's state (the outbox table's state column).
type MessageState string

// Message states.
const (
	StatePending   MessageState = "pending"   // waiting for the center
	StateParked    MessageState = "parked"    // refused by the center; kept for the technician
	StateDelivered MessageState = "delivered" // accepted; kept for audit until Retention ends
)

// Alert is something the technician must see (diag, service screen). The JSON names
// are those of `kiosk queue alerts -json` and the queue export.
type Alert struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`   // wall time (UTC), information only
	Kind   string    `json:"kind"` // database_quarantined, session_recovered, message_parked, ...
	Detail string    `json:"detail"`
}

// Backlog describes what waits for the center.
type Backlog struct {
	Count  int       // pending + parked messages
	Parked int       // refused by the center; need the technician
	Bytes  int64     // payload bytes of those messages
	Oldest time.Time // wall time the oldest was queued (zero when Count is 0)
	Seq    int64     // highest sequence number assigned so far
}

// Stats is the queue in numbers, for a technician (diag, `kiosk queue stats`, the
// status endpoint). The JSON names are part of the queue export and the status
// endpoint's answer.
type Stats struct {
	Pending        int        `json:"pending"`
	Parked         int        `json:"parked"`
	Delivered      int        `json:"delivered"` // kept for audit until the retention period ends
	UndeliveredB   int64      `json:"undelivered_bytes"`
	Oldest         *time.Time `json:"oldest_undelivered,omitempty"`
	OldestAgeS     float64    `json:"oldest_undelivered_age_seconds"`
	LastSeq        int64      `json:"last_seq"`
	OpenSessions   int        `json:"open_sessions"`    // without an outcome (a session is running, or recovery is due)
	FlaggedSession int        `json:"flagged_sessions"` // the technician must look
	Alerts         int        `json:"alerts"`           // not acknowledged
}

// MessageInfo is one outbox message as a technician sees it: never its payload, only
// the payload's size. The JSON names are those of `kiosk queue list -json` and the
// queue export.
type MessageInfo struct {
	Seq       int64        `json:"seq"`
	Kind      string       `json:"kind"`
	State     MessageState `json:"state"`
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error,omitempty"`
	Created   time.Time    `json:"created"`
	AgeS      float64      `json:"age_seconds"`
	Done      *time.Time   `json:"done,omitempty"`
	Key       string       `json:"key"`
	Session   string       `json:"session,omitempty"`
	Bytes     int          `json:"payload_bytes"`
}

// outboxSummary is the one query over the outbox as a whole (Backlog and Stats).
type outboxSummary struct {
	pending, parked, delivered int
	bytes                      int64 // payload bytes not delivered
	oldest                     time.Time
	seq                        int64
}

func queryOutbox(ctx context.Context, db *sql.DB) (outboxSummary, error) {
	var o outboxSummary
	var oldest sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT
		coalesce(sum(state='pending'),0), coalesce(sum(state='parked'),0), coalesce(sum(state='delivered'),0),
		coalesce(sum(CASE WHEN state!='delivered' THEN length(payload) END),0),
		min(CASE WHEN state!='delivered' THEN created_at END),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name='outbox'),0)
		FROM outbox`).Scan(&o.pending, &o.parked, &o.delivered, &o.bytes, &oldest, &o.seq)
	if err != nil {
		return o, fmt.Errorf("offline: read outbox: %w", err)
	}
	if oldest.Valid {
		o.oldest = time.UnixMilli(oldest.Int64).UTC()
	}
	return o, nil
}

func queryBacklog(ctx context.Context, db *sql.DB) (Backlog, error) {
	o, err := queryOutbox(ctx, db)
	if err != nil {
		return Backlog{}, err
	}
	return Backlog{Count: o.pending + o.parked, Parked: o.parked, Bytes: o.bytes, Oldest: o.oldest, Seq: o.seq}, nil
}

func queryStats(ctx context.Context, db *sql.DB, now time.Time) (Stats, error) {
	o, err := queryOutbox(ctx, db)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Pending: o.pending, Parked: o.parked, Delivered: o.delivered, UndeliveredB: o.bytes, LastSeq: o.seq}
	if !o.oldest.IsZero() {
		t := o.oldest
		s.Oldest = &t
		s.OldestAgeS = ageSeconds(now, t)
	}
	err = db.QueryRowContext(ctx, `SELECT
		coalesce(sum(outcome=''),0), coalesce(sum(flag!=''),0), (SELECT count(*) FROM alerts WHERE acked=0)
		FROM sessions`).Scan(&s.OpenSessions, &s.FlaggedSession, &s.Alerts)
	if err != nil {
		return s, fmt.Errorf("offline: read sessions: %w", err)
	}
	return s, nil
}

// ageSeconds is now - t in whole seconds.
func ageSeconds(now, t time.Time) float64 { return now.Sub(t).Round(time.Second).Seconds() }

// queryList returns the messages in the given states (all when none), oldest first;
// never nil.
func queryList(ctx context.Context, db *sql.DB, now time.Time, states ...MessageState) ([]MessageInfo, error) {
	query := `SELECT seq, kind, state, attempts, last_error, created_at, done_at, key, coalesce(session_id,''), length(payload) FROM outbox`
	var args []any
	if len(states) > 0 {
		query += ` WHERE state IN (?` + strings.Repeat(",?", len(states)-1) + `)`
		for _, s := range states {
			args = append(args, string(s))
		}
	}
	rows, err := db.QueryContext(ctx, query+` ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("offline: list messages: %w", err)
	}
	defer rows.Close()
	out := []MessageInfo{}
	for rows.Next() {
		var m MessageInfo
		var created int64
		var done sql.NullInt64
		if err := rows.Scan(&m.Seq, &m.Kind, &m.State, &m.Attempts, &m.LastError, &created, &done, &m.Key, &m.Session, &m.Bytes); err != nil {
			return nil, fmt.Errorf("offline: list messages: %w", err)
		}
		m.Created = time.UnixMilli(created).UTC()
		m.AgeS = ageSeconds(now, m.Created)
		if done.Valid {
			t := time.UnixMilli(done.Int64).UTC()
			m.Done = &t
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offline: list messages: %w", err)
	}
	return out, nil
}

// queryAlerts lists the alerts not yet acknowledged, oldest first; never nil.
func queryAlerts(ctx context.Context, db *sql.DB) ([]Alert, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, at, kind, detail FROM alerts WHERE acked=0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("offline: list alerts: %w", err)
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var at int64
		if err := rows.Scan(&a.ID, &at, &a.Kind, &a.Detail); err != nil {
			return nil, fmt.Errorf("offline: list alerts: %w", err)
		}
		a.At = time.UnixMilli(at).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offline: list alerts: %w", err)
	}
	return out, nil
}

// quickCheck runs PRAGMA quick_check and returns its first line ("ok" when sound).
func quickCheck(ctx context.Context, db *sql.DB) (string, error) {
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return "", fmt.Errorf("offline: quick_check: %w", err)
	}
	return res, nil
}

// Alerts lists the alerts not yet acknowledged, oldest first.
func (s *Store) Alerts(ctx context.Context) ([]Alert, error) { return queryAlerts(ctx, s.db) }

// Backlog reports the undelivered messages.
func (s *Store) Backlog(ctx context.Context) (Backlog, error) { return queryBacklog(ctx, s.db) }

// QuickCheck runs PRAGMA quick_check and returns its first line ("ok" when healthy).
func (s *Store) QuickCheck(ctx context.Context) (string, error) { return quickCheck(ctx, s.db) }

// Stats is the queue in numbers; ages are measured at now.
func (r *ReadOnly) Stats(ctx context.Context, now time.Time) (Stats, error) {
	return queryStats(ctx, r.db, now)
}

// List returns the messages in the given states (every message when none), oldest
// first; ages are measured at now. Payloads are not read out, only their sizes.
func (r *ReadOnly) List(ctx context.Context, now time.Time, states ...MessageState) ([]MessageInfo, error) {
	return queryList(ctx, r.db, now, states...)
}

// Alerts lists the alerts not yet acknowledged, oldest first (Store.Alerts).
func (r *ReadOnly) Alerts(ctx context.Context) ([]Alert, error) { return queryAlerts(ctx, r.db) }

// Backlog reports the undelivered messages (Store.Backlog).
func (r *ReadOnly) Backlog(ctx context.Context) (Backlog, error) { return queryBacklog(ctx, r.db) }

// QuickCheck runs PRAGMA quick_check and returns its first line ("ok" when sound).
func (r *ReadOnly) QuickCheck(ctx context.Context) (string, error) { return quickCheck(ctx, r.db) }
