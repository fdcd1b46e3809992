package server_test

import (
	"context"
	"fmt"
	"slices"
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
// the latency but not from the throughput).
func BenchmarkIssueParallel(b *testing.B) {
	instances := []int{1}
	if onPostgres() {
		instances = []int{1, 2, 3}
	}
	for _, n := range []int{1, 4, 16, 64, 256} {
		for _, m := range instances {
			b.Run(fmt.Sprintf("kiosks=%d/instances=%d", n, m), func(b *testing.B) { benchIssue(b, n, m) })
		}
	}
}

func benchIssue(b *testing.B, kiosks, instances int) {
	ctx := context.Background()
	dsn := postgresDSN(b)
	c, err := centertest.New(ctx, centertest.Options{Dir: b.TempDir(), Postgres: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	centers := []*centertest.Center{c}
	for range instances - 1 {
		more, err := centertest.New(ctx, centertest.Options{Dir: b.TempDir(), Postgres: dsn, PKI: c.PKI()})
		if err != nil {
			b.Fatal(err)
		}
		defer more.Close()
		centers = append(centers, more)
	}
	type kiosk struct {
		cl   *center.Client
		card *centertest.Card
	}
	now := time.Now()
	ks := make([]kiosk, kiosks)
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
		defer cl.Close()
		ks[i] = kiosk{cl: cl, card: card}
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
			for next.Add(1) <= int64(b.N) {
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
}
