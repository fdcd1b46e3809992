package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
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
func startPostgres(t *testing.T) *pgtest.Server {
	t.Helper()
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	pg, err := pgtest.Start(context.Background(), pgtest.Options{})
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
	cards := []string{"D0001", "D0002", "D0003"}
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) {
			ctx := context.Background()
			dsn, err := pg.NewDatabase(ctx)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "center")
			args := []string{"init", "-postgres", dsn}
			for k := range kiosks {
				args = append(args, "-kiosk", fmt.Sprintf("k-%02d", k+1))
			}
			var errb strings.Builder
			if rc := run(ctx, append(args, dir), io.Discard, &errb); rc != 0 {
				t.Fatalf("init: %s", errb.String())
			}
			var inst []*instance
			for range n {
				inst = append(inst, startInstance(t, "serve", "-postgres", dsn, "-listen", "127.0.0.1:0", "-always-open", dir))
			}
			pool, docKey := kioskTrust(t, dir)
			var cardOf = map[string]*centertest.Card{}
			for _, c := range cards {
				cardOf[c] = loadCard(t, dir, c)
			}

			var done, retries, moves atomic.Int64
			killAt := int64(kiosks * perKiosk / 3)
			killed := make(chan struct{})
			var killOnce sync.Once
			var mu sync.Mutex
			var docs []issuedDoc
			var maxStall time.Duration
			errs := make(chan error, kiosks)
			start := time.Now()
			var wg sync.WaitGroup
			for k := range kiosks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- func() error {
						id := fmt.Sprintf("k-%02d", k+1)
						kc, err := tls.LoadX509KeyPair(filepath.Join(dir, "kiosk-"+id+".crt"), filepath.Join(dir, "kiosk-"+id+".key"))
						if err != nil {
							return err
						}
						// Each kiosk lists every instance, starting at its own.
						var urls []string
						for i := range n {
							urls = append(urls, inst[(k+i)%n].url)
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
										maxStall = max(maxStall, d)
										mu.Unlock()
									}
									return err
								}
								retries.Add(1)
								if time.Since(began) > 30*time.Second {
									return fmt.Errorf("%s: still retrying after 30s: %w", what, err)
								}
								time.Sleep(20 * time.Millisecond)
							}
						}
						for i := range perKiosk {
							code := cards[(k+i)%len(cards)]
							card := cardOf[code]
							key := centertest.NewKey()
							var ch center.Challenge
							if err := retry("challenge", func() (err error) { ch, err = cl.Challenge(ctx); return err }); err != nil {
								return err
							}
							sig, err := card.Sign(ch.Challenge, id, center.Request{Type: center.ResidentRecord, Copies: 1})
							if err != nil {
								return err
							}
							in := center.Issue{Key: key, Challenge: ch.Challenge, AuthCert: card.Cert.Raw, Signature: sig,
								Request: center.Request{Type: center.ResidentRecord, Copies: 1}}
							var got *center.Issued
							if err := retry("issue", func() (err error) { got, err = cl.Issue(ctx, in); return err }); err != nil {
								return fmt.Errorf("%s transaction %d: %w", id, i+1, err)
							}
							payload, _ := json.Marshal(map[string]string{"issue_key": key})
							msg := center.Message{Seq: int64(i + 1), Key: centertest.NewKey(), Kind: center.KindCompleted, Payload: payload}
							if err := retry("completed", func() error {
								res, err := cl.SendMessages(ctx, []center.Message{msg})
								if err == nil && res[0].Outcome != center.OutcomeAccepted && res[0].Outcome != center.OutcomeDuplicate {
									return fmt.Errorf("completed refused: %s", res[0].Error)
								}
								return err
							}); err != nil {
								return fmt.Errorf("%s transaction %d: %w", id, i+1, err)
							}
							mu.Lock()
							docs = append(docs, issuedDoc{kiosk: id, key: key, issueID: got.Document.IssueID,
								fingerprint: got.Document.CardFingerprint, resident: code})
							mu.Unlock()
							if done.Add(1) == killAt {
								killOnce.Do(func() { inst[0].kill(); close(killed) })
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
			select {
			case <-killed:
			default:
				t.Fatal("the load ended before an instance was killed")
			}
			elapsed := time.Since(start)

			// The database, as an administration command sees it.
			s, err := server.Open(ctx, server.Options{Postgres: dsn, JPKIRoots: []*x509.Certificate{cardOf["D0001"].Cert},
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
			var lost, wrong int
			for _, d := range docs {
				got, ok := stored[d.kiosk+"/"+d.key]
				switch {
				case !ok:
					lost++
				case got != d || d.fingerprint != center.Fingerprint(cardOf[d.resident].Cert.Raw):
					wrong++
				}
			}
			doubled := len(stored) - (len(docs) - lost)
			var gaps []string
			for k := range kiosks {
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
			t.Logf("%d instances, one SIGKILLed after %d of %d transactions: %d documents in %v, %d requests failed over, %d retries, longest wait for one answer %v; lost %d, doubled %d, wrong person %d, states %v",
				n, killAt, kiosks*perKiosk, len(docs), elapsed.Round(time.Millisecond), moves.Load(), retries.Load(), maxStall.Round(time.Millisecond), lost, doubled, wrong, states)
			if len(docs) != kiosks*perKiosk || lost != 0 || doubled != 0 || wrong != 0 {
				t.Errorf("documents %d of %d; lost %d, doubled %d, wrong person %d", len(docs), kiosks*perKiosk, lost, doubled, wrong)
			}
			if states["completed"] != kiosks*perKiosk || len(states) != 1 {
				t.Errorf("states %v, want every one completed", states)
			}
			if len(gaps) != 0 {
				t.Errorf("sequence gaps: %v", gaps)
			}
			// The kiosks that started at the killed instance carried on elsewhere.
			if moves.Load() < int64((kiosks+n-1)/n) {
				t.Errorf("%d requests failed over; at least the %d kiosks that began at the killed instance must have", moves.Load(), (kiosks+n-1)/n)
			}
		})
	}
}
