package offline_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/maragudk/goqite"

	"madoguchi/offline"
)

// benchPayload has the size and shape of a completed notice (~200 bytes of JSON); it
// is queued as kind audit so that the center does not treat 100,000 copies as outcomes
// of one issuance request.
var benchPayload = []byte(`{"session":"3f2a9c0d8e7b6a5f4e3d2c1b0a998877","issue_key":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","cert_type":"juminhyo","copies":1,"fee":300,"reason":""}`)

// goqiteDSN gives goqite the same durability as offline.DSN (WAL, synchronous=FULL).
func openGoqite(b *testing.B) (*sql.DB, *goqite.Queue) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "goqite.db")
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := offline.AssertSettings(context.Background(), db, 0); err != nil {
		b.Fatal(err)
	}
	if err := goqite.Setup(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, goqite.New(goqite.NewOpts{DB: db, Name: "center", MaxReceive: 1 << 30, Timeout: time.Minute})
}

// BenchmarkEnqueueDurable: one op = one durable enqueue (one synchronous=FULL commit)
// in offline and one in goqite, side by side.
func BenchmarkEnqueueDurable(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, "", offline.Options{MaxPending: 1 << 30, MaxPendingBytes: 1 << 40})
	_, q := openGoqite(b)
	b.ResetTimer()
	// Interleaved, so that load from elsewhere on the machine hits both alike.
	var ours, theirs time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := s.Enqueue(ctx, offline.KindAudit, benchPayload); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := q.Send(ctx, goqite.Message{Body: benchPayload}); err != nil {
			b.Fatal(err)
		}
		ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/ours.Seconds(), "offline_msgs/s")
	b.ReportMetric(float64(b.N)/theirs.Seconds(), "goqite_msgs/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "ratio")
}

// benchCenter is a center whose database is on a tmpfs when the machine has one
// (/dev/shm): its writes are then neither counted in the process's write_bytes nor slowed
// by fsync, so what the benchmarks report is the kiosk's side.
func benchCenter(b *testing.B) *testCenter {
	b.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "offline-bench-"); err == nil {
			b.Cleanup(func() { os.RemoveAll(dir) })
			return startCenterIn(b, dir)
		}
	}
	return startCenter(b)
}

func backlogSize() int {
	if v, err := strconv.Atoi(os.Getenv("OFFLINE_BENCH_BACKLOG")); err == nil && v > 0 {
		return v
	}
	return 100_000
}

