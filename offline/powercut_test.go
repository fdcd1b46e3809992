package offline_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"madoguchi/internal/lazyfstest"
	"madoguchi/offline"
)

// checkpoint copies the WAL into the main database file from a second connection.
func checkpoint(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	return err
}

// A cutFault is one way a power cut meets the kiosk's queue on LazyFS.
type cutFault struct {
	name string
	// arm injects the fault (nil: the parent cuts the power itself); it fires at the
	// next matching operation and LazyFS kills itself, losing its cache.
	arm func(fs *lazyfstest.FS) error
}

// cutFaults are the file-system faults of the loop: a crash just before or just after
// the WAL or the main file is synced, and torn writes of either.
var cutFaults = []cutFault{
	{"crash before WAL fsync", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.Before, "fsync", `kiosk\.db-wal$`) }},
	{"crash after WAL fsync", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.After, "fsync", `kiosk\.db-wal$`) }},
	{"crash before main-file fsync", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.Before, "fsync", `kiosk\.db$`) }},
	{"crash before WAL write", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.Before, "write", `kiosk\.db-wal$`) }},
	{"torn WAL write", func(fs *lazyfstest.FS) error { return fs.TornOp("kiosk.db-wal", 3, 1) }},
	{"torn WAL write (tail)", func(fs *lazyfstest.FS) error { return fs.TornOp("kiosk.db-wal", 4, 1, 3) }},
	{"torn WAL sequence", func(fs *lazyfstest.FS) error { return fs.TornSeq("kiosk.db-wal", "write", 1) }},
	{"torn main-file write", func(fs *lazyfstest.FS) error { return fs.TornOp("kiosk.db", 2, 2) }},
	{"torn main-file sequence", func(fs *lazyfstest.FS) error { return fs.TornSeq("kiosk.db", "write", 2) }},
}

// runCutChild runs one child of TestCrashChild with its database on fs and cuts the
// power under it: after killAfter (from its start, or with fromReady from the end of
// its recovery), when it stops itself at a crash point, or when an armed LazyFS fault
// fires. It reports whether the power was cut while the child ran.
func runCutChild(t *testing.T, fs *lazyfstest.FS, env []string, killAfter time.Duration, fromReady bool, fault func() error, faultAtReady bool) (childResult, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if fault != nil && !faultAtReady {
		if err := fault(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// One cut at most; the runner waits for it before returning.
	cutDone := make(chan error, 1)
	var cutOnce sync.Once
	cutStarted := make(chan struct{})
	cut := func() {
		cutOnce.Do(func() {
			close(cutStarted)
			cutDone <- fs.PowerCut(cmd.Process)
		})
	}
	var timer *time.Timer
	arm := func() { timer = time.AfterFunc(killAfter, cut) }
	if killAfter > 0 && !fromReady {
		arm()
	}
	// A fired fault ends LazyFS; the child then fails on its next file operation. Should
	// it not notice (no write left), it is killed.
	watch := make(chan struct{})
	exited := fs.Exited()
	go func() {
		select {
		case <-exited:
			time.Sleep(3 * time.Second)
			cmd.Process.Kill()
		case <-watch:
		}
	}()
	var res childResult
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "CRASHCHILD ")
		if !ok {
			continue
		}
		res.lines = append(res.lines, line)
		switch {
		case strings.HasPrefix(line, "cut "):
			go cut()
		case strings.HasPrefix(line, "recovered "):
			if killAfter > 0 && fromReady {
				arm()
			}
			if fault != nil && faultAtReady {
				if err := fault(); err != nil && fs.Running() {
					t.Error(err)
				}
			}
		}
	}
	err = cmd.Wait()
	close(watch)
	if timer != nil {
		timer.Stop()
	}
	res.stderr = stderr.String()
	crashed := !fs.Running()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() >= 0 && !crashed {
		// A child failing on a dead mount may learn of it before the harness does.
		crashed = fs.WaitCrash(10 * time.Second)
	}
	var cutErr error
	cutOnce.Do(func() {}) // no cut may start from now on
	select {
	case <-cutStarted:
		cutErr = <-cutDone
	default:
	}
	if cutErr != nil && !crashed {
		t.Fatalf("power cut: %v", cutErr)
	}
	switch {
	case err == nil:
	case errors.As(err, &ee):
		ws, _ := ee.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
			res.killed = true
		case crashed: // the child failed on the dead file system: the cut is the crash
			res.killed = true
		default:
			t.Fatalf("child failed: %v\n%s\nlazyfs running %v; %s", err, res.stderr, fs.Running(), fs.LogTail())
		}
	default:
		t.Fatalf("child: %v", err)
	}
	return res, res.killed && (crashed || cutErr == nil)
}

