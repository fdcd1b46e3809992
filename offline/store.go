package offline

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
)

const schemaVersion = "1"

// schema: see doc.go "# Tables" for what each column may hold.
const schema = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  id         TEXT PRIMARY KEY,
  issue_key  TEXT NOT NULL,
  cert_type  TEXT NOT NULL,
  copies     INTEGER NOT NULL,
  fee        INTEGER NOT NULL DEFAULT 0,
  state      TEXT NOT NULL,
  steps      TEXT NOT NULL,
  outcome    TEXT NOT NULL DEFAULT '',
  flag       TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  key        TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  payload    BLOB NOT NULL,
  session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','parked')),
  created_at INTEGER NOT NULL,
  done_at    INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS alerts (
  id     INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  detail TEXT NOT NULL,
  acked  INTEGER NOT NULL DEFAULT 0
) STRICT;
`

// PageSize is the page size of a new database. Small pages keep the bytes written per
// commit low: a commit appends one WAL frame (page + 24 bytes) per page it changed,
// and a journal step changes four (session row, outbox row, key index, sequence).
const PageSize = 1024

// DSN returns the connection string for the database at path. Every durability
// setting lives here so that each connection the pool opens gets it (mattn/go-sqlite3
// would otherwise set synchronous=NORMAL), and secure_delete: what the kiosk deletes
// (delivered messages past retention, finished sessions) is zeroed in the file, not left
// in free pages.
func DSN(path string, busy time.Duration) string {
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	v.Set("_txlock", "immediate")
	v.Set("_foreign_keys", "1")
	v.Set("_secure_delete", "on")
	return fileURI(path) + "?" + v.Encode()
}

// readOnlyDSN is the connection string of a read-only look (ReadOnly): it never
// creates the file and never writes to it; busy is how long a read waits for the
// kiosk's writer.
func readOnlyDSN(path string, busy time.Duration) string {
	v := url.Values{}
	v.Set("mode", "ro")
	v.Set("_busy_timeout", fmt.Sprint(busy.Milliseconds()))
	return fileURI(path) + "?" + v.Encode()
}

// fileURI is path as an SQLite file: URI, without parameters.
func fileURI(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

// Store is the kiosk's durable journal and outbox in one SQLite file. It is safe for
// concurrent use; all writes go through one connection (one writer).
type Store struct {
	db    *sql.DB
	path  string
	opts  Options
	clock Clock

	fatal    atomic.Pointer[error]
	fatalCh  chan struct{}
	fatalMu  sync.Once
	diskFull atomic.Bool
	fullUsed atomic.Int64 // bytes in use when a write last failed with SQLITE_FULL (0: none since)

	recovered atomic.Bool
	commits   atomic.Int64

	wake  chan struct{} // new message committed
	netUp chan struct{} // network returned: reset backoff

	// cursor: every outbox row with seq <= cursor is delivered or parked. Only the
	// sync worker moves it; kept in memory, rebuilt from the table at start.
	cursor atomic.Int64

	closeMu sync.Mutex
	closes  []closeNote // closes of finished sessions, written with the next commit

	Quarantined string // non-empty: the corrupt database was moved to this path at Open
}

// Open opens (creating if needed) the database at path, asserts the durability
// settings, runs quick_check and creates the schema. A corrupt database is moved
// aside whole (db, -wal, -shm) with a timestamp, a fresh one is started and an alert
// is recorded for the technician; Store.Quarantined names the moved file. Open
// refuses to run (ErrSettings) when the settings read back differ from the DSN.
// After Open, call Recover before starting sessions.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, path, opts)
	if err == nil {
		return s, nil
	}
	if !isCorrupt(err) {
		return nil, err
	}
	last := salvageLastSeq(path, opts)
	moved, qerr := quarantine(path, opts.Clock.Now())
	if qerr != nil {
		return nil, fmt.Errorf("offline: quarantine corrupt database: %w (after %w)", qerr, err)
	}
	s, err2 := open(ctx, path, opts)
	if err2 != nil {
		return nil, err2
	}
	s.Quarantined = moved
	next := last + opts.QuarantineSeqGap
	err2 = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO sqlite_sequence(name, seq) VALUES ('outbox', ?)`, next); err != nil {
			return err
		}
		return s.alertTx(ctx, tx, "database_quarantined",
			fmt.Sprintf("corrupt database (%v) moved to %s; fresh database started, sequence continues after %d", err, moved, next))
	})
	if err2 != nil {
		s.Close()
		return nil, fmt.Errorf("offline: start fresh database: %w", err2)
	}
	s.cursor.Store(next)
	return s, nil
}

