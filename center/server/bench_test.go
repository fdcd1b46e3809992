package server_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// BenchmarkIssueParallel measures the reference center on loopback HTTPS with N kiosks
// issuing concurrently, each for its own resident: challenge + signed issuance per
// operation, database on disk with synchronous=FULL (SQLite) or fsync=on (PostgreSQL). It
// runs in both passes of the suite (TestMain: sqlite, then postgres); on PostgreSQL also
// with 2 and 3 instances sharing the database (kiosk i talks to instance i mod M). It
// reports issuances/s and the p50 and p99 latency of the center's part (challenge and
// issue round trips; the card's RSA signature, done on the kiosk side, is excluded from
// the latency but not from the throughput). Each kiosk's client connects (one challenge)
// before the clock starts, and a measured run issues at least minRounds documents per
// kiosk. After both passes TestMain prints every figure side by side as one Markdown
// table (the README's). -short leaves out the rows above 64 kiosks.
func BenchmarkIssueParallel(b *testing.B) {
	instances := []int{1}
	if onPostgres() {
		instances = []int{1, 2, 3}
	}
	for _, n := range []int{1, 4, 16, 64, 256, 1024} {
		if n > 64 && testing.Short() {
			continue
		}
		for _, m := range instances {
			b.Run(fmt.Sprintf("kiosks=%d/instances=%d", n, m), func(b *testing.B) { benchIssue(b, n, m) })
		}
	}
}

// benchKiosk is one simulated kiosk: its client (connected) and its resident's card.
type benchKiosk struct {
	cl   *center.Client
	card *centertest.Card
}

// benchFixtures keeps each sub-benchmark's centers and kiosks from Go's first call
// (b.N = 1) to the measured one, so that 1,024 kiosks are set up once; the next
// sub-benchmark closes them, TestMain the last one after each pass (closeBenchFixtures).
var benchFixtures = struct {
	sync.Mutex
	m      map[string][]benchKiosk
	closes []func()
}{m: map[string][]benchKiosk{}}

func closeBenchFixtures() {
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	closeBenchFixturesLocked()
}

func closeBenchFixturesLocked() {
	for i := len(benchFixtures.closes) - 1; i >= 0; i-- {
		benchFixtures.closes[i]()
	}
	benchFixtures.closes, benchFixtures.m = nil, map[string][]benchKiosk{}
}

