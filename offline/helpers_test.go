package offline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
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

// testCenter is the reference center (center/centertest, with its fault injector) and
// one resident whose card signs the sessions' issuance requests. The queue reaches it
// through centerlink.Link over a center.Client, as cmd/kiosk wires it.
type testCenter struct {
	*centertest.Center
	card    *centertest.Card
	mu      sync.Mutex
	clients map[string]*center.Client
}

// startCenter starts a center for the test, its database in a temporary folder.
func startCenter(tb testing.TB) *testCenter { return startCenterIn(tb, tb.TempDir()) }

// centerPKI is made once: every test's center shares the key material.
var centerPKI = sync.OnceValues(func() (*centertest.PKI, error) { return centertest.NewPKI(time.Now()) })

func startCenterIn(tb testing.TB, dir string) *testCenter {
	tb.Helper()
	ctx := context.Background()
	pki, err := centerPKI()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := centertest.New(ctx, centertest.Options{Dir: dir, PKI: pki})
	if err != nil {
		tb.Fatal(err)
	}
	tc := &testCenter{Center: c, clients: map[string]*center.Client{}}
	tb.Cleanup(func() {
		for _, cl := range tc.clients {
			cl.Close()
		}
		c.Close()
	})
	now := time.Now()
	if tc.card, err = c.NewCard(0, now.Add(-time.Hour), now.AddDate(1, 0, 0)); err != nil {
		tb.Fatal(err)
	}
	if err := c.AddDemoPerson(ctx, centertest.DemoPeople()[0], tc.card.Cert); err != nil {
		tb.Fatal(err)
	}
	return tc
}

// client is the center client of kioskID (one per kiosk, closed with the center).
func (c *testCenter) client(tb testing.TB, kioskID string) *center.Client {
	tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.clients[kioskID]; cl != nil {
		return cl
	}
	cl, err := c.NewClient(kioskID)
	if err != nil {
		tb.Fatal(err)
	}
	c.clients[kioskID] = cl
	return cl
}

// link is the queue's Sender and StatusChecker for kioskID.
func (c *testCenter) link(tb testing.TB, kioskID string) centerlink.Link {
	return centerlink.Link{Client: c.client(tb, kioskID)}
}

// issuer returns what a session of kioskID does with its issue key: the issuance
// request, signed by the resident's card, so that the center knows the key when the
// session's completed and payment messages arrive.
func (c *testCenter) issuer(tb testing.TB, kioskID string) func(key string) {
	return func(key string) {
		tb.Helper()
		req := center.Request{Type: center.ResidentRecord, Copies: 1}
		if _, err := centertest.IssueWith(context.Background(), c.client(tb, kioskID), c.card, key, req); err != nil {
			tb.Fatalf("issue %s: %v", key, err)
		}
	}
}

// runSession drives one full session to the given end: "printed", "failed",
// "cancel-after-request", "cancel-before-request". Its issuance request goes nowhere.
func runSession(tb testing.TB, s *offline.Store, end string, pay bool) *offline.Session {
	tb.Helper()
	return runSessionWith(tb, s, nil, end, pay)
}

// runSessionWith is runSession whose issuance request is issue (testCenter.issuer), when
// not nil.
func runSessionWith(tb testing.TB, s *offline.Store, issue func(key string), end string, pay bool) *offline.Session {
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
	key, err := x.RequestSent(ctx)
	must(err)
	if issue != nil {
		issue(key)
	}
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
