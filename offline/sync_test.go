package offline_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/offline"
)

func TestBackoff(t *testing.T) {
	base, max := time.Second, time.Minute
	tests := []struct {
		n        int
		rnd      float64
		min, top time.Duration
	}{
		{1, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{1, 0.999, 500 * time.Millisecond, time.Second},
		{2, 0, time.Second, time.Second},
		{4, 0.5, 4 * time.Second, 8 * time.Second},
		{7, 0.999, 30 * time.Second, time.Minute},
		{100, 0.999, 30 * time.Second, time.Minute},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			got := offline.Backoff(tc.n, base, max, func() float64 { return tc.rnd })
			if got < tc.min || got > tc.top {
				t.Fatalf("Backoff(%d, rnd=%v) = %v, want in [%v, %v]", tc.n, tc.rnd, got, tc.min, tc.top)
			}
		})
	}
}

// runSync starts the worker and returns a stop function and the failure counter.
func runSync(t *testing.T, s *offline.Store, snd offline.Sender) (stop func(), failures *atomic.Int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	failures = new(atomic.Int64)
	done := make(chan error, 1)
	go func() {
		done <- s.Sync(ctx, snd, func(st offline.SyncStatus) {
			if st.Failures > 0 {
				failures.Add(1)
			}
		})
	}()
	return func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Sync: %v", err)
		}
	}, failures
}

func waitDrained(t *testing.T, s *offline.Store, parked int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := s.Backlog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b.Count == parked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %+v", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkCenter(t *testing.T, c *testCenter, kiosk string, want int, wantDups bool) {
	t.Helper()
	st := c.Faults().Stats()
	if st.Accepted != want {
		t.Errorf("center applied %d messages, want %d", st.Accepted, want)
	}
	if len(st.Conflicts) > 0 {
		t.Errorf("conflicts: %v", st.Conflicts)
	}
	if wantDups && st.Duplicates == 0 {
		t.Errorf("no duplicate was answered: the retry-after-commit path was not exercised")
	}
	if gaps, max := c.Faults().Gaps(kiosk); len(gaps) > 0 || max != int64(want) {
		t.Errorf("sequence gaps %v, max %d (want none, max %d)", gaps, max, want)
	}
	if gaps, err := c.Server().SequenceGaps(context.Background(), kiosk); err != nil || len(gaps) > 0 {
		t.Errorf("the center's own sequence gaps: %v, %v", gaps, err)
	}
}

func TestSyncHTTPFaults(t *testing.T) {
	type faults = []centertest.Fault
	tests := []struct {
		name     string
		faults   faults
		wantDups bool
		quiet    bool // the queue sees no failed upload (a partial answer is a success)
	}{
		{"healthy", nil, false, true},
		{"connection reset", faults{centertest.FaultReset, centertest.FaultReset}, false, false},
		{"5xx", faults{centertest.Fault5xx, centertest.Fault5xx, centertest.Fault5xx}, false, false},
		{"slow beyond the timeout", faults{centertest.FaultSlow}, true, false},
		{"reply lost after commit", faults{centertest.FaultDropReply, centertest.FaultNone, centertest.FaultDropReply}, true, false},
		{"garbage reply after commit", faults{centertest.FaultGarbage}, true, false},
		{"garbage reply without commit", faults{centertest.FaultGarbageNoApply}, false, false},
		{"partial reply after commit", faults{centertest.FaultPartialReply, centertest.FaultPartialReply}, true, true},
		{"everything", faults{centertest.FaultReset, centertest.FaultSlow, centertest.Fault5xx,
			centertest.FaultDropReply, centertest.FaultGarbage, centertest.FaultGarbageNoApply, centertest.FaultPartialReply}, true, false},
	}
	const n = 25
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t, "", offline.Options{BatchSize: 10, BackoffBase: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond, SendTimeout: 300 * time.Millisecond})
			recovered(t, s)
			c := startCenter(t)
			c.Faults().SetSlowDelay(time.Second)
			c.Faults().Inject(tc.faults...)
			for i := 0; i < n; i++ {
				if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": i}); err != nil {
					t.Fatal(err)
				}
			}
			stop, failures := runSync(t, s, c.link(t, "k1"))
			waitDrained(t, s, 0)
			stop()
			checkCenter(t, c, "k1", n, tc.wantDups)
			if !tc.quiet && failures.Load() == 0 {
				t.Error("no failed upload was reported")
			}
		})
	}
}

