package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the embedded store's driver

	"madoguchi/center"
)

// sqliteStore keeps the center in one SQLite file: one connection, one writer at a time
// (queued in Go, first come first served), challenges in memory (one process serves).
type sqliteStore struct {
	db *sql.DB
	// writers queues writing transactions first come, first served (a channel's waiting
	// senders are woken in order; database/sql's connection wait is not fair, which
	// stretches the latency tail under load).
	writers chan struct{}

	chMu       sync.Mutex
	challenges map[string]challenge
	perKiosk   map[string]int // outstanding challenges by kiosk
}

type challenge struct {
	kiosk   string
	expires time.Time
}

// DSN returns the SQLite DSN with the durability settings every connection must have,
// and secure_delete (deleted or overwritten personal data is zeroed in the file, not left
// in free pages).
func DSN(path string) string {
	return "file:" + url.PathEscape(path) + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=1&_secure_delete=on"
}

func openSQLite(ctx context.Context, path string) (*sqliteStore, error) {
	db, err := OpenDB(ctx, path)
	if err != nil {
		return nil, err
	}
	return &sqliteStore{db: db, writers: make(chan struct{}, 1), challenges: map[string]challenge{}, perKiosk: map[string]int{}}, nil
}

// OpenDB opens the center's SQLite database with the durability settings asserted and
// the schema applied. One connection: SQLite has one writer anyway, and the queue is kept
// in Go.
func OpenDB(ctx context.Context, path string) (*sql.DB, error) {
	// The database holds resident records: create it readable by its owner only.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("center/server: open db: %w", err)
	} else {
		f.Close()
	}
	db, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("center/server: open db: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	checks := []struct {
		pragma, want string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"busy_timeout", "5000"}, {"foreign_keys", "1"}, {"secure_delete", "1"}}
	for _, c := range checks {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			db.Close()
			return nil, fmt.Errorf("center/server: open db: pragma %s: %w", c.pragma, err)
		}
		if strings.ToLower(got) != c.want {
			db.Close()
			return nil, fmt.Errorf("center/server: open db: %s is %q, want %q", c.pragma, got, c.want)
		}
	}
	// A database from before revocations were per issuer keeps its rows aside for
	// migrate (which knows the roots) to carry over.
	var v1 int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('revocations') WHERE name = 'serial'`).Scan(&v1); err == nil && v1 > 0 {
		var v2 int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('revocations') WHERE name = 'issuer'`).Scan(&v2); err == nil && v2 == 0 {
			if _, err := db.ExecContext(ctx, `ALTER TABLE revocations RENAME TO revocations_serial_only`); err != nil {
				db.Close()
				return nil, fmt.Errorf("center/server: open db: migrate revocations: %w", err)
			}
		}
	}
	if err := applyMigrations(ctx, db, sqliteMigrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("center/server: open db: %w", err)
	}
	return db, nil
}

// applyMigrations runs the SQLite migrations after PRAGMA user_version, each in its own
// transaction with the version it reaches. Migration 1 is written with IF NOT EXISTS: a
// database from before versioning (user_version 0) takes it without harm.
func applyMigrations(ctx context.Context, db *sql.DB, migs []string) error {
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v > len(migs) {
		return fmt.Errorf("schema version %d is newer than this program's %d", v, len(migs))
	}
	for i := v; i < len(migs); i++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, migs[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

func (st *sqliteStore) sql() *sql.DB       { return st.db }
func (st *sqliteStore) placeholders() bool { return false }
func (st *sqliteStore) close() error       { return st.db.Close() }

func (st *sqliteStore) unavailable(err error) bool {
	return strings.Contains(err.Error(), "database is locked")
}

// beginWrite waits for its turn (or ctx); one writer at a time serves every kiosk.
func (st *sqliteStore) beginWrite(ctx context.Context, _ string) (*txn, func(), error) {
	select {
	case st.writers <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	release := func() { <-st.writers }
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, nil, err
	}
	return &txn{Tx: tx}, release, nil
}

// afterPurge checkpoints and truncates the WAL, so that no copy of a purged (and, by
// secure_delete, zeroed) page stays there.
func (st *sqliteStore) afterPurge(ctx context.Context) error {
	st.writers <- struct{}{}
	defer func() { <-st.writers }()
	var busy, frames, moved int
	return st.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &moved)
}

// migrate carries rows of a database from before (issuer, serial) over: a serial-only
// suspension stays in force under every root (the safe side; the window reinstates what
// is wrong), and serial-only card bindings move to the root when the center trusts one;
// with several they are left unmatched (the card is refused as unknown until re-imported
// with card_issuer) and counted in the log.
func (st *sqliteStore) migrate(ctx context.Context, issuers []string, log *slog.Logger) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'revocations_serial_only'`).Scan(&old); err != nil {
		return err
	}
	if old > 0 {
		for _, id := range issuers {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO revocations(issuer, serial, revoked_at, reason)
				SELECT ?, serial, revoked_at, reason FROM revocations_serial_only`, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE revocations_serial_only`); err != nil {
			return err
		}
	}
	const serialOnly = `binding LIKE 'serial:%' AND instr(substr(binding, 8), ':') = 0`
	if len(issuers) == 1 {
		if _, err := tx.ExecContext(ctx, `UPDATE cards SET binding = 'serial:' || ? || ':' || substr(binding, 8) WHERE `+serialOnly,
			issuers[0]); err != nil {
			return err
		}
	} else {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cards WHERE `+serialOnly).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			log.Warn("center: card bindings by serial without issuer are ignored; re-import them with card_issuer", "count", n)
		}
	}
	return tx.Commit()
}

