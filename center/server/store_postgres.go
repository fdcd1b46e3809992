package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"madoguchi/center"
)

// pgStore keeps the center in PostgreSQL, shared by any number of centerd instances.
//
// Isolation: READ COMMITTED, plus one transaction-scoped advisory lock per kiosk
// (pg_advisory_xact_lock on the kiosk id) taken as the first statement of every
// transaction that reads and then writes a kiosk's state: an issuance (key lookup,
// challenge, insert), a message batch (keys, sequence numbers, the issuances they move)
// and a new challenge (the per-kiosk cap). The lock is held to commit, so the next such
// transaction of the same kiosk — on any instance — starts after it and, reading
// committed data statement by statement, sees its rows: a key issues once and replays
// after, a challenge is spent once, a completion or void moves an issuance once, and a
// seq is stored once. A kiosk does one thing at a time, so the lock costs it nothing;
// different kiosks never wait for each other. SERIALIZABLE would give the same
// guarantees but answer conflicts with serialization failures the server would have to
// retry; the lock makes the order explicit instead. Unique keys back every guarantee up:
// (kiosk_id, key) of issuances and messages, (kiosk_id, seq), the challenge's value.
//
// Writes that concern no kiosk (revocations, reinstatements, imports, bindings) are
// single statements or one transaction; an issuance reads the revocations committed
// before its statement (a suspension takes effect for the next request, as on SQLite).
type pgStore struct {
	db *sql.DB
}

// pgMigrationLock is the advisory lock key under which instances starting at once apply
// migrations one after the other.
const pgMigrationLock = 0x6d61646f // "mado"

func openPostgres(ctx context.Context, dsn string) (*pgStore, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("center/server: open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("center/server: open postgres: %w", err)
	}
	// Durability: a committed issuance must survive a crash of the database machine.
	// synchronous_commit may be on, remote_write or remote_apply (replicas) or local;
	// never off.
	checks := []struct {
		setting string
		ok      func(string) bool
	}{
		{"fsync", func(v string) bool { return v == "on" }},
		{"full_page_writes", func(v string) bool { return v == "on" }},
		{"synchronous_commit", func(v string) bool { return v != "off" }},
		{"server_encoding", func(v string) bool { return v == "UTF8" }},
	}
	for _, c := range checks {
		var got string
		if err := db.QueryRowContext(ctx, `SELECT current_setting($1)`, c.setting).Scan(&got); err != nil {
			db.Close()
			return nil, fmt.Errorf("center/server: open postgres: %s: %w", c.setting, err)
		}
		if !c.ok(got) {
			db.Close()
			return nil, fmt.Errorf("center/server: open postgres: %s is %q", c.setting, got)
		}
	}
	return &pgStore{db: db}, nil
}

func (st *pgStore) sql() *sql.DB       { return st.db }
func (st *pgStore) placeholders() bool { return true }
func (st *pgStore) close() error       { return st.db.Close() }

// unavailable: the connection or the server is gone or shutting down (class 08, 57P),
// or the database refused for now (too many connections, a read-only standby); the
// request can be retried, at this instance once it reconnects or at another.
func (st *pgStore) unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", "57", "53", "40":
			return true
		}
		return pe.Code == "25006" // read_only_sql_transaction: a standby not yet promoted
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

func (st *pgStore) beginWrite(ctx context.Context, kiosk string) (*txn, func(), error) {
	tx, err := st.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, nil, err
	}
	if kiosk != "" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, kiosk); err != nil {
			tx.Rollback()
			return nil, nil, fmt.Errorf("kiosk lock: %w", err)
		}
	}
	return &txn{Tx: tx, dollar: true}, func() {}, nil
}

// afterPurge vacuums the issuances table: the purged answers' old row versions become
// free space (PostgreSQL does not zero it; see the package documentation on backups and
// WAL archives).
func (st *pgStore) afterPurge(ctx context.Context) error {
	_, err := st.db.ExecContext(ctx, `VACUUM issuances`)
	return err
}

