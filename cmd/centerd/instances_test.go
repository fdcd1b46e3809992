package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/centertest/pgtest"
	"madoguchi/center/server"
)

// childEnv carries the arguments of a centerd child process (JSON array): the test
// binary started again runs run() with them instead of the tests.
const childEnv = "MADOGUCHI_CENTERD_CHILD"

func TestMain(m *testing.M) {
	if a := os.Getenv(childEnv); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, "centerd child:", err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		os.Exit(run(ctx, args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startPostgres starts a private PostgreSQL for the test, or leaves the test out on a
// developer machine without Debian's server (make test sets MADOGUCHI_REQUIRE_POSTGRES).
func startPostgres(t *testing.T, settings ...map[string]string) *pgtest.Server {
	t.Helper()
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var opts pgtest.Options
	if len(settings) > 0 {
		opts.Settings = settings[0]
	}
	pg, err := pgtest.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pg.Stop(); err != nil {
			t.Error(err)
		}
	})
	return pg
}

// instance is one centerd serve child process.
type instance struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func startInstance(t *testing.T, args ...string) *instance {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(a))
	logf, err := os.Create(filepath.Join(t.TempDir(), "centerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-in.done
		logf.Close()
	})
	br := bufio.NewReader(out)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "centerd: serving ") {
		cmd.Process.Kill()
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("centerd serve: %q %v\n%s", line, err, b)
	}
	go func() { io.Copy(io.Discard, br); cmd.Wait(); close(in.done) }()
	in.url = strings.TrimSpace(strings.TrimPrefix(line, "centerd: serving "))
	return in
}

// kill ends the instance like a crash of its machine.
func (in *instance) kill() {
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.done
}

// issuedDoc is what a kiosk got and printed for one transaction.
type issuedDoc struct {
	kiosk, key, issueID, fingerprint, resident string
}

// load is a run of simulated kiosks against centerd instances.
type load struct {
	dir      string
	inst     []*instance
	kiosks   int
	perKiosk int
	// crashAt: after this many completed transactions, crash is called once (from the
	// kiosk that completed it; the others keep going).
	crashAt int64
	crash   func()
}

// loadResult is what the kiosks got.
type loadResult struct {
	docs     []issuedDoc
	moves    int64         // requests the clients passed to another instance
	retries  int64         // retries after an unavailable answer from every instance
	maxStall time.Duration // the longest a kiosk waited for one answer, retries included
	elapsed  time.Duration
	cardOf   map[string]*centertest.Card
}

var loadCards = []string{"D0001", "D0002", "D0003"}

// initCenter runs centerd init for kiosks k-01.. on the database dsn.
func initCenter(t *testing.T, dsn string, kiosks int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "center")
	args := []string{"init", "-postgres", dsn}
	for k := range kiosks {
		args = append(args, "-kiosk", fmt.Sprintf("k-%02d", k+1))
	}
	var errb strings.Builder
	if rc := run(context.Background(), append(args, dir), io.Discard, &errb); rc != 0 {
		t.Fatalf("init: %s", errb.String())
	}
	return dir
}