// TestPowerCutLoop is TestCrashLoop with the kiosk's database on LazyFS and every kill a
// power cut: whatever the kiosk wrote and did not fsync is gone when it restarts. The
// cuts land at the named crash points (before and after each journal step, after the
// center's reply and before the print, after the print, between an upload's answer and
// its acknowledgement, during recovery), at random moments in the sessions, uploads and
// checkpoints, and as LazyFS faults: a crash just before or after the WAL's or the main
// file's fsync and torn writes of either. After every cut the database passes
// quick_check and the restarted child finishes the interrupted sessions; at the end
// the same checks as TestCrashLoop hold: every acknowledged message at the center
// exactly once, no gap, one outcome per issuance.
func TestPowerCutLoop(t *testing.T) {
	minCuts := 200
	switch {
	case testing.Short() && runtime.GOARCH != "amd64":
		minCuts = 12 // the arm runs are under qemu-user: a child costs a second there
	case testing.Short():
		minCuts = 30
	}
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	if err := fs.BindOutside("kiosk.db-shm"); err != nil {
		t.Fatal(err)
	}
	c, dir := crashCenter(t)
	db := filepath.Join(fs.Dir, "kiosk.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	base := []string{childEnv + "=work", "OFFLINE_CRASH_POWERCUT=1", "OFFLINE_CRASH_DB=" + db, "OFFLINE_CRASH_DIR=" + dir, "OFFLINE_CRASH_URL=" + c.URL()}
	led := newCrashLedger()
	points := append([]string(nil), crashPoints...)
	rng.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
	// The points the final checks need (a duplicate answered, a session recovered) come
	// first, so that a short loop reaches them too.
	for i, p := range []string{offline.CrashAfterReplyBeforeAck, crashAfterIssueReply} {
		j := slices.Index(points, p)
		points[i], points[j] = points[j], points[i]
	}
	cuts, runs := 0, 0
	hit := map[string]int{} // what cut the power, by name
	start := time.Now()
	// At least minCuts, and on until the loop has done what it is for (a short run under
	// qemu-user may cut every session before its payment).
	for cuts < minCuts || !led.didWork() {
		runs++
		if runs > 4*minCuts+40 {
			t.Fatalf("only %d cuts in %d runs (work done: %v)", cuts, runs, led.didWork())
		}
		env := append(base[:len(base):len(base)], "OFFLINE_CRASH_SEED="+strconv.FormatUint(rng.Uint64(), 10))
		var killAfter time.Duration
		var fault func() error
		fromReady, faultAtReady := false, false
		name := ""
		switch r := runs % 4; {
		case r == 1: // a crash point, in turn
			name = points[(runs/4)%len(points)]
			env = append(env, "OFFLINE_CRASH_POINT="+name, "OFFLINE_CRASH_HIT="+strconv.Itoa(1+rng.IntN(3)))
		case r == 3: // a file-system fault, in turn; half of them armed once recovery is done
			f := cutFaults[(runs/4)%len(cutFaults)]
			name, fault, faultAtReady = f.name, func() error { return f.arm(fs) }, rng.IntN(2) == 0
			killAfter, fromReady = 2*time.Second, true // should it never fire
		case rng.IntN(3) == 0: // anywhere, start-up and recovery included
			name, killAfter = "random (from start)", time.Duration(5+rng.IntN(150))*time.Millisecond
		default:
			name, killAfter, fromReady = "random (in sessions)", time.Duration(1+rng.IntN(150))*time.Millisecond, true
		}
		res, cut := runCutChild(t, fs, env, killAfter, fromReady, fault, faultAtReady)
		led.add(res.lines)
		if cut {
			cuts++
			hit[name]++
		}
		// A fired fault ended LazyFS; an armed one that did not fire must not linger.
		if !fs.Running() || fault != nil {
			if err := fs.Remount(); err != nil {
				t.Fatal(err)
			}
		}
		quickCheckFile(t, db)
	}
	finalSeq := finalDrain(t, led, db, dir, c.URL())
	got := readCenter(t, c)
	mounts, _, crashes := fs.Figures()
	t.Logf("power cuts: %d in %d runs (%d LazyFS crashes from faults, %d mounts) in %v; %d sessions journaled, %d recovered; center: %d messages (%s), %d issuances, %d duplicates answered",
		cuts, runs, crashes, mounts, time.Since(start).Round(time.Millisecond), len(led.reqs), led.recovered, len(got.msgs), got.kinds(), len(got.issuances), led.dups)
	t.Logf("cut by: %s", figures(hit))
	checkCrashOutcome(t, c, got, readKiosk(t, db), led, finalSeq)
	if !testing.Short() {
		for _, f := range cutFaults {
			if hit[f.name] == 0 {
				t.Errorf("fault %q never cut the power", f.name)
			}
		}
	}
}

func figures(m map[string]int) string {
	var s []string
	for k, v := range m {
		s = append(s, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// TestPowerCutTechLockoutAndAlerts: technician mode's lock-out counter and the alerts
// live in the queue's database; what was saved survives a power cut, acknowledgements
// included.
func TestPowerCutTechLockoutAndAlerts(t *testing.T) {
	ctx := context.Background()
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	if err := fs.BindOutside("kiosk.db-shm"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(fs.Dir, "kiosk.db")
	// cut abandons the store as a dead process would (no close, no checkpoint), cuts the
	// power and opens the database again.
	cut := func(s *offline.Store) *offline.Store {
		t.Helper()
		if err := fs.Remount(); err != nil {
			t.Fatal(err)
		}
		s2, err := offline.Open(ctx, path, offline.Options{MinFreeDiskBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s2.Close() })
		if res, err := s2.QuickCheck(ctx); err != nil || res != "ok" {
			t.Fatalf("quick_check after the cut: %q %v", res, err)
		}
		if _, err := s2.Recover(ctx, nil); err != nil {
			t.Fatal(err)
		}
		return s2
	}
	s, err := offline.Open(ctx, path, offline.Options{MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	recovered(t, s)
	steps := []struct {
		name   string
		act    func(s *offline.Store)
		fails  int
		locked bool
		alerts []string // open alert kinds after the cut
	}{
		{"two wrong PINs", func(s *offline.Store) { must(t, s.SetTechLockout(ctx, 2, false)) }, 2, false, nil},
		{"locked out, a print failed", func(s *offline.Store) {
			must(t, s.SetTechLockout(ctx, 3, true))
			runSession(t, s, "failed", false)
		}, 3, true, []string{"print_failed"}},
		{"alert acknowledged, lock-out cleared", func(s *offline.Store) {
			as, err := s.Alerts(ctx)
			must(t, err)
			for _, a := range as {
				must(t, s.AckAlert(ctx, a.ID))
			}
			must(t, s.SetTechLockout(ctx, 0, false))
		}, 0, false, nil},
	}
	for _, st := range steps {
		st.act(s)
		s = cut(s)
		f, l, err := s.TechLockout(ctx)
		if err != nil || f != st.fails || l != st.locked {
			t.Errorf("%s: lock-out after the cut %d %v (%v), want %d %v", st.name, f, l, err, st.fails, st.locked)
		}
		as, err := s.Alerts(ctx)
		must(t, err)
		var kinds []string
		for _, a := range as {
			kinds = append(kinds, a.Kind)
		}
		if strings.Join(kinds, ",") != strings.Join(st.alerts, ",") {
			t.Errorf("%s: alerts after the cut %v, want %v", st.name, kinds, st.alerts)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