func (st *pgStore) migrate(ctx context.Context, _ []string, _ *slog.Logger) error {
	conn, err := st.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations(
		version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return fmt.Errorf("migrate: version: %w", err)
	}
	if v > len(pgMigrations) {
		return fmt.Errorf("migrate: schema version %d is newer than this program's %d", v, len(pgMigrations))
	}
	for i := v; i < len(pgMigrations); i++ {
		if _, err := tx.ExecContext(ctx, pgMigrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES ($1)`, i+1); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return tx.Commit()
}

// Challenges live in a table: a kiosk may ask one instance and present the challenge to
// another (after a fail-over).

func (st *pgStore) putChallenge(ctx context.Context, v, kiosk string, now, exp time.Time, maxAll, maxKiosk int) error {
	tx, _, err := st.beginWrite(ctx, kiosk)
	if err != nil {
		return fmt.Errorf("challenge: %w", err)
	}
	defer tx.Rollback()
	var mine, all int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE kiosk_id = ?), count(*) FROM challenges WHERE expires_at > ?`,
		kiosk, now.UnixNano()).Scan(&mine, &all); err != nil {
		return fmt.Errorf("challenge: count: %w", err)
	}
	if all >= maxAll {
		return &refusal{status: http.StatusServiceUnavailable, code: center.CodeUnavailable, msg: "too many outstanding challenges"}
	}
	if mine >= maxKiosk {
		return &refusal{status: http.StatusServiceUnavailable, code: center.CodeUnavailable,
			msg: "too many outstanding challenges for this kiosk; use or let expire the ones it has"}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO challenges(value, kiosk_id, expires_at) VALUES (?, ?, ?)`,
		v, kiosk, exp.UnixNano()); err != nil {
		return fmt.Errorf("challenge: store: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("challenge: commit: %w", err)
	}
	return nil
}

func (st *pgStore) takeChallenge(ctx context.Context, tx *txn, v, kiosk string, now time.Time) (func(), error) {
	var exp int64
	err := tx.QueryRowContext(ctx, `DELETE FROM challenges WHERE value = ? AND kiosk_id = ? RETURNING expires_at`, v, kiosk).Scan(&exp)
	if errors.Is(err, sql.ErrNoRows) {
		return func() {}, refuse(center.CodeChallenge, "challenge unknown, already used, or not issued to this kiosk")
	}
	if err != nil {
		return func() {}, fmt.Errorf("challenge: %w", err)
	}
	if now.UnixNano() >= exp {
		return func() {}, refuse(center.CodeChallengeExpired, "challenge expired")
	}
	return func() {}, nil // a rollback gives it back
}

func (st *pgStore) dropExpiredChallenges(ctx context.Context, now time.Time) error {
	_, err := st.db.ExecContext(ctx, `DELETE FROM challenges WHERE expires_at <= $1`, now.UnixNano())
	return err
}

// pgMigrations are the PostgreSQL schema's versions (table schema_migrations). Text
// that is sorted or compared (codes, dates, kiosk ids) is COLLATE "C": the same byte
// order as SQLite, whatever the database's locale.
var pgMigrations = []string{`
CREATE TABLE residents(
	id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	code           TEXT COLLATE "C" NOT NULL UNIQUE,
	municipality   TEXT COLLATE "C" NOT NULL,
	household      TEXT COLLATE "C" NOT NULL,
	name           TEXT NOT NULL,
	kana           TEXT NOT NULL DEFAULT '',
	birth          TEXT COLLATE "C" NOT NULL,
	sex            TEXT NOT NULL,
	address        TEXT NOT NULL,
	relationship   TEXT COLLATE "C" NOT NULL DEFAULT '',
	since          TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','moved_out','deceased')),
	domicile       TEXT NOT NULL DEFAULT '',
	family_head    TEXT NOT NULL DEFAULT '',
	seal_number    TEXT NOT NULL DEFAULT '',
	tax_year       INTEGER NOT NULL DEFAULT 0,
	income         BIGINT NOT NULL DEFAULT 0,
	tax            BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX residents_muni_household ON residents(municipality, household);
CREATE TABLE cards(
	binding     TEXT COLLATE "C" PRIMARY KEY, -- 'sha256:<hex of auth cert DER>' or 'serial:<IssuerID>:<hex serial>'
	resident_id BIGINT NOT NULL REFERENCES residents(id) ON DELETE CASCADE
);
CREATE INDEX cards_resident ON cards(resident_id);
CREATE TABLE revocations(
	issuer     TEXT COLLATE "C" NOT NULL, -- IssuerID of the JPKI root that issued the certificate
	serial     TEXT COLLATE "C" NOT NULL, -- lowercase hex of the certificate serial
	revoked_at BIGINT NOT NULL,           -- unix seconds
	reason     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (issuer, serial)
);
CREATE TABLE issuances(
	kiosk_id     TEXT COLLATE "C" NOT NULL,
	key          TEXT COLLATE "C" NOT NULL,
	request_hash TEXT NOT NULL,            -- '' for a void that arrived before (or instead of) the request
	issue_id     TEXT UNIQUE,
	verify_code  TEXT UNIQUE,              -- printed on the paper; GET /v1/verify/{code}
	cert_type    TEXT NOT NULL DEFAULT '',
	municipality TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('issued','completed','voided')),
	fingerprint  TEXT NOT NULL DEFAULT '',
	resident_id  BIGINT REFERENCES residents(id),
	fee          BIGINT NOT NULL DEFAULT 0,
	response     BYTEA,                    -- the exact answer, replayed for a retry; NULL after the retention window (Purge)
	created_at   BIGINT NOT NULL,          -- unix nanoseconds
	updated_at   BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, key)
);
CREATE INDEX issuances_created ON issuances(created_at) WHERE response IS NOT NULL;
CREATE TABLE messages(
	kiosk_id     TEXT COLLATE "C" NOT NULL,
	key          TEXT COLLATE "C" NOT NULL,
	seq          BIGINT NOT NULL,
	kind         TEXT NOT NULL,
	payload_hash TEXT NOT NULL,
	payload      BYTEA NOT NULL,
	received_at  BIGINT NOT NULL,
	PRIMARY KEY (kiosk_id, key),
	UNIQUE (kiosk_id, seq)
);
CREATE TABLE challenges(
	value      TEXT COLLATE "C" PRIMARY KEY,
	kiosk_id   TEXT COLLATE "C" NOT NULL,
	expires_at BIGINT NOT NULL             -- unix nanoseconds
);
CREATE INDEX challenges_kiosk ON challenges(kiosk_id, expires_at);
`, `
CREATE TABLE operators(
	name         TEXT COLLATE "C" PRIMARY KEY,
	hash         TEXT NOT NULL,             -- argon2id, encoded with its parameters and salt
	failures     BIGINT NOT NULL DEFAULT 0, -- wrong passwords in a row
	locked_until BIGINT NOT NULL DEFAULT 0, -- unix nanoseconds
	created_at   BIGINT NOT NULL
);
CREATE TABLE operator_sessions(
	token_hash TEXT COLLATE "C" PRIMARY KEY,           -- hex SHA-256 of the cookie's token
	operator   TEXT NOT NULL REFERENCES operators(name) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE TABLE audit(
	id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	at       BIGINT NOT NULL,             -- unix nanoseconds
	operator TEXT NOT NULL,
	action   TEXT NOT NULL,                -- login, login.failed, card.suspend, ...
	target   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE kiosk_health(
	kiosk_id    TEXT COLLATE "C" PRIMARY KEY,
	received_at BIGINT NOT NULL,
	version     TEXT NOT NULL DEFAULT '',
	uptime_s    BIGINT NOT NULL DEFAULT 0,
	backlog     BIGINT NOT NULL DEFAULT 0,
	alerts      TEXT NOT NULL DEFAULT '',  -- comma-separated alert names
	printer     TEXT NOT NULL DEFAULT '',
	reader      TEXT NOT NULL DEFAULT ''
);
`, `
CREATE TABLE applications(
	kiosk_id      TEXT COLLATE "C" NOT NULL,
	number        TEXT COLLATE "C" NOT NULL,
	municipality  TEXT COLLATE "C" NOT NULL,
	form          TEXT NOT NULL,
	signed_at     BIGINT NOT NULL,           -- unix seconds (received_at: nanoseconds)
	received_at   BIGINT NOT NULL,
	signer_issuer TEXT COLLATE "C" NOT NULL,
	signer_serial TEXT COLLATE "C" NOT NULL,
	content       BYTEA NOT NULL,
	signed_data   BYTEA NOT NULL,
	PRIMARY KEY (kiosk_id, number)
);
`}
