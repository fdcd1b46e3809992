package offline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/offline"
	"madoguchi/offline/offlinetest"
)

// fakeClock: settable wall time; the store's waits use real timers (tests that need fast
// backoff set small BackoffBase).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func openStore(tb testing.TB, path string, opts offline.Options) *offline.Store {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "kiosk.db")
	}
	if opts.MinFreeDiskBytes == 0 {
		opts.MinFreeDiskBytes = 1 // tests run on whatever disk there is
	}
	s, err := offline.Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func recovered(tb testing.TB, s *offline.Store) {
	tb.Helper()
	if _, err := s.Recover(context.Background(), nil); err != nil {
		tb.Fatalf("recover: %v", err)
	}
}

// queueWith opens a recovered store at path holding n audit messages.
func queueWith(tb testing.TB, path string, n int) *offline.Store {
	tb.Helper()
	s := openStore(tb, path, offline.Options{})
	recovered(tb, s)
	for i := 0; i < n; i++ {
		if err := s.Enqueue(context.Background(), offline.KindAudit, map[string]int{"i": i}); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// scribblePages damages the closed database at path: its -wal and -shm go, the header
// page stays, and garbage is written over the b-tree pages after it.
func scribblePages(tb testing.TB, path string) {
	tb.Helper()
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	junk := []byte(strings.Repeat("\xff\x00garbage", 512))
	for off := int64(4096); off < st.Size(); off += 4096 {
		f.WriteAt(junk[:4000], off+50)
	}
}

func startCenter(tb testing.TB) *offlinetest.Center {
	tb.Helper()
	c := offlinetest.NewCenter()
	if err := c.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Stop)
	return c
}

// runSession drives one full session to the given end: "printed", "failed",
// "cancel-after-request", "cancel-before-request".
func runSession(tb testing.TB, s *offline.Store, end string, pay bool) *offline.Session {
	tb.Helper()
	ctx := context.Background()
	x, err := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
	if err != nil {
		tb.Fatalf("begin: %v", err)
	}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(x.CardChecked())
	if end == "cancel-before-request" {
		must(x.Close(ctx, "card removed"))
		return x
	}
	_, err = x.RequestSent(ctx)
	must(err)
	if end == "cancel-after-request" {
		must(x.Close(ctx, "timeout"))
		return x
	}
	must(x.DocumentReceived(300))
	var p *offline.Payment
	if pay {
		p = &offline.Payment{Method: "cash", Amount: 300}
	}
	must(x.PrintStarted(ctx, p))
	if end == "printed" {
		must(x.Printed(ctx))
	} else {
		must(x.PrintFailed(ctx, "paper jam"))
	}
	must(x.Close(ctx, "card taken"))
	return x
}
