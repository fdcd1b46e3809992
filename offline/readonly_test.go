package offline_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"madoguchi/offline"
)

// verdictSender accepts every message except those whose payload asks to be refused.
type verdictSender struct{}

func (verdictSender) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	out := make([]offline.Result, len(batch))
	for i, m := range batch {
		out[i] = offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted}
		if strings.Contains(string(m.Payload), "refuse-me") {
			out[i].Outcome, out[i].Error = offline.Refused, "unknown issue key"
		}
	}
	return out, nil
}

func openRO(t *testing.T, path string) *offline.ReadOnly {
	t.Helper()
	r, err := offline.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestReadOnly: what the read-only view reports for each kind of queue content, and
// that it agrees with the Store's own answers (they run the same queries).
func TestReadOnly(t *testing.T) {
	const payload = `{"event":"x"}` // 13 bytes
	enqueue := func(t *testing.T, s *offline.Store, p string) {
		t.Helper()
		if err := s.Enqueue(context.Background(), offline.KindAudit, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	sync := func(t *testing.T, s *offline.Store) {
		t.Helper()
		if _, _, err := s.SyncOnce(context.Background(), verdictSender{}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		fill   func(t *testing.T, s *offline.Store, clk *fakeClock)
		want   offline.Stats // Oldest and OldestAgeS checked through oldestAgo
		ago    time.Duration // age of the oldest undelivered message at the look (-1: none)
		states []offline.MessageState
		alerts []string // kinds
	}{
		{name: "empty database", fill: func(*testing.T, *offline.Store, *fakeClock) {}, ago: -1},
		{name: "pending messages", fill: func(t *testing.T, s *offline.Store, clk *fakeClock) {
			enqueue(t, s, payload)
			clk.Advance(30 * time.Second)
			enqueue(t, s, payload)
			clk.Advance(60 * time.Second)
		}, want: offline.Stats{Pending: 2, UndeliveredB: 26, LastSeq: 2}, ago: 90 * time.Second,
			states: []offline.MessageState{offline.StatePending, offline.StatePending}},
		{name: "sent messages", fill: func(t *testing.T, s *offline.Store, clk *fakeClock) {
			enqueue(t, s, payload)
			enqueue(t, s, payload)
			sync(t, s)
		}, want: offline.Stats{Delivered: 2, LastSeq: 2}, ago: -1,
			states: []offline.MessageState{offline.StateDelivered, offline.StateDelivered}},
		{name: "refused message parked with an alert", fill: func(t *testing.T, s *offline.Store, clk *fakeClock) {
			enqueue(t, s, payload)
			enqueue(t, s, `{"event":"refuse-me"}`)
			sync(t, s)
			enqueue(t, s, payload)
			clk.Advance(time.Minute)
		}, want: offline.Stats{Pending: 1, Parked: 1, Delivered: 1, UndeliveredB: 21 + 13, LastSeq: 3, Alerts: 1}, ago: time.Minute,
			states: []offline.MessageState{offline.StateDelivered, offline.StateParked, offline.StatePending},
			alerts: []string{"message_parked"}},
		{name: "acknowledged alert", fill: func(t *testing.T, s *offline.Store, clk *fakeClock) {
			enqueue(t, s, `{"event":"refuse-me"}`)
			sync(t, s)
			al, err := s.Alerts(context.Background())
			if err != nil || len(al) != 1 {
				t.Fatalf("alerts %+v, %v", al, err)
			}
			if err := s.AckAlert(context.Background(), al[0].ID); err != nil {
				t.Fatal(err)
			}
		}, want: offline.Stats{Parked: 1, UndeliveredB: 21, LastSeq: 1}, ago: 0,
			states: []offline.MessageState{offline.StateParked}},
		{name: "sessions open and finished", fill: func(t *testing.T, s *offline.Store, clk *fakeClock) {
			runSession(t, s, "printed", false)
			x, err := s.BeginSession(context.Background(), offline.Intent{CertType: "juminhyo", Copies: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := x.CardChecked(); err != nil {
				t.Fatal(err)
			}
			if _, err := x.RequestSent(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, want: offline.Stats{Pending: 1, LastSeq: 1, OpenSessions: 1}, ago: 0,
			states: []offline.MessageState{offline.StatePending}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kiosk.db")
			clk := newFakeClock()
			s := openStore(t, path, offline.Options{Clock: clk})
			recovered(t, s)
			tc.fill(t, s, clk)
			r := openRO(t, path)
			now := clk.Now()

			if res, err := r.QuickCheck(ctx); err != nil || res != "ok" {
				t.Errorf("QuickCheck = %q, %v", res, err)
			}
			st, err := r.Stats(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ago < 0 {
				if st.Oldest != nil || st.OldestAgeS != 0 {
					t.Errorf("oldest %v (%v s), want none", st.Oldest, st.OldestAgeS)
				}
			} else if st.Oldest == nil || !st.Oldest.Equal(now.Add(-tc.ago)) || st.OldestAgeS != tc.ago.Seconds() {
				t.Errorf("oldest %v (%v s), want %s ago", st.Oldest, st.OldestAgeS, tc.ago)
			}
			got := st
			got.Oldest, got.OldestAgeS = nil, 0
			if tc.name == "sessions open and finished" {
				got.UndeliveredB = 0 // the completed message's payload carries random ids
			}
			if got != tc.want {
				t.Errorf("Stats = %+v\nwant    %+v", got, tc.want)
			}

			all, err := r.List(ctx, now)
			if err != nil || all == nil {
				t.Fatalf("List = %v, %v", all, err)
			}
			var states []offline.MessageState
			for i, m := range all {
				states = append(states, m.State)
				if m.Seq != int64(i+1) || m.Key == "" || m.Bytes == 0 || m.Created.IsZero() {
					t.Errorf("message %d: %+v", i, m)
				}
				if (m.State == offline.StatePending) != (m.Done == nil) {
					t.Errorf("message %d: state %s, done %v", i, m.State, m.Done)
				}
				if m.State == offline.StateParked && (m.LastError != "unknown issue key" || m.Attempts != 1) {
					t.Errorf("parked message %+v", m)
				}
			}
			if !reflect.DeepEqual(states, tc.states) {
				t.Errorf("states %v, want %v", states, tc.states)
			}
			waiting, err := r.List(ctx, now, offline.StatePending, offline.StateParked)
			if err != nil {
				t.Fatal(err)
			}
			if len(waiting) != st.Pending+st.Parked {
				t.Errorf("List(pending, parked) has %d, stats say %d", len(waiting), st.Pending+st.Parked)
			}

			al, err := r.Alerts(ctx)
			if err != nil || al == nil {
				t.Fatalf("Alerts = %v, %v", al, err)
			}
			var kinds []string
			for _, a := range al {
				kinds = append(kinds, a.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.alerts) {
				t.Errorf("alert kinds %v, want %v", kinds, tc.alerts)
			}

			// The Store answers the same.
			if sal, err := s.Alerts(ctx); err != nil || !reflect.DeepEqual(sal, al) {
				t.Errorf("Store.Alerts = %+v, %v; ReadOnly.Alerts = %+v", sal, err, al)
			}
			sb, err1 := s.Backlog(ctx)
			rb, err2 := r.Backlog(ctx)
			if err1 != nil || err2 != nil || sb != rb {
				t.Errorf("Store.Backlog = %+v, %v; ReadOnly.Backlog = %+v, %v", sb, err1, rb, err2)
			}
			if rb.Count != st.Pending+st.Parked || rb.Parked != st.Parked || rb.Bytes != st.UndeliveredB || rb.Seq != st.LastSeq {
				t.Errorf("Backlog %+v disagrees with Stats %+v", rb, st)
			}
		})
	}
}

func TestOpenReadOnlyRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notSQLite := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notSQLite, []byte(strings.Repeat("this is not sqlite ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		noDB    bool // errors.Is ErrNoDatabase
		created bool // the file exists afterwards
	}{
		{"missing file", filepath.Join(dir, "none.db"), true, false},
		{"missing directory", filepath.Join(dir, "nodir", "kiosk.db"), true, false},
		{"not a database", notSQLite, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for name, open := range map[string]func() error{
				"OpenReadOnly": func() error {
					r, err := offline.OpenReadOnly(ctx, tc.path)
					if err == nil {
						r.Close()
					}
					return err
				},
				"OpenExisting": func() error {
					s, err := offline.OpenExisting(ctx, tc.path, offline.Options{})
					if err == nil {
						s.Close()
					}
					return err
				},
			} {
				err := open()
				if err == nil {
					t.Fatalf("%s opened %s", name, tc.path)
				}
				if errors.Is(err, offline.ErrNoDatabase) != tc.noDB {
					t.Errorf("%s: %v; ErrNoDatabase %v", name, err, tc.noDB)
				}
				if !strings.Contains(err.Error(), tc.path) {
					t.Errorf("%s: %q does not name the file", name, err)
				}
				if tc.noDB && !strings.Contains(err.Error(), "does not exist") {
					t.Errorf("%s: %q does not say the file is missing", name, err)
				}
				if _, err := os.Stat(tc.path); (err == nil) != tc.created {
					t.Errorf("%s: file exists afterwards: %v", name, err == nil)
				}
				if m, _ := filepath.Glob(tc.path + ".corrupt-*"); len(m) > 0 {
					t.Errorf("%s moved the file aside: %v", name, m)
				}
			}
		})
	}
}

func fileDigest(t *testing.T, paths ...string) [sha256.Size]byte {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		h.Write(b)
	}
	var d [sha256.Size]byte
	h.Sum(d[:0])
	return d
}

// TestReadOnlyCannotWrite: the view has no write method, and its connection refuses
// a write; reading leaves the files as they were.
func TestReadOnlyCannotWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := queueWith(t, path, 1)
	s.Close()
	before := fileDigest(t, path, path+"-wal")
	r := openRO(t, path)
	for _, q := range []string{
		`INSERT INTO alerts(at, kind, detail) VALUES (0, 'x', 'y')`,
		`UPDATE outbox SET state='delivered'`,
		`DELETE FROM outbox`,
		`CREATE TABLE t(x)`,
	} {
		if err := offline.ExecForTest(ctx, r, q); err == nil || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("%s: %v, want a read-only refusal", q, err)
		}
	}
	if _, err := r.Stats(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.List(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if after := fileDigest(t, path, path+"-wal"); after != before {
		t.Error("a read-only look changed the database")
	}
}

// TestReadOnlyBesideStore: a technician's look while the kiosk's Store has the file
// open: it sees what is committed, and the Store keeps writing meanwhile.
func TestReadOnlyBesideStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := queueWith(t, path, 1)
	r := openRO(t, path)
	if st, err := r.Stats(ctx, time.Now()); err != nil || st.Pending != 1 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 1}); err != nil {
		t.Fatalf("Store write beside a read-only look: %v", err)
	}
	if _, _, err := s.SyncOnce(ctx, verdictSender{}); err != nil {
		t.Fatal(err)
	}
	if st, err := r.Stats(ctx, time.Now()); err != nil || st.Pending != 0 || st.Delivered != 2 {
		t.Fatalf("Stats after the Store's writes = %+v, %v", st, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 2}); err != nil {
		t.Fatalf("Store write after the look: %v", err)
	}
}

// TestOpenExisting: a technician's write opens only a sound existing file.
func TestOpenExisting(t *testing.T) {
	ctx := context.Background()
	t.Run("sound", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kiosk.db")
		s := openStore(t, path, offline.Options{})
		recovered(t, s)
		if err := s.Enqueue(ctx, offline.KindAudit, []byte(`{"event":"refuse-me"}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SyncOnce(ctx, verdictSender{}); err != nil {
			t.Fatal(err)
		}
		tech, err := offline.OpenExisting(ctx, path, offline.Options{MinFreeDiskBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer tech.Close()
		if err := tech.Requeue(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if b, err := s.Backlog(ctx); err != nil || b.Parked != 0 || b.Count != 1 {
			t.Fatalf("backlog after the technician's retry: %+v, %v", b, err)
		}
	})
	damage := []struct {
		name string
		hurt func(t *testing.T, path string)
		want string // in the error
	}{
		{"scribbled pages", func(t *testing.T, path string) { scribblePages(t, path) }, ""},
		{"one table's page (readable, fails quick_check)", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			var root int64
			err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name='sessions'`).Scan(&root)
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.WriteAt([]byte{0xff}, (root-1)*offline.PageSize) // not a b-tree page type
		}, "database damaged (quick_check:"},
	}
	for _, tc := range damage {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			queueWith(t, path, 30).Close()
			os.Remove(path + "-wal")
			os.Remove(path + "-shm")
			tc.hurt(t, path)
			before := fileDigest(t, path)
			tech, err := offline.OpenExisting(ctx, path, offline.Options{})
			if err == nil {
				tech.Close()
				t.Fatal("OpenExisting opened a damaged database")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) > 0 {
				t.Errorf("OpenExisting moved the file aside: %v", m)
			}
			if fileDigest(t, path) != before {
				t.Error("OpenExisting changed the damaged file")
			}
		})
	}
}
