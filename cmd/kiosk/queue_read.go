package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver for read-only access
)

// errNoQueue: the queue file does not exist (yet): `kiosk run` creates it at first start.
var errNoQueue = errors.New("queue: database file does not exist")

// queueBusyTimeout is how long a read waits for the running kiosk's writer.
const queueBusyTimeout = 5 * time.Second

// queueDB is the queue file opened READ-ONLY, for diag, `kiosk queue` and the status
// endpoint: a technician's look never writes to the kiosk's database (SQLite in WAL mode
// lets it read while `kiosk run` writes). It never selects a payload.
type queueDB struct {
	db    *sql.DB
	path  string
	fresh []string // -wal/-shm files this process created (see Close)
}

func openQueueRO(ctx context.Context, path string) (*queueDB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", errNoQueue, path)
		}
		return nil, fmt.Errorf("queue: %w", err)
	}
	q := &queueDB{path: path}
	for _, suf := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(path + suf); errors.Is(err, fs.ErrNotExist) {
			q.fresh = append(q.fresh, path+suf)
		}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + fmt.Sprintf("?mode=ro&_busy_timeout=%d", queueBusyTimeout.Milliseconds())
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	q.db = db
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		q.Close()
		return nil, fmt.Errorf("queue: read %s: %w", path, err)
	}
	return q, nil
}

// Close closes the database. When it runs as root on a kiosk user's database, the -wal
// and -shm files SQLite created for this read would be root's and lock the kiosk out of
// its own database: they are handed to the database file's owner.
func (q *queueDB) Close() error {
	err := q.db.Close()
	fi, serr := os.Stat(q.path)
	if serr != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return err
	}
	for _, f := range q.fresh {
		if _, e := os.Lstat(f); e == nil {
			_ = os.Lchown(f, int(st.Uid), int(st.Gid))
		}
	}
	return err
}

// queueStats is the queue in numbers.
type queueStats struct {
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

func (q *queueDB) stats(ctx context.Context, now time.Time) (queueStats, error) {
	var s queueStats
	var oldest sql.NullInt64
	err := q.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(state='pending'),0), coalesce(sum(state='parked'),0), coalesce(sum(state='delivered'),0),
		coalesce(sum(CASE WHEN state!='delivered' THEN length(payload) END),0),
		min(CASE WHEN state!='delivered' THEN created_at END),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name='outbox'),0)
		FROM outbox`).Scan(&s.Pending, &s.Parked, &s.Delivered, &s.UndeliveredB, &oldest, &s.LastSeq)
	if err != nil {
		return s, fmt.Errorf("queue: stats: %w", err)
	}
	if oldest.Valid {
		t := time.UnixMilli(oldest.Int64).UTC()
		s.Oldest = &t
		s.OldestAgeS = now.Sub(t).Round(time.Second).Seconds()
	}
	err = q.db.QueryRowContext(ctx, `SELECT
		coalesce(sum(outcome=''),0), coalesce(sum(flag!=''),0), (SELECT count(*) FROM alerts WHERE acked=0)
		FROM sessions`).Scan(&s.OpenSessions, &s.FlaggedSession, &s.Alerts)
	if err != nil {
		return s, fmt.Errorf("queue: stats: %w", err)
	}
	return s, nil
}

// queueRow is one outbox message as a technician sees it: never its payload.
type queueRow struct {
	Seq       int64      `json:"seq"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	Created   time.Time  `json:"created"`
	AgeS      float64    `json:"age_seconds"`
	Done      *time.Time `json:"done,omitempty"`
	Key       string     `json:"key"`
	Session   string     `json:"session,omitempty"`
	Bytes     int        `json:"payload_bytes"`
}

// list returns the messages in the given states (all when none), oldest first.
func (q *queueDB) list(ctx context.Context, now time.Time, states ...string) ([]queueRow, error) {
	query := `SELECT seq, kind, state, attempts, last_error, created_at, done_at, key, coalesce(session_id,''), length(payload) FROM outbox`
	var args []any
	if len(states) > 0 {
		query += ` WHERE state IN (?` + repeatStr(",?", len(states)-1) + `)`
		for _, s := range states {
			args = append(args, s)
		}
	}
	query += ` ORDER BY seq`
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("queue: list: %w", err)
	}
	defer rows.Close()
	out := []queueRow{}
	for rows.Next() {
		var r queueRow
		var created int64
		var done sql.NullInt64
		if err := rows.Scan(&r.Seq, &r.Kind, &r.State, &r.Attempts, &r.LastError, &created, &done, &r.Key, &r.Session, &r.Bytes); err != nil {
			return nil, fmt.Errorf("queue: list: %w", err)
		}
		r.Created = time.UnixMilli(created).UTC()
		r.AgeS = now.Sub(r.Created).Round(time.Second).Seconds()
		if done.Valid {
			t := time.UnixMilli(done.Int64).UTC()
			r.Done = &t
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func repeatStr(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// queueAlert is an alert not yet acknowledged.
type queueAlert struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

func (q *queueDB) alerts(ctx context.Context) ([]queueAlert, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, at, kind, detail FROM alerts WHERE acked=0 ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("queue: alerts: %w", err)
	}
	defer rows.Close()
	out := []queueAlert{}
	for rows.Next() {
		var a queueAlert
		var at int64
		if err := rows.Scan(&a.ID, &at, &a.Kind, &a.Detail); err != nil {
			return nil, fmt.Errorf("queue: alerts: %w", err)
		}
		a.At = time.UnixMilli(at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// quickCheck runs PRAGMA quick_check: "ok" when the file is sound.
func (q *queueDB) quickCheck(ctx context.Context) (string, error) {
	var res string
	if err := q.db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return "", fmt.Errorf("queue: quick_check: %w", err)
	}
	return res, nil
}
