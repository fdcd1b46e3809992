package offline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ReadOnly is the database opened read-only, for a technician's look beside the running
// kiosk (`kiosk diag`, `kiosk queue`, the status endpoint, technician mode): it never
// writes to the kiosk's database, and SQLite in WAL mode lets it read while the kiosk's
// Store writes. Its queries are Store's (see read.go). It is safe for concurrent use
// (one connection; the statements take turns).
type ReadOnly struct {
	db    *sql.DB
	path  string
	fresh []string // -wal/-shm files this process created (see Close)
}

// OpenReadOnly opens the database at path read-only. It never creates the database:
// a missing file is ErrNoDatabase (`kiosk run` creates it at its first start). A file
// that is not a queue database (or cannot be read at all) is an error too.
func OpenReadOnly(ctx context.Context, path string) (*ReadOnly, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoDatabase, path)
		}
		return nil, fmt.Errorf("offline: open read-only: %w", err)
	}
	r := &ReadOnly{path: path}
	for _, suf := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(path + suf); errors.Is(err, fs.ErrNotExist) {
			r.fresh = append(r.fresh, path+suf)
		}
	}
	db, err := sql.Open("sqlite3", readOnlyDSN(path, DefaultBusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("offline: open %s read-only: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	r.db = db
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		r.Close()
		return nil, fmt.Errorf("offline: read %s: %w", path, err)
	}
	return r, nil
}

// Close closes the database. When it runs as root on a kiosk user's database, the -wal
// and -shm files SQLite created for this read would be root's and lock the kiosk out of
// its own database: they are handed to the database file's owner.
func (r *ReadOnly) Close() error {
	err := r.db.Close()
	fi, serr := os.Stat(r.path)
	if serr != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return err
	}
	for _, f := range r.fresh {
		if _, e := os.Lstat(f); e == nil {
			_ = os.Lchown(f, int(st.Uid), int(st.Gid))
		}
	}
	return err
}

// OpenExisting opens the database at path for a technician's write beside the running
// kiosk (`kiosk queue retry`, `kiosk queue ack`): as Open, but it refuses a file that
// does not exist (ErrNoDatabase: Open would create one) and one that fails quick_check
// (Open would move it aside, which is the kiosk's job at its start).
func OpenExisting(ctx context.Context, path string, opts Options) (*Store, error) {
	r, err := OpenReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	res, err := r.QuickCheck(ctx)
	r.Close()
	if err != nil {
		return nil, err
	}
	if res != "ok" {
		return nil, fmt.Errorf("offline: database damaged (quick_check: %s); start the kiosk to move it aside", res)
	}
	return Open(ctx, path, opts)
}