type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

func open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := precreate(path); err != nil {
		return nil, err
	}
	drv := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// Not durability settings: the size cap and a bound on the WAL's high-water size.
		_, err := c.Exec(fmt.Sprintf("PRAGMA max_page_count = %d; PRAGMA journal_size_limit = %d;",
			opts.MaxDBBytes/PageSize, 4<<20), nil)
		return err
	}}
	db := sql.OpenDB(connector{dsn: DSN(path, opts.BusyTimeout), drv: drv})
	db.SetMaxOpenConns(1) // one writer; reads share it (one process, short statements)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := &Store{db: db, path: path, opts: opts, clock: opts.Clock,
		fatalCh: make(chan struct{}), wake: make(chan struct{}, 1), netUp: make(chan struct{}, 1)}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// precreate gives a new database file its page size, which cannot change once the
// file is in WAL mode (the driver switches to WAL as it opens a connection), and mode
// 0600 whatever the umask of whoever starts the kiosk (SQLite gives the -wal and -shm
// files the database's mode). An existing file readable by others is narrowed to 0600.
func precreate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("offline: create database: %w", err)
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return fmt.Errorf("offline: create database: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("offline: database mode: %w", err)
		}
	}
	if st.Size() > 0 {
		return nil
	}
	c, err := (&sqlite3.SQLiteDriver{}).Open(fileURI(path) + "?_synchronous=FULL")
	if err != nil {
		return fmt.Errorf("offline: create database: %w", err)
	}
	defer c.Close()
	sc := c.(*sqlite3.SQLiteConn)
	if _, err := sc.Exec(fmt.Sprintf("PRAGMA page_size = %d; CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;", PageSize), nil); err != nil {
		return fmt.Errorf("offline: create database: %w", err)
	}
	return nil
}

func (s *Store) init(ctx context.Context) error {
	if err := AssertSettings(ctx, s.db, s.opts.BusyTimeout); err != nil {
		return err
	}
	res, err := quickCheck(ctx, s.db)
	if err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("offline: quick_check: %s: %w", res, sqlite3.Error{Code: sqlite3.ErrCorrupt})
	}
	var have string
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key='schema'`).Scan(&have)
	switch {
	case err == nil && have == schemaVersion:
	case err == nil:
		return fmt.Errorf("offline: schema version %q, want %q", have, schemaVersion)
	default:
		// Fresh database (or no meta table yet): create the schema in one transaction.
		err = s.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, schema); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)`, schemaVersion)
			return err
		})
		if err != nil {
			return fmt.Errorf("offline: create schema: %w", err)
		}
	}
	var low sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT min(seq) FROM outbox WHERE state='pending'`).Scan(&low); err != nil {
		return fmt.Errorf("offline: read outbox: %w", err)
	}
	if low.Valid {
		s.cursor.Store(low.Int64 - 1)
	} else {
		var hi sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT max(seq) FROM outbox`).Scan(&hi); err != nil {
			return fmt.Errorf("offline: read outbox: %w", err)
		}
		s.cursor.Store(hi.Int64)
	}
	return nil
}