// run drives the kiosks: each lists every instance (starting at its own), and for each
// transaction gets a challenge, has its card sign, asks for the document, and reports it
// completed, retrying with the same key and message while the center is unavailable.
func (l load) run(t *testing.T) loadResult {
	t.Helper()
	ctx := context.Background()
	pool, docKey := kioskTrust(t, l.dir)
	res := loadResult{cardOf: map[string]*centertest.Card{}}
	for _, c := range loadCards {
		res.cardOf[c] = loadCard(t, l.dir, c)
	}
	var done, retries, moves atomic.Int64
	var crashOnce sync.Once
	crashed := false
	var mu sync.Mutex
	errs := make(chan error, l.kiosks)
	start := time.Now()
	var wg sync.WaitGroup
	n := len(l.inst)
	req := center.Request{Type: center.ResidentRecord, Copies: 1}
	for k := range l.kiosks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				id := fmt.Sprintf("k-%02d", k+1)
				kc, err := tls.LoadX509KeyPair(filepath.Join(l.dir, "kiosk-"+id+".crt"), filepath.Join(l.dir, "kiosk-"+id+".key"))
				if err != nil {
					return err
				}
				var urls []string
				for i := range n {
					urls = append(urls, l.inst[(k+i)%n].url)
				}
				cl, err := center.NewClient(center.ClientOptions{BaseURL: urls[0], Fallbacks: urls[1:], Certificate: kc,
					CenterCAs: pool, DocumentKey: docKey, ConnectTimeout: 2 * time.Second, RequestTimeout: 10 * time.Second})
				if err != nil {
					return err
				}
				defer cl.Close()
				defer func() { moves.Add(cl.FailOvers()) }()
				// retry repeats f while the center asks to retry later (same body).
				retry := func(what string, f func() error) error {
					began := time.Now()
					for {
						err := f()
						if err == nil || !errors.Is(err, center.ErrRetryLater) {
							if d := time.Since(began); err == nil {
								mu.Lock()
								res.maxStall = max(res.maxStall, d)
								mu.Unlock()
							}
							return err
						}
						retries.Add(1)
						if time.Since(began) > 60*time.Second {
							return fmt.Errorf("%s: still retrying after 60s: %w", what, err)
						}
						time.Sleep(20 * time.Millisecond)
					}
				}
				for i := range l.perKiosk {
					code := loadCards[(k+i)%len(loadCards)]
					card := res.cardOf[code]
					key := centertest.NewKey()
					var ch center.Challenge
					if err := retry("challenge", func() (err error) { ch, err = cl.Challenge(ctx); return err }); err != nil {
						return err
					}
					sig, err := card.Sign(ch.Challenge, id, req)
					if err != nil {
						return err
					}
					in := center.Issue{Key: key, Challenge: ch.Challenge, AuthCert: card.Cert.Raw, Signature: sig, Request: req}
					var got *center.Issued
					if err := retry("issue", func() (err error) { got, err = cl.Issue(ctx, in); return err }); err != nil {
						return fmt.Errorf("%s transaction %d: %w", id, i+1, err)
					}
					payload, _ := json.Marshal(map[string]string{"issue_key": key})
					msg := center.Message{Seq: int64(i + 1), Key: centertest.NewKey(), Kind: center.KindCompleted, Payload: payload}
					if err := retry("completed", func() error {
						r, err := cl.SendMessages(ctx, []center.Message{msg})
						if err == nil && r[0].Outcome != center.OutcomeAccepted && r[0].Outcome != center.OutcomeDuplicate {
							return fmt.Errorf("completed refused: %s", r[0].Error)
						}
						return err
					}); err != nil {
						return fmt.Errorf("%s transaction %d: %w", id, i+1, err)
					}
					mu.Lock()
					res.docs = append(res.docs, issuedDoc{kiosk: id, key: key, issueID: got.Document.IssueID,
						fingerprint: got.Document.CardFingerprint, resident: code})
					mu.Unlock()
					if done.Add(1) == l.crashAt {
						crashOnce.Do(func() { l.crash(); mu.Lock(); crashed = true; mu.Unlock() })
					}
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !crashed {
		t.Fatal("the load ended before the crash")
	}
	res.elapsed, res.moves, res.retries = time.Since(start), moves.Load(), retries.Load()
	return res
}

// check compares the database with what the kiosks got: every document there once,
// bound to the right card and person, completed; no sequence gap.
func (l load) check(t *testing.T, dsn string, res loadResult) (lost, doubled, wrong int) {
	t.Helper()
	ctx := context.Background()
	pool, _ := kioskTrust(t, l.dir)
	s, err := server.Open(ctx, server.Options{Postgres: dsn, JPKIRoots: []*x509.Certificate{res.cardOf["D0001"].Cert},
		KioskCAs: pool, DocumentKey: make([]byte, 64)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().QueryContext(ctx, `SELECT i.kiosk_id, i.key, i.issue_id, i.fingerprint, r.code, i.state
		FROM issuances i JOIN residents r ON r.id = i.resident_id`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]issuedDoc{}
	states := map[string]int{}
	for rows.Next() {
		var d issuedDoc
		var state string
		if err := rows.Scan(&d.kiosk, &d.key, &d.issueID, &d.fingerprint, &d.resident, &state); err != nil {
			t.Fatal(err)
		}
		stored[d.kiosk+"/"+d.key] = d
		states[state]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, d := range res.docs {
		got, ok := stored[d.kiosk+"/"+d.key]
		switch {
		case !ok:
			lost++
		case got != d || d.fingerprint != center.Fingerprint(res.cardOf[d.resident].Cert.Raw):
			wrong++
		}
	}
	doubled = len(stored) - (len(res.docs) - lost)
	var gaps []string
	for k := range l.kiosks {
		id := fmt.Sprintf("k-%02d", k+1)
		g, err := s.SequenceGaps(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range g {
			gaps = append(gaps, fmt.Sprintf("%s %d-%d", id, x.From, x.To))
		}
	}
	sort.Strings(gaps)
	total := l.kiosks * l.perKiosk
	if len(res.docs) != total || lost != 0 || doubled != 0 || wrong != 0 {
		t.Errorf("documents %d of %d; lost %d, doubled %d, wrong person %d", len(res.docs), total, lost, doubled, wrong)
	}
	if states["completed"] != total || len(states) != 1 {
		t.Errorf("states %v, want every one completed", states)
	}
	if len(gaps) != 0 {
		t.Errorf("sequence gaps: %v", gaps)
	}
	return lost, doubled, wrong
}

// TestInstancesFailOver: two and three centerd processes on one PostgreSQL serve kiosks
// whose configuration lists every instance; one instance is SIGKILLed mid-load; the
// kiosks keep issuing (failing over with the same keys) and complete every transaction.
// Afterwards the database holds exactly the kiosks' documents: 0 lost, 0 doubled, 0
// bound to another person, every transaction completed, and no sequence gap (every
// kiosk delivered 1..n).
func TestInstancesFailOver(t *testing.T) {
	pg := startPostgres(t)
	perKiosk := 12
	if testing.Short() {
		perKiosk = 6
	}
	const kiosks = 6
	counts := []int{2, 3}
	if testing.Short() {
		counts = counts[:1] // each set-up makes seven RSA card keys: seconds each under qemu-arm
	}
	for _, n := range counts {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) {
			dsn, err := pg.NewDatabase(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			l := load{dir: initCenter(t, dsn, kiosks), kiosks: kiosks, perKiosk: perKiosk, crashAt: int64(kiosks * perKiosk / 3)}
			for range n {
				l.inst = append(l.inst, startInstance(t, "serve", "-postgres", dsn, "-listen", "127.0.0.1:0", "-always-open", l.dir))
			}
			l.crash = l.inst[0].kill
			res := l.run(t)
			lost, doubled, wrong := l.check(t, dsn, res)
			t.Logf("%d instances, one SIGKILLed after %d of %d transactions: %d documents in %v, %d requests failed over, %d retries, longest wait for one answer %v; lost %d, doubled %d, wrong person %d",
				n, l.crashAt, kiosks*perKiosk, len(res.docs), res.elapsed.Round(time.Millisecond), res.moves, res.retries, res.maxStall.Round(time.Millisecond), lost, doubled, wrong)
			// The kiosks that started at the killed instance carried on elsewhere.
			if res.moves < int64((kiosks+n-1)/n) {
				t.Errorf("%d requests failed over; at least the %d kiosks that began at the killed instance must have", res.moves, (kiosks+n-1)/n)
			}
		})
	}
}

// TestStandbyFailOver: PostgreSQL with a synchronous streaming standby
// (synchronous_standby_names), two centerd instances whose connection string lists both
// servers with target_session_attrs=read-write; the primary is SIGKILLed mid-load and
// the standby promoted; the instances reconnect and the kiosks finish. Every document a
// kiosk got, and every message the center accepted, is on the promoted standby: 0 lost,
// 0 doubled, 0 wrong person, no sequence gap. The kiosks' longest wait is printed.
func TestStandbyFailOver(t *testing.T) {
	primary := startPostgres(t, map[string]string{"synchronous_standby_names": "*"})
	ctx := context.Background()
	standby, err := pgtest.Start(ctx, pgtest.Options{StandbyOf: primary})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { standby.Stop() })
	one, err := primary.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The standby must be synchronous: a commit is acknowledged once it is on both.
	db, err := sql.Open("pgx", one)
	if err != nil {
		t.Fatal(err)
	}
	var syncState string
	for range 100 {
		if err = db.QueryRow(`SELECT sync_state FROM pg_stat_replication`).Scan(&syncState); err == nil && syncState == "sync" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	db.Close()
	if syncState != "sync" {
		t.Fatalf("standby replication state %q (%v), want sync", syncState, err)
	}
	dbname := one[strings.Index(one, "dbname=")+len("dbname="):]
	dbname = dbname[:strings.IndexByte(dbname, ' ')]
	dsn := fmt.Sprintf("host=%s,%s port=%d,%d user=%s dbname=%s sslmode=disable target_session_attrs=read-write connect_timeout=2",
		primary.Dir, standby.Dir, primary.Port, standby.Port, primary.User, dbname)
	perKiosk := 12
	if testing.Short() {
		perKiosk = 6
	}
	const kiosks = 6
	l := load{dir: initCenter(t, dsn, kiosks), kiosks: kiosks, perKiosk: perKiosk, crashAt: int64(kiosks * perKiosk / 3)}
	for range 2 {
		l.inst = append(l.inst, startInstance(t, "serve", "-postgres", dsn, "-listen", "127.0.0.1:0", "-always-open", l.dir))
	}
	var promoted time.Duration
	l.crash = func() {
		primary.Kill()
		t0 := time.Now()
		// An operator (or a cluster manager) notices and promotes the standby.
		if err := standby.Promote(ctx); err != nil {
			t.Error(err)
		}
		promoted = time.Since(t0)
	}
	res := l.run(t)
	lost, doubled, wrong := l.check(t, dsn, res)
	t.Logf("primary SIGKILLed after %d of %d transactions, standby promoted in %v: %d documents in %v, %d retries; kiosks' longest wait for one answer %v; lost %d, doubled %d, wrong person %d",
		l.crashAt, kiosks*perKiosk, promoted.Round(time.Millisecond), len(res.docs), res.elapsed.Round(time.Millisecond), res.retries,
		res.maxStall.Round(time.Millisecond), lost, doubled, wrong)
}
