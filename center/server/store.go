package server

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// store is what the server needs of its database. Two implement it: sqliteStore (one
// file, one process, the zero-setup default) and pgStore (PostgreSQL through pgx, shared
// by several centerd instances). The SQL of the server is written once, with ? for
// parameters (txn and dbq rewrite it for the store); what differs — schema and its
// migrations, durability checks, how writers are serialised, where one-time challenges
// live, what follows a purge — is here.
type store interface {
	// sql is the database handle (administration, reads).
	sql() *sql.DB
	// placeholders reports whether queries need ? rewritten to $1, $2, ...
	placeholders() bool
	// migrate brings the schema to the newest version; issuers are the IssuerIDs of the
	// center's JPKI roots (for carrying old rows over).
	migrate(ctx context.Context, issuers []string, log *slog.Logger) error
	// beginWrite begins a writing transaction. kiosk, when not "", names the kiosk whose
	// keys, sequence and challenges the transaction reads and writes: every such
	// transaction of one kiosk runs after the previous one committed, also across
	// instances. done must be called after Commit or Rollback.
	beginWrite(ctx context.Context, kiosk string) (tx *txn, done func(), err error)
	// afterPurge runs after stored answers were removed (so that no copy stays behind).
	afterPurge(ctx context.Context) error
	// putChallenge records a one-time challenge v for kiosk until exp, within the caps
	// (a refusal when over them, after dropping expired ones).
	putChallenge(ctx context.Context, v, kiosk string, now, exp time.Time, maxAll, maxKiosk int) error
	// takeChallenge spends challenge v of kiosk inside tx (a refusal when unknown, another
	// kiosk's, used or expired). undo gives it back when tx does not commit.
	takeChallenge(ctx context.Context, tx *txn, v, kiosk string, now time.Time) (undo func(), err error)
	// dropExpiredChallenges forgets challenges that expired before now.
	dropExpiredChallenges(ctx context.Context, now time.Time) error
	// unavailable reports whether err means the database is busy or gone for now (the
	// kiosk should retry, maybe at another instance), not a bug.
	unavailable(err error) bool
	close() error
}

// txn is a transaction whose queries are written with ? placeholders.
type txn struct {
	*sql.Tx
	dollar bool
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, rebind(t.dollar, q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, rebind(t.dollar, q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, rebind(t.dollar, q), args...)
}

// dbq runs single statements outside a transaction, written with ? placeholders.
type dbq struct {
	db     *sql.DB
	dollar bool
}

func (d dbq) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.db.ExecContext(ctx, rebind(d.dollar, q), args...)
}

func (d dbq) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return d.db.QueryRowContext(ctx, rebind(d.dollar, q), args...)
}

func (d dbq) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.db.QueryContext(ctx, rebind(d.dollar, q), args...)
}

// rebind rewrites the ? placeholders of q as $1, $2, ... when dollar is set; a ? inside a
// quoted string or identifier stays.
func rebind(dollar bool, q string) string {
	if !dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Rebind returns q, written with ? placeholders, in the syntax of the server's database
// (for administration commands and tests that query DB directly).
func (s *Server) Rebind(q string) string { return rebind(s.store.placeholders(), q) }

// Store names the server's database kind: "sqlite" or "postgres".
func (s *Server) Store() string {
	if s.store.placeholders() {
		return "postgres"
	}
	return "sqlite"
}