// BenchmarkDrain100k: one op = drain a 100,000-message backlog to a loopback center,
// first from offline (its sync path, batches of 100), then from goqite (batches of
// 100: receive 100 in one transaction, upload, delete 100 in one transaction — the
// cheapest durable way goqite offers). Set-up is not timed.
func BenchmarkDrain100k(b *testing.B) {
	ctx := context.Background()
	n := backlogSize()
	c := benchCenter(b)
	var ours, theirs time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := openStore(b, "", offline.Options{BatchSize: 100, MaxPending: 1 << 30, MaxPendingBytes: 1 << 40})
		for done := 0; done < n; done += 1000 {
			if err := offline.EnqueueBulk(s, offline.KindAudit, benchPayload, min(1000, n-done)); err != nil {
				b.Fatal(err)
			}
		}
		db, q := openGoqite(b)
		for done := 0; done < n; done += 1000 {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for j := 0; j < min(1000, n-done); j++ {
				if err := q.SendTx(ctx, tx, goqite.Message{Body: benchPayload}); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		cl := c.link(b, "offline-"+strconv.Itoa(i))
		gcl := c.link(b, "goqite-"+strconv.Itoa(i))
		b.StartTimer()

		t0 := time.Now()
		d, _, err := s.SyncOnce(ctx, cl)
		if err != nil || d != n {
			b.Fatalf("offline drained %d of %d: %v", d, n, err)
		}
		ours += time.Since(t0)

		t1 := time.Now()
		if got := drainGoqite(b, db, q, gcl); got != n {
			b.Fatalf("goqite drained %d of %d", got, n)
		}
		theirs += time.Since(t1)
	}
	total := float64(n * b.N)
	b.ReportMetric(total/ours.Seconds(), "offline_msgs/s")
	b.ReportMetric(total/theirs.Seconds(), "goqite_msgs/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "ratio")
	if st := c.Faults().Stats(); len(st.Conflicts) > 0 || st.Duplicates > 0 {
		b.Fatalf("center saw %d conflicts, %d duplicates", len(st.Conflicts), st.Duplicates)
	}
}

func drainGoqite(b *testing.B, db *sql.DB, q *goqite.Queue, cl offline.Sender) int {
	ctx := context.Background()
	seq, total := int64(0), 0
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		var ids []goqite.ID
		var batch []offline.Message
		for len(batch) < 100 {
			m, err := q.ReceiveTx(ctx, tx)
			if err != nil {
				b.Fatal(err)
			}
			if m == nil {
				break
			}
			seq++
			ids = append(ids, m.ID)
			batch = append(batch, offline.Message{Seq: seq, Key: string(m.ID), Kind: offline.KindAudit, Payload: m.Body})
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		if len(batch) == 0 {
			return total
		}
		res, err := cl.Send(ctx, batch)
		if err != nil || len(res) != len(batch) {
			b.Fatalf("goqite upload: %v", err)
		}
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range ids {
			if err := q.DeleteTx(ctx, tx, id); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		total += len(batch)
	}
}

func readWriteBytes() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	return parseIO(string(b), "write_bytes: ")
}

func parseIO(s, key string) int64 {
	for len(s) > 0 {
		line := s
		if i := indexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if len(line) > len(key) && line[:len(key)] == key {
			n, _ := strconv.ParseInt(line[len(key):], 10, 64)
			return n
		}
	}
	return -1
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func filesSize(path string) int64 {
	var n int64
	for _, suf := range []string{"", "-wal"} {
		if st, err := os.Stat(path + suf); err == nil {
			n += st.Size()
		}
	}
	return n
}

// BenchmarkSessionWrites: one op = one complete walk-up transaction (request, print
// with payment, printed, close, one audit event) plus its share of the sync worker's
// delivery commits (batches of 100). Reports commits and bytes written per
// transaction; in WAL with synchronous=FULL each commit is one fsync of the WAL
// (checkpoints, every ~1000 pages, add two more), so commits/txn is the fsync count
// to within the checkpoint share (checked once with
// `strace -f -c -e trace=fsync,fdatasync` on the test binary: 3149 fsyncs for ~1000
// transactions). write_bytes comes from /proc/self/io (bytes the process dirtied in
// the page cache, i.e. what the kernel will write out, counted in whole pages).
// Targets: ≤ 4 commits, ≤ 64 KiB per transaction.
func BenchmarkSessionWrites(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "kiosk.db")
	s := openStore(b, path, offline.Options{MaxPending: 1 << 30, MaxPendingBytes: 1 << 40})
	recovered(b, s)
	c := benchCenter(b)
	cl, issue := c.link(b, "k"), c.issuer(b, "k")
	commits0, wb0, size0 := s.Commits(), readWriteBytes(), filesSize(path)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := runSessionB(b, s, issue)
		_ = x
		if (i+1)%34 == 0 { // ~100 messages per delivery batch (3 per session)
			if _, _, err := s.SyncOnce(ctx, cl); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, _, err := s.SyncOnce(ctx, cl); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(s.Commits()-commits0)/n, "commits/txn")
	if wb0 >= 0 {
		b.ReportMetric(float64(readWriteBytes()-wb0)/n, "write_bytes/txn")
	}
	b.ReportMetric(float64(filesSize(path)-size0)/n, "file_growth_bytes/txn")
}

// runSessionB is one session; its issuance request (issue) is not timed.
func runSessionB(b *testing.B, s *offline.Store, issue func(key string)) *offline.Session {
	ctx := context.Background()
	x, err := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
	if err != nil {
		b.Fatal(err)
	}
	x.CardChecked()
	x.Audit("pin_ok", map[string]any{"tries_left": 3})
	key, err := x.RequestSent(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	issue(key)
	b.StartTimer()
	x.DocumentReceived(300)
	if err := x.PrintStarted(ctx, &offline.Payment{Method: "cash", Amount: 300}); err != nil {
		b.Fatal(err)
	}
	if err := x.Printed(ctx); err != nil {
		b.Fatal(err)
	}
	if err := x.Close(ctx, "card taken"); err != nil {
		b.Fatal(err)
	}
	return x
}
