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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"madoguchi/offline"
	"madoguchi/offline/offlinetest"
)

// Engine-side crash points the child hits (the store's own are offline.Crash…).
const (
	crashAfterIssueReply  = "after-issue-reply"    // the center issued; nothing journaled yet
	crashAfterPrintFinish = "after-print-finished" // paper out; outcome not journaled
)

var crashPoints = []string{
	offline.CrashAfterRequestCommit, crashAfterIssueReply, offline.CrashAfterPrintStartCommit,
	crashAfterPrintFinish, offline.CrashAfterOutcomeCommit, offline.CrashAfterCloseCommit,
	offline.CrashAfterReplyBeforeAck, offline.CrashAfterAckCommit, offline.CrashDuringRecovery,
}

const childEnv = "OFFLINE_CRASH_CHILD"

// TestCrashChild is the child process of TestCrashLoop (skipped in a normal run).
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("helper process of TestCrashLoop")
	}
	out := func(f string, a ...any) { fmt.Printf("CRASHCHILD "+f+"\n", a...) }
	fail := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "child: "+f+"\n", a...)
		os.Exit(2)
	}
	point := os.Getenv("OFFLINE_CRASH_POINT")
	hit, _ := strconv.Atoi(os.Getenv("OFFLINE_CRASH_HIT"))
	seed, _ := strconv.ParseUint(os.Getenv("OFFLINE_CRASH_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 7))
	hits := 0
	hook := func(p string) {
		if p == point {
			if hits++; hits == hit {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // never continue past the crash point
			}
		}
	}
	ctx := context.Background()
	s, err := offline.Open(ctx, os.Getenv("OFFLINE_CRASH_DB"), offline.Options{
		CrashHook: hook, BatchSize: 4, BackoffBase: 2 * time.Millisecond, BackoffMax: 10 * time.Millisecond,
		SendTimeout: 2 * time.Second, MinFreeDiskBytes: 1,
	})
	if err != nil {
		fail("open: %v", err)
	}
	cl := &offlinetest.Client{BaseURL: os.Getenv("OFFLINE_CRASH_URL"), KioskID: "crash"}
	recs, err := s.Recover(ctx, cl)
	if err != nil {
		fail("recover: %v", err)
	}
	if n, err := s.Unfinished(ctx); err != nil || n != 0 {
		fail("after recovery %d sessions unfinished (%v)", n, err)
	}
	out("recovered %d", len(recs))

	if mode == "final" {
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, _, err := s.SyncOnce(ctx, cl)
			b, berr := s.Backlog(ctx)
			if berr != nil {
				fail("backlog: %v", berr)
			}
			if b.Parked > 0 {
				fail("%d messages parked (refused by the center)", b.Parked)
			}
			if b.Count > 0 && time.Now().After(deadline) {
				fail("final sync: %d messages left: %v", b.Count, err)
			}
			if b.Count == 0 {
				out("final seq=%d", b.Seq)
				s.Close()
				os.Exit(0)
			}
		}
	}

	go s.Sync(ctx, cl, nil)
	must := func(what string, err error) {
		if err != nil {
			fail("%s: %v", what, err)
		}
	}
	for i := 0; i < 25; i++ {
		x, err := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1 + rng.IntN(3)})
		must("begin", err)
		must("card", x.CardChecked())
		if rng.IntN(3) == 0 {
			must("audit", x.Audit("pin_ok", map[string]any{"tries_left": 3}))
		}
		if rng.IntN(10) == 0 {
			must("cancel", x.Close(ctx, "card removed"))
			continue
		}
		key, err := x.RequestSent(ctx)
		must("request", err)
		if _, err := cl.Issue(ctx, key); err != nil {
			// Center unreachable: the session times out and is voided.
			must("close", x.Close(ctx, "center unreachable"))
			continue
		}
		hook(crashAfterIssueReply)
		if rng.IntN(10) == 0 {
			must("close", x.Close(ctx, "fee declined"))
			continue
		}
		must("document", x.DocumentReceived(300))
		var pay *offline.Payment
		if rng.IntN(2) == 0 {
			pay = &offline.Payment{Method: "cash", Amount: 300}
		}
		must("print start", x.PrintStarted(ctx, pay))
		hook(crashAfterPrintFinish)
		if rng.IntN(5) == 0 {
			must("print failed", x.PrintFailed(ctx, "paper jam"))
		} else {
			must("printed", x.Printed(ctx))
		}
		must("close", x.Close(ctx, "card taken"))
		if rng.IntN(4) == 0 {
			must("audit", s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "door_opened"}))
		}
	}
	os.Exit(0)
}