func TestSyncCenterDownThenNetworkUp(t *testing.T) {
	ctx := context.Background()
	// A huge backoff: only NetworkUp can make the worker try again within the test.
	s := openStore(t, "", offline.Options{BackoffBase: time.Hour, BackoffMax: time.Hour, SendTimeout: time.Second})
	recovered(t, s)
	c := startCenter(t)
	c.Down()
	for i := 0; i < 5; i++ {
		s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": i})
	}
	stop, failures := runSync(t, s, c.link(t, "k1"))
	defer stop()
	for failures.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := c.Up(); err != nil {
		t.Fatal(err)
	}
	s.NetworkUp()
	waitDrained(t, s, 0)
	checkCenter(t, c, "k1", 5, false)
}

func TestRefusedMessagesAreParked(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openStore(t, path, offline.Options{})
	recovered(t, s)
	c := startCenter(t)
	refuse := atomic.Bool{}
	refuse.Store(true)
	// The center refuses the "bogus" messages until refuse is cleared (as if fixed).
	c.Faults().Refuse(func(_ string, m center.Message) string {
		if refuse.Load() && bytes.Contains(m.Payload, []byte("bogus")) {
			return "bogus message"
		}
		return ""
	})
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 1})
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"bogus": 2})
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 3})
	cl := c.link(t, "k1")
	d, p, err := s.SyncOnce(ctx, cl)
	if err != nil || d != 2 || p != 1 {
		t.Fatalf("SyncOnce = %d delivered, %d parked, %v; want 2, 1", d, p, err)
	}
	parked, _ := s.Parked(ctx)
	if len(parked) != 1 || parked[0].Seq != 2 || !bytes.Contains(parked[0].Payload, []byte("bogus")) || parked[0].Reason != "bogus message" {
		t.Fatalf("parked = %+v", parked)
	}
	b, _ := s.Backlog(ctx)
	if b.Count != 1 || b.Parked != 1 {
		t.Fatalf("backlog = %+v, want the parked message counted", b)
	}
	alerts, _ := s.Alerts(ctx)
	if len(alerts) != 1 || alerts[0].Kind != "message_parked" {
		t.Fatalf("alerts = %+v", alerts)
	}
	// Parked messages are not retried by themselves...
	if d, _, _ := s.SyncOnce(ctx, cl); d != 0 {
		t.Fatalf("parked message was resent")
	}
	// ...until the technician requeues it after the center was fixed.
	refuse.Store(false)
	if err := s.Requeue(ctx, parked[0].Seq); err != nil {
		t.Fatal(err)
	}
	if d, _, err := s.SyncOnce(ctx, cl); d != 1 || err != nil {
		t.Fatalf("requeued message: delivered %d, %v", d, err)
	}
	checkCenter(t, c, "k1", 3, false)

	// A technician's `kiosk queue retry` is another process with its own store on the
	// same file: the running kiosk's worker finds the message below its position.
	refuse.Store(true)
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"bogus": 4})
	if _, p, _ := s.SyncOnce(ctx, cl); p != 1 {
		t.Fatalf("second bogus message: parked %d", p)
	}
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 5})
	if d, _, _ := s.SyncOnce(ctx, cl); d != 1 {
		t.Fatalf("message after the parked one: delivered %d", d)
	}
	refuse.Store(false)
	tech := openStore(t, path, offline.Options{})
	parked, _ = tech.Parked(ctx)
	if len(parked) != 1 {
		t.Fatalf("parked seen by the technician's store: %+v", parked)
	}
	if err := tech.Requeue(ctx, parked[0].Seq); err != nil {
		t.Fatal(err)
	}
	tech.Close()
	if d, _, err := s.SyncOnce(ctx, cl); d != 1 || err != nil {
		t.Fatalf("message requeued by another process: delivered %d, %v", d, err)
	}
	if b, _ := s.Backlog(ctx); b.Count != 0 {
		t.Fatalf("backlog after the retry: %+v", b)
	}
	checkCenter(t, c, "k1", 5, false)
}