// Challenges live in memory: one process serves this store, and a restart voids the
// outstanding ones (the kiosk asks again).

func (st *sqliteStore) putChallenge(_ context.Context, v, kiosk string, now, exp time.Time, maxAll, maxKiosk int) error {
	st.chMu.Lock()
	defer st.chMu.Unlock()
	if len(st.challenges) >= maxAll || st.perKiosk[kiosk] >= maxKiosk {
		for k, c := range st.challenges {
			if !now.Before(c.expires) {
				st.dropChallenge(k, c)
			}
		}
		if len(st.challenges) >= maxAll {
			return &refusal{status: http.StatusServiceUnavailable, code: center.CodeUnavailable, msg: "too many outstanding challenges"}
		}
		if st.perKiosk[kiosk] >= maxKiosk {
			return &refusal{status: http.StatusServiceUnavailable, code: center.CodeUnavailable,
				msg: "too many outstanding challenges for this kiosk; use or let expire the ones it has"}
		}
	}
	st.challenges[v] = challenge{kiosk: kiosk, expires: exp}
	st.perKiosk[kiosk]++
	return nil
}

// dropChallenge forgets challenge v (c); st.chMu is held.
func (st *sqliteStore) dropChallenge(v string, c challenge) {
	delete(st.challenges, v)
	if st.perKiosk[c.kiosk] <= 1 {
		delete(st.perKiosk, c.kiosk)
	} else {
		st.perKiosk[c.kiosk]--
	}
}

func (st *sqliteStore) takeChallenge(_ context.Context, _ *txn, v, kiosk string, now time.Time) (func(), error) {
	st.chMu.Lock()
	defer st.chMu.Unlock()
	c, ok := st.challenges[v]
	if !ok || c.kiosk != kiosk {
		return func() {}, refuse(center.CodeChallenge, "challenge unknown, already used, or not issued to this kiosk")
	}
	st.dropChallenge(v, c)
	if !now.Before(c.expires) {
		return func() {}, refuse(center.CodeChallengeExpired, "challenge expired")
	}
	return func() {
		st.chMu.Lock()
		defer st.chMu.Unlock()
		if _, back := st.challenges[v]; !back {
			st.perKiosk[kiosk]++
		}
		st.challenges[v] = c
	}, nil
}

func (st *sqliteStore) dropExpiredChallenges(_ context.Context, now time.Time) error {
	st.chMu.Lock()
	defer st.chMu.Unlock()
	for k, c := range st.challenges {
		if !now.Before(c.expires) {
			st.dropChallenge(k, c)
		}
	}
	return nil
}