type childResult struct {
	killed    bool
	recovered int
	lines     []string
	stderr    string
}

func runChild(t *testing.T, env []string, killAfter time.Duration) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if killAfter > 0 {
		timer := time.AfterFunc(killAfter, func() { cmd.Process.Kill() })
		defer timer.Stop()
	}
	var res childResult
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "CRASHCHILD ")
		if !ok {
			continue
		}
		res.lines = append(res.lines, line)
		if v, ok := strings.CutPrefix(line, "recovered "); ok {
			res.recovered, _ = strconv.Atoi(v)
		}
	}
	err = cmd.Wait()
	res.stderr = stderr.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			res.killed = true
		} else {
			t.Fatalf("child failed: %v\n%s", err, res.stderr)
		}
	default:
		t.Fatalf("child: %v", err)
	}
	return res
}

func quickCheckFile(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA quick_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("quick_check after kill = %q, %v", res, err)
	}
}

// TestCrashLoop kills a child that drives sessions and syncs against an in-process
// center with SIGKILL, at random moments and at named crash points, at least
// minKills times; after every kill the database passes quick_check and the restarted
// child finishes every interrupted session; at the end the center has applied every
// message exactly once, with no sequence gaps, and every issued request has exactly
// one outcome (completed or voided).
func TestCrashLoop(t *testing.T) {
	minKills := 200
	if testing.Short() {
		minKills = 40
	}
	c := startCenter(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "kiosk.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	base := []string{childEnv + "=work", "OFFLINE_CRASH_DB=" + db, "OFFLINE_CRASH_URL=" + c.URL()}
	kills, pointKills, recoveredTotal, runs := 0, map[string]int{}, 0, 0
	start := time.Now()
	for kills < minKills {
		runs++
		if runs > 4*minKills {
			t.Fatalf("only %d kills in %d runs", kills, runs)
		}
		env := append(base[:len(base):len(base)], "OFFLINE_CRASH_SEED="+strconv.FormatUint(rng.Uint64(), 10))
		var killAfter time.Duration
		point := ""
		if rng.IntN(2) == 0 {
			point = crashPoints[rng.IntN(len(crashPoints))]
			env = append(env, "OFFLINE_CRASH_POINT="+point, "OFFLINE_CRASH_HIT="+strconv.Itoa(1+rng.IntN(3)))
		} else {
			killAfter = time.Duration(5+rng.IntN(150)) * time.Millisecond
		}
		res := runChild(t, env, killAfter)
		recoveredTotal += res.recovered
		if res.killed {
			kills++
			if point != "" && !strings.Contains(res.stderr, "child:") {
				pointKills[point]++
			}
		}
		quickCheckFile(t, db)
	}
	final := runChild(t, []string{childEnv + "=final", "OFFLINE_CRASH_DB=" + db, "OFFLINE_CRASH_URL=" + c.URL()}, 0)
	var finalSeq int64
	for _, l := range final.lines {
		if v, ok := strings.CutPrefix(l, "final seq="); ok {
			finalSeq, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	recoveredTotal += final.recovered
	st := c.Stats()
	t.Logf("%d runs, %d kills (%v at crash points) in %v; %d sessions recovered; center: %d applied (%s), %d duplicates answered, %d uploads",
		runs, kills, pointKills, time.Since(start).Round(time.Millisecond), recoveredTotal, st.Accepted, st.SortedKinds(), st.Duplicates, st.Uploads)

	if finalSeq == 0 {
		t.Fatalf("final child did not drain: %v\n%s", final.lines, final.stderr)
	}
	if len(st.Conflicts) > 0 {
		t.Errorf("conflicts at the center: %v", st.Conflicts)
	}
	if gaps, max := c.Gaps("crash"); len(gaps) > 0 || max != finalSeq {
		t.Errorf("center sequence: gaps %v, max %d; kiosk max %d", gaps, max, finalSeq)
	}
	if int64(st.Accepted) != finalSeq {
		t.Errorf("center applied %d messages, kiosk queued %d", st.Accepted, finalSeq)
	}
	if st.Duplicates == 0 {
		t.Error("no duplicate was ever answered: the resend-after-commit path was not exercised")
	}
	if recoveredTotal == 0 {
		t.Error("no session was ever recovered")
	}
	for key, is := range c.Issues() {
		if is.Outcomes != 1 {
			t.Errorf("issue %s: %d outcomes (status %s), want exactly 1", key, is.Outcomes, is.Status)
		}
	}
	if !testing.Short() && len(pointKills) < len(crashPoints)-1 {
		t.Errorf("only %d of %d crash points were hit: %v", len(pointKills), len(crashPoints), pointKills)
	}
}