// AssertSettings reads the connection's settings back and returns ErrSettings unless
// they are WAL, synchronous=FULL, foreign keys on, secure_delete on and the busy timeout
// asked for.
// (_txlock=immediate cannot be read back; a test checks that transactions take the
// write lock at BEGIN.)
func AssertSettings(ctx context.Context, db *sql.DB, busy time.Duration) error {
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	want := []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"foreign_keys", "1"},
		{"secure_delete", "1"},
		{"busy_timeout", fmt.Sprint(busy.Milliseconds())},
	}
	for _, w := range want {
		var got string
		if err := db.QueryRowContext(ctx, "PRAGMA "+w.pragma).Scan(&got); err != nil {
			return fmt.Errorf("offline: read %s: %w", w.pragma, err)
		}
		if strings.ToLower(got) != w.want {
			return fmt.Errorf("%w: %s = %s, want %s", ErrSettings, w.pragma, got, w.want)
		}
	}
	return nil
}

// salvageLastSeq tries to read the highest outbox sequence from a corrupt database;
// 0 when nothing can be read.
func salvageLastSeq(path string, opts Options) int64 {
	db, err := sql.Open("sqlite3", fileURI(path)+"?mode=ro")
	if err != nil {
		return 0
	}
	defer db.Close()
	var best int64
	for _, q := range []string{`SELECT seq FROM sqlite_sequence WHERE name='outbox'`, `SELECT max(seq) FROM outbox`} {
		var v sql.NullInt64
		if db.QueryRow(q).Scan(&v) == nil && v.Int64 > best {
			best = v.Int64
		}
	}
	return best
}

// quarantine moves path, path-wal and path-shm to path.corrupt-<UTC timestamp>{,-wal,-shm}.
func quarantine(path string, now time.Time) (string, error) {
	dst := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405.000000000Z"))
	for _, suf := range []string{"", "-wal", "-shm"} {
		err := os.Rename(path+suf, dst+suf)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // make the renames durable
		d.Close()
	}
	return dst, nil
}

// Close closes the database. Pending messages stay queued for the next start.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Fatal returns a channel closed when the store hit a fatal storage error; the
// process must exit so that it is restarted (a failed fsync is never retried).
func (s *Store) Fatal() <-chan struct{} { return s.fatalCh }

// Err returns the fatal error, if any.
func (s *Store) Err() error {
	if p := s.fatal.Load(); p != nil {
		return *p
	}
	return nil
}

// Commits returns the number of write transactions committed since Open.
func (s *Store) Commits() int64 { return s.commits.Load() }

// write runs fn in one BEGIN IMMEDIATE transaction and commits it. Errors are
// classified: a disk-full error marks the store full; an I/O error (e.g. a failed
// fsync at commit) marks it fatal, after which every write fails with ErrFatal.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := s.Err(); err != nil {
		return err
	}
	// Must-finish writes: a cancelled caller must not abort a commit half way.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(fmt.Errorf("offline: begin: %w", err))
	}
	var closes []closeNote
	if !s.diskFull.Load() { // on a full disk the closes wait (a restart writes them anyway)
		closes = s.takeCloses()
	}
	for _, c := range closes {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET state='closed', steps=steps||',closed', updated_at=? WHERE id=? AND state IN ('printed','print_failed')`, c.at, c.id); err != nil {
			tx.Rollback()
			s.putCloses(closes)
			return s.fail(err)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		s.putCloses(closes)
		return s.fail(err)
	}
	if err := testCommitErr(); err != nil {
		tx.Rollback()
		s.putCloses(closes)
		return s.fail(fmt.Errorf("offline: commit: %w", err))
	}
	if err := tx.Commit(); err != nil {
		s.putCloses(closes)
		return s.fail(fmt.Errorf("offline: commit: %w", err))
	}
	s.commits.Add(1)
	return nil
}

// Flush commits the closes of finished sessions that are waiting to ride on the next
// commit, if any (cmd/kiosk calls it at shutdown; nothing is lost without it).
func (s *Store) Flush(ctx context.Context) error {
	s.closeMu.Lock()
	n := len(s.closes)
	s.closeMu.Unlock()
	if n == 0 {
		return nil
	}
	return s.write(ctx, func(*sql.Tx) error { return nil })
}

type closeNote struct {
	id string
	at int64
}

// takeCloses returns the session closes waiting to ride on the next commit.
func (s *Store) takeCloses() []closeNote {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	c := s.closes
	s.closes = nil
	return c
}

func (s *Store) putCloses(c []closeNote) {
	s.closeMu.Lock()
	s.closes = append(c, s.closes...)
	s.closeMu.Unlock()
}

// testCommitErr is the fault-injection seam for a failing commit (tests only).
var testCommitErr = func() error { return nil }

func (s *Store) fail(err error) error {
	c := classify(err)
	switch {
	case errors.Is(c, ErrDiskFull):
		s.diskFull.Store(true)
		// Remember how full a write found the database: new sessions wait until a
		// tenth of it is free again (otherwise a reserve smaller than one write would
		// let the next session start and fail half way).
		if u, err := s.used(context.Background()); err == nil {
			s.fullUsed.Store(u)
		}
	case errors.Is(c, ErrFatal):
		s.fatalMu.Do(func() {
			s.fatal.Store(&c)
			close(s.fatalCh)
		})
	}
	return c
}

func (s *Store) alertTx(ctx context.Context, tx *sql.Tx, kind, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO alerts(at, kind, detail) VALUES (?, ?, ?)`,
		s.clock.Now().UnixMilli(), kind, detail)
	return err
}