// sqliteMigrations are the SQLite schema's versions (PRAGMA user_version).
var sqliteMigrations = []string{`
CREATE TABLE IF NOT EXISTS residents(
	id             INTEGER PRIMARY KEY,
	code           TEXT NOT NULL UNIQUE,
	municipality   TEXT NOT NULL,
	household      TEXT NOT NULL,
	name           TEXT NOT NULL,
	kana           TEXT NOT NULL DEFAULT '',
	birth          TEXT NOT NULL,
	sex            TEXT NOT NULL,
	address        TEXT NOT NULL,
	relationship   TEXT NOT NULL DEFAULT '',
	since          TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','moved_out','deceased')),
	domicile       TEXT NOT NULL DEFAULT '',
	family_head    TEXT NOT NULL DEFAULT '',
	seal_number    TEXT NOT NULL DEFAULT '',
	tax_year       INTEGER NOT NULL DEFAULT 0,
	income         INTEGER NOT NULL DEFAULT 0,
	tax            INTEGER NOT NULL DEFAULT 0
);
DROP INDEX IF EXISTS residents_household;
CREATE INDEX IF NOT EXISTS residents_muni_household ON residents(municipality, household);
CREATE TABLE IF NOT EXISTS cards(
	binding     TEXT PRIMARY KEY,  -- 'sha256:<hex of auth cert DER>' or 'serial:<IssuerID>:<hex serial>'
	resident_id INTEGER NOT NULL REFERENCES residents(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS revocations(
	issuer     TEXT NOT NULL,      -- IssuerID of the JPKI root that issued the certificate
	serial     TEXT NOT NULL,      -- lowercase hex of the certificate serial
	revoked_at INTEGER NOT NULL,   -- unix seconds
	reason     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (issuer, serial)
);
CREATE TABLE IF NOT EXISTS issuances(
	kiosk_id     TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,    -- '' for a void that arrived before (or instead of) the request
	issue_id     TEXT UNIQUE,
	verify_code  TEXT UNIQUE,      -- printed on the paper; GET /v1/verify/{code}
	cert_type    TEXT NOT NULL DEFAULT '',
	municipality TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('issued','completed','voided')),
	fingerprint  TEXT NOT NULL DEFAULT '',
	resident_id  INTEGER REFERENCES residents(id),
	fee          INTEGER NOT NULL DEFAULT 0,
	response     BLOB,             -- the exact answer, replayed for a retry; NULL after the retention window (Purge)
	created_at   INTEGER NOT NULL, -- unix nanoseconds
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (kiosk_id, key)
);
CREATE TABLE IF NOT EXISTS messages(
	kiosk_id     TEXT NOT NULL,
	key          TEXT NOT NULL,
	seq          INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	payload_hash TEXT NOT NULL,
	payload      BLOB NOT NULL,
	received_at  INTEGER NOT NULL,
	PRIMARY KEY (kiosk_id, key),
	UNIQUE (kiosk_id, seq)
);
`, `
CREATE TABLE operators(
	name         TEXT PRIMARY KEY,
	hash         TEXT NOT NULL,             -- argon2id, encoded with its parameters and salt
	failures     INTEGER NOT NULL DEFAULT 0, -- wrong passwords in a row
	locked_until INTEGER NOT NULL DEFAULT 0, -- unix nanoseconds
	created_at   INTEGER NOT NULL
);
CREATE TABLE operator_sessions(
	token_hash TEXT PRIMARY KEY,           -- hex SHA-256 of the cookie's token
	operator   TEXT NOT NULL REFERENCES operators(name) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE audit(
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,             -- unix nanoseconds
	operator TEXT NOT NULL,
	action   TEXT NOT NULL,                -- login, login.failed, card.suspend, ...
	target   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE kiosk_health(
	kiosk_id    TEXT PRIMARY KEY,
	received_at INTEGER NOT NULL,
	version     TEXT NOT NULL DEFAULT '',
	uptime_s    INTEGER NOT NULL DEFAULT 0,
	backlog     INTEGER NOT NULL DEFAULT 0,
	alerts      TEXT NOT NULL DEFAULT '',  -- comma-separated alert names
	printer     TEXT NOT NULL DEFAULT '',
	reader      TEXT NOT NULL DEFAULT ''
);
`, `
CREATE TABLE applications(
	kiosk_id      TEXT NOT NULL,
	number        TEXT NOT NULL,
	municipality  TEXT NOT NULL,
	form          TEXT NOT NULL,
	signed_at     INTEGER NOT NULL,
	received_at   INTEGER NOT NULL,
	signer_issuer TEXT NOT NULL,
	signer_serial TEXT NOT NULL,
	content       BLOB NOT NULL,
	signed_data   BLOB NOT NULL,
	PRIMARY KEY (kiosk_id, number)
);
`}