func TestCapsPutKioskOutOfService(t *testing.T) {
	tests := []struct {
		name    string
		opts    offline.Options
		enqueue int
		advance time.Duration
	}{
		{"count", offline.Options{MaxPending: 3}, 3, 0},
		{"bytes", offline.Options{MaxPendingBytes: 100}, 4, 0},
		{"age", offline.Options{MaxPendingAge: time.Hour}, 1, 2 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clk := newFakeClock()
			tc.opts.Clock = clk
			s := openStore(t, "", tc.opts)
			recovered(t, s)
			for i := 0; i < tc.enqueue; i++ {
				if err := s.CanStartSession(ctx); err != nil {
					t.Fatalf("CanStartSession before the cap (%d queued): %v", i, err)
				}
				s.Enqueue(ctx, offline.KindAudit, map[string]string{"pad": strings.Repeat("p", 20)})
			}
			clk.Advance(tc.advance)
			if err := s.CanStartSession(ctx); !errors.Is(err, offline.ErrQueueFull) {
				t.Fatalf("CanStartSession at the cap = %v, want ErrQueueFull", err)
			}
			// Draining brings the kiosk back.
			c := startCenter(t)
			if _, _, err := s.SyncOnce(ctx, c.link(t, "k")); err != nil {
				t.Fatal(err)
			}
			if err := s.CanStartSession(ctx); err != nil {
				t.Fatalf("CanStartSession after drain = %v", err)
			}
		})
	}
}

type fileState struct {
	size  int64
	mtime time.Time
}

func snapshot(t *testing.T, path string) map[string]fileState {
	m := map[string]fileState{}
	for _, suf := range []string{"", "-wal", "-shm"} {
		if st, err := os.Stat(path + suf); err == nil {
			m[suf] = fileState{st.Size(), st.ModTime()}
		}
	}
	return m
}

func procWchar(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return -1
}

// countingSender records the store's commit count at the last upload: the settle of a
// successful upload is the one commit that follows it.
type countingSender struct {
	offline.Sender
	s             *offline.Store
	commitsAtSend atomic.Int64
}

func (c *countingSender) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	c.commitsAtSend.Store(c.s.Commits())
	return c.Sender.Send(ctx, batch)
}

func TestIdleKioskWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s := openStore(t, path, offline.Options{PruneEvery: 20 * time.Millisecond})
	recovered(t, s)
	c := startCenter(t)
	runSessionWith(t, s, c.issuer(t, "k1"), "printed", true)
	snd := &countingSender{Sender: c.link(t, "k1"), s: s}
	stop, _ := runSync(t, s, snd)
	defer stop()
	waitDrained(t, s, 0)
	// The backlog reads empty as soon as the last settle commits, but the worker counts
	// that commit only after Commit returns: wait for it, or it lands in the idle window.
	// After it the worker only reads (the next batch, its periodic prunes).
	for deadline := time.Now().Add(20 * time.Second); s.Commits() <= snd.commitsAtSend.Load(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the last settle was never counted: %d commits, %d at the last send", s.Commits(), snd.commitsAtSend.Load())
		}
	}
	before, commits, w0 := snapshot(t, path), s.Commits(), procWchar(t)
	for i := 0; i < 10; i++ { // the engine polls CanStartSession while idle
		if err := s.CanStartSession(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	after, w1 := snapshot(t, path), procWchar(t)
	if s.Commits() != commits {
		t.Errorf("idle kiosk committed %d transactions", s.Commits()-commits)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("file %q changed while idle: %+v -> %+v", "kiosk.db"+k, v, after[k])
		}
	}
	if w0 >= 0 && w1 != w0 {
		t.Errorf("idle kiosk wrote %d bytes (write_bytes)", w1-w0)
	}
	// The probe can see writes: one session afterwards is visible in it.
	runSessionWith(t, s, c.issuer(t, "k1"), "printed", false)
	if w2 := procWchar(t); w0 >= 0 && w2 == w1 {
		t.Errorf("write_bytes did not move for a session: the idle check proves nothing")
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	path := filepath.Join(t.TempDir(), "k.db")
	s := openStore(t, path, offline.Options{Clock: clk, Retention: 24 * time.Hour})
	recovered(t, s)
	c := startCenter(t)
	cl := c.link(t, "k1")
	for i := 0; i < 3; i++ {
		runSessionWith(t, s, c.issuer(t, "k1"), "printed", false)
	}
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Prune(ctx); n != 0 {
		t.Fatalf("pruned %d rows inside the retention period", n)
	}
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"undelivered": 1})
	clk.Advance(25 * time.Hour)
	n, err := s.Prune(ctx)
	if err != nil || n != 6 { // 3 completed messages + 3 sessions
		t.Fatalf("Prune = %d, %v; want 6", n, err)
	}
	b, _ := s.Backlog(ctx)
	if b.Count != 1 {
		t.Fatalf("undelivered message was pruned: %+v", b)
	}
	// Sequence numbers are never reused after a prune.
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"after": 1})
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		t.Fatal(err)
	}
	checkCenter(t, c, "k1", 5, false)
}

func TestSyncStopsOnFatalStorageError(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "", offline.Options{})
	recovered(t, s)
	c := startCenter(t)
	s.Enqueue(ctx, offline.KindAudit, map[string]int{"i": 1})
	restore := offline.SetCommitFault(offline.ErrFsyncForTest)
	defer restore()
	done := make(chan error, 1)
	go func() { done <- s.Sync(ctx, c.link(t, "k1"), nil) }()
	select {
	case err := <-done:
		if !errors.Is(err, offline.ErrFatal) {
			t.Fatalf("Sync = %v, want ErrFatal", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Sync kept running after a failed fsync")
	}
	// The message was sent once and its delivery could not be recorded: it stays
	// pending for the restarted process (the center will answer "duplicate").
	restore()
	b, _ := s.Backlog(ctx)
	if b.Count != 1 {
		t.Fatalf("backlog = %+v, want the message still pending", b)
	}
}

// TestClockJump: a board without a real-time clock queues messages while its clock reads
// 1970; when NTP sets the clock they must neither trip the age cap (their age is unknown)
// nor be pruned by a clock that is not set; their order is the sequence, not the time.
func TestClockJump(t *testing.T) {
	ctx := context.Background()
	floor := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clk := &fakeClock{now: time.Unix(0, 0).UTC()}
	s := openStore(t, "", offline.Options{Clock: clk, ClockFloor: floor, MaxPendingAge: time.Hour, Retention: time.Minute})
	recovered(t, s)
	for i := range 3 {
		if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	c := startCenter(t)
	cl := c.link(t, "k")
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Prune(ctx); err != nil || n != 0 {
		t.Fatalf("prune with the clock unset deleted %d (%v)", n, err)
	}
	for i := range 2 { // two more while the center is unreachable
		if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"n": 3 + i}); err != nil {
			t.Fatal(err)
		}
	}
	clk.mu.Lock()
	clk.now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) // NTP sync: +56 years
	clk.mu.Unlock()
	if err := s.CanStartSession(ctx); err != nil {
		t.Fatalf("after the jump CanStartSession = %v; messages from before it have no known age", err)
	}
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		t.Fatal(err)
	}
	checkCenter(t, c, "k", 5, false)
	// With the clock set, the age cap works again for messages stamped after the jump.
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]int{"n": 5}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	if err := s.CanStartSession(ctx); !errors.Is(err, offline.ErrQueueFull) {
		t.Fatalf("age cap after the jump: %v", err)
	}
}
