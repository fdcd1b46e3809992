package offline_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"madoguchi/offline"
)

func TestAssertSettings(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name    string
		dsn     string
		wantErr bool
	}{
		{"our DSN", offline.DSN(filepath.Join(dir, "a.db"), 0), false},
		{"driver default is NORMAL", "file:" + filepath.Join(dir, "b.db") + "?_journal_mode=WAL&_foreign_keys=1", true},
		{"rollback journal", "file:" + filepath.Join(dir, "c.db") + "?_synchronous=FULL&_foreign_keys=1", true},
		{"no foreign keys", "file:" + filepath.Join(dir, "d.db") + "?_journal_mode=WAL&_synchronous=FULL", true},
		{"other busy timeout", "file:" + filepath.Join(dir, "e.db") + "?_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_busy_timeout=10", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite3", tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = offline.AssertSettings(ctx, db, 0)
			if tc.wantErr != (err != nil) {
				t.Fatalf("AssertSettings = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, offline.ErrSettings) {
				t.Fatalf("error %v is not ErrSettings", err)
			}
		})
	}
}

// The DSN's _txlock=immediate cannot be read back: check that a transaction holds the
// write lock from BEGIN (a second connection cannot begin a write).
func TestTransactionsAreImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	s := openStore(t, path, offline.Options{})
	_ = s
	a, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sql.Open("sqlite3", strings.Replace(offline.DSN(path, 0), "_busy_timeout=5000", "_busy_timeout=1", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tx, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tx2, err := b.Begin()
	if err == nil {
		tx2.Rollback()
		t.Fatal("second BEGIN succeeded while the first transaction is open: BEGIN is not IMMEDIATE")
	}
	if !strings.Contains(err.Error(), "locked") && !strings.Contains(err.Error(), "busy") {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		opts offline.Options
		ok   bool
	}{
		{"zero means defaults", offline.Options{}, true},
		{"negative batch", offline.Options{BatchSize: -1}, false},
		{"negative retention", offline.Options{Retention: -time.Hour}, false},
		{"max below base", offline.Options{BackoffBase: time.Minute, BackoffMax: time.Second}, false},
		{"reserve above size", offline.Options{MaxDBBytes: 1 << 20, ReserveBytes: 2 << 20}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := offline.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"), tc.opts)
			if err == nil {
				s.Close()
			}
			if tc.ok != (err == nil) {
				t.Fatalf("Open = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestCorruptDatabaseIsQuarantined(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"not a database", func(t *testing.T, path string) {
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
			if err := os.WriteFile(path, []byte(strings.Repeat("this is not sqlite ", 400)), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"damaged pages", func(t *testing.T, path string) { scribblePages(t, path) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "kiosk.db")
			queueWith(t, path, 30).Close()
			tc.corrupt(t, path)

			s2 := openStore(t, path, offline.Options{})
			if s2.Quarantined == "" {
				t.Fatal("corrupt database was not quarantined")
			}
			if _, err := os.Stat(s2.Quarantined); err != nil {
				t.Fatalf("quarantined file missing: %v", err)
			}
			if res, err := s2.QuickCheck(ctx); err != nil || res != "ok" {
				t.Fatalf("fresh database quick_check = %q, %v", res, err)
			}
			alerts, err := s2.Alerts(ctx)
			if err != nil || len(alerts) != 1 || alerts[0].Kind != "database_quarantined" {
				t.Fatalf("alerts = %+v, %v; want one database_quarantined", alerts, err)
			}
			// The sequence continues past whatever was salvaged (at least the gap).
			recovered(t, s2)
			if err := s2.Enqueue(ctx, offline.KindAudit, map[string]string{"after": "quarantine"}); err != nil {
				t.Fatal(err)
			}
			b, _ := s2.Backlog(ctx)
			if b.Seq <= offline.DefaultQuarantineSeqGap {
				t.Fatalf("sequence after quarantine = %d, want > %d", b.Seq, offline.DefaultQuarantineSeqGap)
			}
		})
	}
}

func TestDiskFullRefusesSessionsAndKeepsQueue(t *testing.T) {
	tests := []struct {
		name    string
		reserve int64
		restart bool
	}{
		// Standalone enqueues stop at the reserve, so sessions already running finish.
		{"reserve lets running sessions finish", 32 << 10, false},
		// No reserve: session writes run into max_page_count (SQLITE_FULL, as a full disk).
		{"SQLITE_FULL from max_page_count", 1, false},
		{"SQLITE_FULL then restart", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kiosk.db")
			// The default batch of 100 padded messages passes the center's 64 KiB request
			// limit: the link sends what fits and the rest goes next.
			opts := offline.Options{MaxDBBytes: 256 << 10, ReserveBytes: tc.reserve, MaxPendingBytes: 1 << 30, MaxPending: 1 << 30}
			s := openStore(t, path, opts)
			recovered(t, s)
			c := startCenter(t)
			runSessionWith(t, s, c.issuer(t, "k1"), "printed", true) // its close waits for the next commit
			var running []*offline.Session
			for i := 0; i < 30; i++ {
				x, err := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
				if err != nil {
					t.Fatal(err)
				}
				x.CardChecked()
				running = append(running, x)
			}
			big := strings.Repeat("x", 2000)
			var err error
			for i := 0; i < 1000 && err == nil; i++ {
				err = s.Enqueue(ctx, offline.KindAudit, map[string]any{"i": i, "pad": big})
			}
			if !errors.Is(err, offline.ErrDiskFull) {
				t.Fatalf("filling the database: got %v, want ErrDiskFull", err)
			}
			var unclosed []*offline.Session
			sawFull := false
			for _, x := range running {
				_, err := x.RequestSent(ctx)
				if err == nil {
					err = x.Close(ctx, "timeout")
				}
				if err != nil {
					if !errors.Is(err, offline.ErrDiskFull) || !strings.Contains(err.Error(), "database or disk is full") {
						t.Fatalf("session write on a full database: %v, want SQLITE_FULL as ErrDiskFull", err)
					}
					sawFull = true
					unclosed = append(unclosed, x)
				}
			}
			if tc.reserve > 1 && sawFull {
				t.Fatal("a running session could not finish inside the reserve")
			}
			if tc.reserve == 1 && !sawFull {
				t.Fatal("no write met SQLITE_FULL: the test did not reach max_page_count")
			}
			if err := s.CanStartSession(ctx); !errors.Is(err, offline.ErrDiskFull) {
				t.Fatalf("CanStartSession = %v, want ErrDiskFull", err)
			}
			if _, err := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1}); !errors.Is(err, offline.ErrDiskFull) {
				t.Fatalf("BeginSession = %v, want ErrDiskFull", err)
			}
			if tc.restart {
				s.Close()
				s = openStore(t, path, opts)
			}
			// Nothing already queued is lost, and a full database can still drain.
			cl := c.link(t, "k1")
			if _, _, err := s.SyncOnce(ctx, cl); err != nil {
				t.Fatalf("drain on a full database: %v", err)
			}
			if tc.restart {
				if _, err := s.Recover(ctx, cl); err != nil {
					t.Fatalf("Recover after the drain: %v", err)
				}
			} else {
				for _, x := range unclosed {
					if err := x.Close(ctx, "timeout"); err != nil {
						t.Fatalf("close after the drain: %v", err)
					}
				}
			}
			if _, _, err := s.SyncOnce(ctx, cl); err != nil {
				t.Fatal(err)
			}
			b, _ := s.Backlog(ctx)
			if b.Count != 0 {
				t.Fatalf("backlog after drain: %+v", b)
			}
			checkCenter(t, c, "k1", int(b.Seq), false)
			if err := s.CanStartSession(ctx); err != nil {
				t.Fatalf("CanStartSession after the drain = %v, want back in service", err)
			}
			if n, _ := s.Unfinished(ctx); n != 0 {
				t.Fatalf("%d sessions unfinished", n)
			}
			if res, _ := s.QuickCheck(ctx); res != "ok" {
				t.Fatalf("quick_check = %q", res)
			}
		})
	}
}

func TestFailedCommitIsFatal(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "", offline.Options{})
	recovered(t, s)
	restore := offline.SetCommitFault(offline.ErrFsyncForTest)
	err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"a": 1})
	restore()
	if !errors.Is(err, offline.ErrFatal) {
		t.Fatalf("Enqueue with failing fsync = %v, want ErrFatal", err)
	}
	select {
	case <-s.Fatal():
	default:
		t.Fatal("Fatal channel not closed")
	}
	// Never retried: every later write and session start refuses.
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"a": 2}); !errors.Is(err, offline.ErrFatal) {
		t.Fatalf("write after fatal = %v, want ErrFatal", err)
	}
	if err := s.CanStartSession(ctx); !errors.Is(err, offline.ErrFatal) {
		t.Fatalf("CanStartSession after fatal = %v", err)
	}
}
