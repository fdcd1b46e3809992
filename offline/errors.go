package offline

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// Sentinel errors callers branch on (errors.Is). CanStartSession returns the first four;
// the engine shows an out-of-service screen for each.
var (
	// ErrQueueFull: a cap on undelivered messages (count, age or bytes) is reached.
	ErrQueueFull = errors.New("offline: queue full, waiting for the center")
	// ErrDiskFull: the database reached its size limit or the disk its free-space floor.
	ErrDiskFull = errors.New("offline: disk full")
	// ErrRecoveryPending: Recover has not finished every interrupted session yet.
	ErrRecoveryPending = errors.New("offline: recovery of interrupted sessions pending")
	// ErrFatal: a storage error that must not be retried (failed fsync or other I/O
	// error); the process must exit and be restarted so SQLite recovers from the WAL.
	ErrFatal = errors.New("offline: fatal storage error, restart required")

	// ErrSettings: the database connection does not have the durability settings the
	// DSN asked for; Open refuses to run.
	ErrSettings = errors.New("offline: database settings differ from the DSN")
	// ErrNoDatabase: OpenReadOnly or OpenExisting found no database file (the kiosk
	// creates it at its first start).
	ErrNoDatabase = errors.New("offline: database file does not exist")
	// ErrSessionState: a journal step was called out of order.
	ErrSessionState = errors.New("offline: session step out of order")

	// ErrUploadRefused is for Senders to wrap: the center refused a whole upload for a
	// reason waiting will not fix (a kiosk id that does not match its certificate, a
	// malformed request). Sync still retries with backoff, since the center's side may
	// be fixed, and raises an "upload_refused" alert once per distinct refusal.
	ErrUploadRefused = errors.New("offline: the center refused the upload")
)

// classify maps a SQLite or OS error onto the sentinels: disk full, fatal I/O, or
// corruption (reported as fatal too: the next start quarantines the file).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull:
			return fmt.Errorf("%w: %w", ErrDiskFull, err)
		case sqlite3.ErrIoErr, sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			return fmt.Errorf("%w: %w", ErrFatal, err)
		}
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}
