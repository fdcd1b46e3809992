package offline_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/offline"
)

// TestSecureDeleteRequired: the kiosk's store zeroes what it deletes: the DSN turns
// secure_delete on, and AssertSettings (run by Open) refuses a connection without it.
func TestSecureDeleteRequired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ours := offline.DSN(filepath.Join(dir, "a.db"), 0)
	if !strings.Contains(ours, "_secure_delete=on") {
		t.Fatalf("DSN %s lacks _secure_delete=on", ours)
	}
	without := "file:" + filepath.Join(dir, "b.db") + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_busy_timeout=5000"
	for _, tc := range []struct {
		name, dsn string
		ok        bool
	}{{"our DSN", ours, true}, {"without secure_delete", without, false}} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite3", tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = offline.AssertSettings(ctx, db, 0)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, offline.ErrSettings) {
				t.Fatalf("AssertSettings = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
