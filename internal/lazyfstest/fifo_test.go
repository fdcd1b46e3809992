package lazyfstest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCommandToDeadLazyFS: a fault command written just as LazyFS died (a crash fault
// fired, its exit not yet seen by the harness) must not reach the next LazyFS. Before
// each LazyFS got fresh FIFOs it did: the next LazyFS read it, or read it glued to the
// next command ("command unknown"), and the answers on the done FIFO were off by one,
// so ClearCache returned before the cache was cleared — the late clear then dropped
// unsynced writes of the restarted process, not of the cut one.
func TestCommandToDeadLazyFS(t *testing.T) {
	f := Mount(t, Options{})
	for i := range 3 {
		// LazyFS dies; the harness still thinks it runs and sends it a clear-cache.
		f.cmd.Process.Kill()
		<-f.Exited()
		if _, err := f.faults.WriteString("lazyfs::clear-cache\n"); err != nil {
			t.Fatal(err)
		}
		if err := f.Remount(); err != nil {
			t.Fatalf("cut %d: remount: %v", i, err)
		}
		p := filepath.Join(f.Dir, "unsynced")
		if err := os.WriteFile(p, []byte("lost"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := f.ClearCache(); err != nil {
			t.Fatalf("cut %d: %v", i, err)
		}
		// ClearCache has returned: the unsynced write must be gone now, not later.
		if b, err := os.ReadFile(p); err == nil && len(b) != 0 {
			t.Fatalf("cut %d: unsynced write still there after ClearCache returned: %q", i, b)
		}
		// Nor is an answer left over for the next ClearCache to take for its own.
		f.doneR.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if n, _ := f.doneR.Read(make([]byte, 64)); n > 0 {
			t.Fatalf("cut %d: an answer on the done FIFO that no command waits for: ClearCache returns before LazyFS has cleared", i)
		}
		if err := f.CrashAt(Before, "fsync", `nothing-matches$`); err != nil {
			t.Fatalf("cut %d: a fault after the clear: %v", i, err)
		}
	}
}
