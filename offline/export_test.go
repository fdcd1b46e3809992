package offline

import (
	"context"
	"database/sql"

	"github.com/mattn/go-sqlite3"
)

// SetCommitFault makes every commit fail with err until the returned func is called.
func SetCommitFault(err error) (restore func()) {
	old := testCommitErr
	testCommitErr = func() error { return err }
	return func() { testCommitErr = old }
}

// ErrFsyncForTest is what SQLite reports for a failed fsync.
var ErrFsyncForTest = sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrFsync}

// EnqueueBulk queues n messages in one transaction (benchmark set-up only).
func EnqueueBulk(s *Store, kind string, payload []byte, n int) error {
	return s.write(context.Background(), func(tx *sql.Tx) error {
		for i := 0; i < n; i++ {
			if err := s.enqueueTx(context.Background(), tx, kind, "", payload); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExecForTest runs a statement on r's connection (to show that it cannot write).
func ExecForTest(ctx context.Context, r *ReadOnly, query string) error {
	_, err := r.db.ExecContext(ctx, query)
	return err
}