// benchSetup returns the kiosks of this sub-benchmark: N centers sharing the database
// and PKI, a resident with a card per kiosk, each kiosk's client connected (one challenge
// asked, outside the measurement: TLS handshakes are not what is measured).
func benchSetup(b *testing.B, kiosks, instances int) []benchKiosk {
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	key := fmt.Sprintf("%v/%s", onPostgres(), b.Name())
	if ks, ok := benchFixtures.m[key]; ok {
		return ks
	}
	// Go runs a sub-benchmark's calls one after the other: the previous one's fixture
	// is done (its database connections would count against PostgreSQL's limit).
	closeBenchFixturesLocked()
	ctx := context.Background()
	later := func(f func()) { benchFixtures.closes = append(benchFixtures.closes, f) }
	dsn := postgresDSN(b)
	dir := func() string {
		d, err := os.MkdirTemp("", "center-bench-")
		if err != nil {
			b.Fatal(err)
		}
		later(func() { os.RemoveAll(d) })
		return d
	}
	c, err := centertest.New(ctx, centertest.Options{Dir: dir(), Postgres: dsn})
	if err != nil {
		b.Fatal(err)
	}
	later(func() { c.Close() })
	centers := []*centertest.Center{c}
	for range instances - 1 {
		more, err := centertest.New(ctx, centertest.Options{Dir: dir(), Postgres: dsn, PKI: c.PKI()})
		if err != nil {
			b.Fatal(err)
		}
		later(func() { more.Close() })
		centers = append(centers, more)
	}
	now := time.Now()
	ks := make([]benchKiosk, kiosks)
	for i := range ks {
		card, err := c.NewCard(i%4, now.Add(-time.Hour), now.AddDate(1, 0, 0))
		if err != nil {
			b.Fatal(err)
		}
		r := centertest.Resident{Code: fmt.Sprintf("B%04d", i), Household: fmt.Sprintf("BH%04d", i), Name: fmt.Sprintf("負荷　%d", i),
			Birth: "1980-01-01", Sex: "2", Address: "見本県見本市負荷町1番", Relationship: "世帯主"}
		if err := c.AddResident(ctx, r, card.Cert); err != nil {
			b.Fatal(err)
		}
		cl, err := centers[i%len(centers)].NewClient(fmt.Sprintf("bench-%04d", i))
		if err != nil {
			b.Fatal(err)
		}
		later(cl.Close)
		ks[i] = benchKiosk{cl: cl, card: card}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, k := range ks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := k.cl.Challenge(ctx); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	benchFixtures.m[key] = ks
	return ks
}

// minRounds: a measured run (b.N > 1) issues at least this many documents per kiosk,
// so that with 1,024 kiosks the figures are of a steady load, not of one burst.
const minRounds = 2

func benchIssue(b *testing.B, kiosks, instances int) {
	ctx := context.Background()
	ks := benchSetup(b, kiosks, instances)
	ops := int64(b.N)
	if ops > 1 {
		ops = max(ops, int64(minRounds*kiosks))
	}
	req := center.Request{Type: center.ResidentRecord, Copies: 1}
	var next atomic.Int64
	lat := make([][]time.Duration, kiosks)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := ks[i]
			for next.Add(1) <= ops {
				t0 := time.Now()
				ch, err := k.cl.Challenge(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				sig, err := k.card.Sign(ch.Challenge, k.cl.KioskID(), req)
				if err != nil {
					b.Error(err)
					return
				}
				t1 := time.Now()
				if _, err := k.cl.Issue(ctx, center.Issue{Key: centertest.NewKey(), Challenge: ch.Challenge,
					AuthCert: k.card.Cert.Raw, Signature: sig, Request: req}); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], d+time.Since(t1))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	p50 := all[len(all)/2]
	p99 := all[min(len(all)-1, len(all)*99/100)]
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "issuances/s")
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // wall time per op is meaningless with N concurrent kiosks
	col := "SQLite"
	switch {
	case onPostgres() && instances == 1:
		col = "PostgreSQL, 1 instance"
	case onPostgres():
		col = fmt.Sprintf("%d instances", instances)
	}
	benchTable.record(kiosks, col, fmt.Sprintf("%.0f, %s / %s", float64(len(all))/elapsed.Seconds(), ms(p50), ms(p99)))
}

// ms is a latency in milliseconds, one decimal below 10 ms.
func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
	}
	return fmt.Sprint(d.Milliseconds())
}

// benchTable collects BenchmarkIssueParallel's figures of both passes; TestMain prints
// them side by side at the end (the README's load table).
var benchTable = &issueTable{cells: map[int]map[string]string{}}

type issueTable struct {
	mu    sync.Mutex
	cols  []string
	cells map[int]map[string]string // kiosks → column → "issuances/s, p50 / p99"
}

// record keeps a sub-benchmark's figures; a later run of the same one (Go runs each
// first with b.N = 1) replaces them.
func (t *issueTable) record(kiosks int, col, cell string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !slices.Contains(t.cols, col) {
		t.cols = append(t.cols, col)
	}
	if t.cells[kiosks] == nil {
		t.cells[kiosks] = map[string]string{}
	}
	t.cells[kiosks][col] = cell
}

// printBenchTable writes the collected figures as a Markdown table (nothing when the
// benchmark did not run).
func printBenchTable(w io.Writer) {
	t := benchTable
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cells) == 0 {
		return
	}
	fmt.Fprintln(w, "\nBenchmarkIssueParallel: issuances/s, p50 / p99 of the center's part in ms")
	fmt.Fprintf(w, "| kiosks | %s |\n|---|%s\n", strings.Join(t.cols, " | "), strings.Repeat("---|", len(t.cols)))
	var ks []int
	for k := range t.cells {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		row := make([]string, len(t.cols))
		for i, c := range t.cols {
			row[i] = t.cells[k][c]
			if row[i] == "" {
				row[i] = "—"
			}
		}
		fmt.Fprintf(w, "| %d | %s |\n", k, strings.Join(row, " | "))
	}
}