// AckAlert marks an alert as seen by the technician.
func (s *Store) AckAlert(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE alerts SET acked=1 WHERE id=?`, id)
		return err
	})
}

// CanStartSession tells the engine whether a new session may begin. It returns nil,
// or one of ErrRecoveryPending, ErrFatal, ErrDiskFull, ErrQueueFull (wrapped with the
// detail) for the out-of-service screen. It only reads.
func (s *Store) CanStartSession(ctx context.Context) error {
	if err := s.Err(); err != nil {
		return err
	}
	if !s.recovered.Load() {
		return ErrRecoveryPending
	}
	used, err := s.used(ctx)
	if err != nil {
		return err
	}
	if used+s.opts.ReserveBytes > s.opts.MaxDBBytes {
		s.diskFull.Store(true)
		return fmt.Errorf("%w: database uses %d of %d bytes", ErrDiskFull, used, s.opts.MaxDBBytes)
	}
	if fu := s.fullUsed.Load(); fu > 0 {
		if used > fu-s.opts.MaxDBBytes/10 {
			return fmt.Errorf("%w: a write found the database full at %d bytes; %d in use", ErrDiskFull, fu, used)
		}
		s.fullUsed.Store(0)
	}
	// A file system that reports no size at all (some FUSE file systems do not
	// implement statfs) cannot be checked; it is not taken for a full one.
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(s.path), &st); err == nil && st.Blocks > 0 {
		avail := int64(st.Bavail) * int64(st.Bsize)
		if avail < s.opts.MinFreeDiskBytes {
			s.diskFull.Store(true)
			return fmt.Errorf("%w: %d bytes free on the data partition", ErrDiskFull, avail)
		}
	}
	s.diskFull.Store(false)
	b, err := s.Backlog(ctx)
	if err != nil {
		return err
	}
	switch {
	case b.Count >= s.opts.MaxPending:
		return fmt.Errorf("%w: %d messages undelivered (cap %d)", ErrQueueFull, b.Count, s.opts.MaxPending)
	case b.Bytes >= s.opts.MaxPendingBytes:
		return fmt.Errorf("%w: %d bytes undelivered (cap %d)", ErrQueueFull, b.Bytes, s.opts.MaxPendingBytes)
	case b.Count > 0 && !b.Oldest.Before(s.opts.ClockFloor) && s.clock.Now().Sub(b.Oldest) >= s.opts.MaxPendingAge:
		return fmt.Errorf("%w: oldest undelivered message queued %s (cap %s)", ErrQueueFull, b.Oldest.UTC().Format(time.RFC3339), s.opts.MaxPendingAge)
	}
	return nil
}

// used returns the bytes the database's pages in use take (free-list pages excluded).
func (s *Store) used(ctx context.Context) (int64, error) {
	var pages, free, pageSize int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_size FROM pragma_page_size)`).Scan(&pages, &free, &pageSize); err != nil {
		return 0, fmt.Errorf("offline: read page count: %w", err)
	}
	return (pages - free) * pageSize, nil
}
