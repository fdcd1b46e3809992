package offline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"madoguchi/internal/lazyfstest"
	"madoguchi/offline"
)

// The write budget of the kiosk's queue (issue: power cuts): per walk-up transaction at
// most 4 fsync'd commits and 64 KiB written; nothing while idle.
const (
	budgetCommits = 4
	budgetBytes   = 64 << 10
	idleWindow    = 3 * time.Second
)

// lazyOps sums what LazyFS logged for the queue's files (kiosk.db, -wal; the -shm is
// bound outside LazyFS and is memory, not storage): write calls and bytes, fsyncs.
func lazyOps(tb testing.TB, fs *lazyfstest.FS) (writes, bytes, fsyncs int64) {
	tb.Helper()
	ops, err := fs.Operations()
	if err != nil {
		tb.Fatal(err)
	}
	for _, op := range ops {
		if !strings.Contains(op, "kiosk.db") {
			continue
		}
		switch {
		case strings.HasPrefix(op, "write("):
			writes++
			if i := strings.Index(op, "size="); i >= 0 {
				v := op[i+5:]
				if j := strings.IndexByte(v, ','); j >= 0 {
					v = v[:j]
				}
				n, _ := strconv.ParseInt(v, 10, 64)
				bytes += n
			}
		case strings.HasPrefix(op, "fsync("):
			fsyncs++
		}
	}
	return writes, bytes, fsyncs
}

// BenchmarkWriteBudget measures, on LazyFS (which logs every write and fsync the kiosk's
// database receives), what one walk-up transaction costs the SD card: the journal steps
// of a paid, printed session and the upload of its messages to the reference center,
// and what an idle kiosk (sync worker running, nothing queued) writes in a few seconds.
// It prints both next to the budget.
func BenchmarkWriteBudget(b *testing.B) {
	ctx := context.Background()
	fs := lazyfstest.Mount(b, lazyfstest.Options{LogOperations: true})
	if err := fs.BindOutside("kiosk.db-shm"); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(fs.Dir, "kiosk.db")
	s := openStore(b, path, offline.Options{})
	recovered(b, s)
	c := benchCenter(b)
	cl, issue := c.link(b, "k"), c.issuer(b, "k")
	runSessionB(b, s, issue) // the first session creates the tables' pages: not typical
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		b.Fatal(err)
	}
	w0, by0, f0 := lazyOps(b, fs)
	c0 := s.Commits()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runSessionB(b, s, issue)
		if _, _, err := s.SyncOnce(ctx, cl); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	w1, by1, f1 := lazyOps(b, fs)
	n := float64(b.N)
	commits := float64(s.Commits()-c0) / n
	fsyncs, bytes, writes := float64(f1-f0)/n, float64(by1-by0)/n, float64(w1-w0)/n

	// Idle: the sync worker runs with nothing to send.
	idleCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Sync(idleCtx, cl, nil); close(done) }()
	time.Sleep(100 * time.Millisecond) // the worker's start-up prune
	iw0, ib0, if0 := lazyOps(b, fs)
	time.Sleep(idleWindow)
	iw1, ib1, if1 := lazyOps(b, fs)
	cancel()
	<-done

	b.ReportMetric(commits, "commits/txn")
	b.ReportMetric(fsyncs, "fsyncs/txn")
	b.ReportMetric(bytes, "bytes/txn")
	b.ReportMetric(float64(ib1-ib0), "idle_bytes")
	verdict := func(ok bool) string {
		if ok {
			return "within"
		}
		return "OVER"
	}
	fmt.Printf("write budget (LazyFS log, %d transactions): %.2f commits (%.2f fsyncs, WAL and checkpoints) per transaction, goal ≤ %d fsync'd commits: %s\n",
		b.N, commits, fsyncs, budgetCommits, verdict(commits <= budgetCommits))
	fmt.Printf("write budget: %.0f bytes in %.1f writes per transaction, goal ≤ %d: %s\n", bytes, writes, budgetBytes, verdict(bytes <= budgetBytes))
	fmt.Printf("write budget idle (%v, sync worker running, nothing queued): %d writes, %d bytes, %d fsyncs, goal 0: %s\n",
		idleWindow, iw1-iw0, ib1-ib0, if1-if0, verdict(iw1 == iw0 && if1 == if0))
}
