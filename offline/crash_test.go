package offline_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/reader/readertest"
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

const (
	childEnv   = "OFFLINE_CRASH_CHILD"
	crashKiosk = "crash-1" // the child's kiosk id (CN of its TLS client certificate)
)

// Files of the crash loop's folder, written once by the parent. The kiosk's files are
// centertest.PKI.WriteKioskFiles' (what config names); the card is the resident's test
// card, so that every child signs with the same key (readertest.Key makes a fresh one per
// process).
const (
	crashCardCert = "card.crt"
	crashCardKey  = "card.key"
)

// crashCenter starts the reference center with one resident and writes the kiosk's
// and the card's files into a folder for the children.
func crashCenter(t *testing.T) (c *centertest.Center, dir string) {
	t.Helper()
	ctx := context.Background()
	// The card's RSA key (readertest's pool, made once per process) is generated while
	// the center makes its PKI's: seconds each under qemu.
	go readertest.Key(0)
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("center close: %v", err)
		}
	})
	now := time.Now()
	card, err := c.NewCard(0, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddDemoPerson(ctx, centertest.DemoPeople()[0], card.Cert); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := c.PKI().WriteKioskFiles(dir, crashKiosk); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(card.Key)
	if err != nil {
		t.Fatal(err)
	}
	for name, blk := range map[string]*pem.Block{
		crashCardCert: {Type: "CERTIFICATE", Bytes: card.Cert.Raw},
		crashCardKey:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c, dir
}

// crashClient builds the child's center client from the files, as cmd/kiosk does from
// its configuration, and loads the card.
func crashClient(dir, url string) (*center.Client, *centertest.Card, error) {
	kc, err := tls.LoadX509KeyPair(filepath.Join(dir, "kiosk.crt"), filepath.Join(dir, "kiosk.key"))
	if err != nil {
		return nil, nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "center-ca.pem"))
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, nil, errors.New("no CA certificate in center-ca.pem")
	}
	docKey, err := center.LoadDocumentKey(filepath.Join(dir, "center-doc.pub"))
	if err != nil {
		return nil, nil, err
	}
	cl, err := center.NewClient(center.ClientOptions{BaseURL: url, KioskID: crashKiosk, Certificate: kc, CenterCAs: pool,
		DocumentKey: docKey, ConnectTimeout: 2 * time.Second, RequestTimeout: 5 * time.Second})
	if err != nil {
		return nil, nil, err
	}
	cc, err := tls.LoadX509KeyPair(filepath.Join(dir, crashCardCert), filepath.Join(dir, crashCardKey))
	if err != nil {
		return nil, nil, err
	}
	key, ok := cc.PrivateKey.(*rsa.PrivateKey)
	if !ok || cc.Leaf == nil {
		return nil, nil, errors.New("card: not an RSA key pair")
	}
	return cl, &centertest.Card{Key: key, Cert: cc.Leaf}, nil
}

// tally reports, for the parent, how many messages the center answered as duplicates.
type tally struct {
	offline.Sender
	out func(string, ...any)
}

func (t tally) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	res, err := t.Sender.Send(ctx, batch)
	n := 0
	for _, r := range res {
		if r.Outcome == offline.Duplicate {
			n++
		}
	}
	if n > 0 {
		t.out("dup %d", n)
	}
	return res, err
}

// TestCrashChild is the child process of TestCrashLoop (skipped in a normal run). It
// drives sessions through real issuances at the reference center and syncs through
// centerlink.Link. Once a commit has returned it reports what it made durable on
// stdout ("req", "outcome", "payment", "audit" lines), so the parent can check that
// every one reached the center exactly once.
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
	// Under TestPowerCutLoop the child stops at the crash point and says so: the parent
	// then cuts the power (clears LazyFS's cache) and kills it.
	powerCut := os.Getenv("OFFLINE_CRASH_POWERCUT") != ""
	hook := func(p string) {
		if p == point {
			if hits++; hits == hit {
				if powerCut {
					out("cut %s", p)
					syscall.Kill(os.Getpid(), syscall.SIGSTOP)
				}
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // never continue past the crash point
			}
		}
	}
	ctx := context.Background()
	cl, card, err := crashClient(os.Getenv("OFFLINE_CRASH_DIR"), os.Getenv("OFFLINE_CRASH_URL"))
	if err != nil {
		fail("center client: %v", err)
	}
	link := centerlink.Link{Client: cl}
	snd := tally{Sender: link, out: out}
	s, err := offline.Open(ctx, os.Getenv("OFFLINE_CRASH_DB"), offline.Options{
		CrashHook: hook, BatchSize: 4, BackoffBase: 2 * time.Millisecond, BackoffMax: 10 * time.Millisecond,
		SendTimeout: 2 * time.Second, MinFreeDiskBytes: 1,
	})
	if err != nil {
		fail("open: %v", err)
	}
	recs, err := s.Recover(ctx, link)
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
			_, _, err := s.SyncOnce(ctx, snd)
			b, berr := s.Backlog(ctx)
			if berr != nil {
				fail("backlog: %v", berr)
			}
			if b.Parked > 0 {
				fail("%d messages parked (refused by the center)", b.Parked)
			}
			if b.Count == 0 {
				out("final seq=%d", b.Seq)
				s.Close()
				os.Exit(0)
			}
			if time.Now().After(deadline) {
				fail("final sync: %d messages left: %v", b.Count, err)
			}
			if err != nil {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}

	go s.Sync(ctx, snd, nil)
	must := func(what string, err error) {
		if err != nil {
			fail("%s: %v", what, err)
		}
	}
	for i := 0; i < 25; i++ {
		copies := 1 + rng.IntN(3)
		x, err := s.BeginSession(ctx, offline.Intent{CertType: string(center.ResidentRecord), Copies: copies})
		must("begin", err)
		must("card", x.CardChecked())
		var audits []string // noted on the session: durable with its next commit
		if rng.IntN(3) == 0 {
			id := offline.NewKey()
			must("audit", x.Audit("pin_ok", map[string]any{"tries_left": 3, "id": id}))
			audits = append(audits, id)
		}
		reportAudits := func() {
			for _, id := range audits {
				out("audit %s", id)
			}
		}
		if rng.IntN(10) == 0 {
			must("cancel", x.Close(ctx, "card removed"))
			reportAudits()
			continue
		}
		key, err := x.RequestSent(ctx)
		must("request", err)
		out("req %s", key)
		reportAudits()
		doc, err := centertest.IssueWith(ctx, cl, card, key, center.Request{Type: center.ResidentRecord, Copies: copies})
		switch {
		case errors.Is(err, center.ErrRetryLater):
			// Center unreachable: the session times out and is voided.
			must("close", x.Close(ctx, "center unreachable"))
			out("outcome %s voided", key)
			continue
		case err != nil:
			fail("issue: %v", err) // a refusal or a bad document: the set-up is wrong
		}
		hook(crashAfterIssueReply)
		if rng.IntN(10) == 0 {
			must("close", x.Close(ctx, "fee declined"))
			out("outcome %s voided", key)
			continue
		}
		fee := int64(doc.Document.Fee)
		must("document", x.DocumentReceived(fee))
		var pay *offline.Payment
		if rng.IntN(2) == 0 {
			pay = &offline.Payment{Method: "cash", Amount: fee}
		}
		must("print start", x.PrintStarted(ctx, pay))
		if pay != nil {
			out("payment %s", key)
		}
		hook(crashAfterPrintFinish)
		if rng.IntN(5) == 0 {
			must("print failed", x.PrintFailed(ctx, "paper jam"))
			out("outcome %s voided", key)
		} else {
			must("printed", x.Printed(ctx))
			out("outcome %s completed", key)
		}
		must("close", x.Close(ctx, "card taken"))
		if powerCut && rng.IntN(4) == 0 {
			// A checkpoint (as SQLite's automatic one, or a technician's tool beside the
			// kiosk, does): the main file is written too, so cuts and torn writes reach it.
			must("checkpoint", checkpoint(ctx, os.Getenv("OFFLINE_CRASH_DB")))
		}
		if rng.IntN(4) == 0 {
			id := offline.NewKey()
			must("audit", s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "door_opened", "id": id}))
			out("audit %s", id)
		}
	}
	os.Exit(0)
}

// crashLedger is what the children reported durable, summed over every run.
type crashLedger struct {
	reqs      map[string]bool   // issue keys journaled (RequestSent returned)
	outcomes  map[string]string // issue key -> completed | voided (the outcome's commit returned)
	payments  map[string]bool   // issue keys with a payment committed
	audits    map[string]bool   // audit event ids committed
	dups      int               // messages the center answered "duplicate"
	recovered int               // sessions finished by Recover
	conflicts []string          // a child contradicting an earlier report
}

func newCrashLedger() *crashLedger {
	return &crashLedger{reqs: map[string]bool{}, outcomes: map[string]string{}, payments: map[string]bool{}, audits: map[string]bool{}}
}

func (l *crashLedger) add(lines []string) {
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "recovered":
			n, _ := strconv.Atoi(f[1])
			l.recovered += n
		case "dup":
			n, _ := strconv.Atoi(f[1])
			l.dups += n
		case "req":
			l.reqs[f[1]] = true
		case "payment":
			l.payments[f[1]] = true
		case "audit":
			l.audits[f[1]] = true
		case "outcome":
			if len(f) == 3 {
				if prev, ok := l.outcomes[f[1]]; ok && prev != f[2] {
					l.conflicts = append(l.conflicts, fmt.Sprintf("issue %s reported %s and %s", f[1], prev, f[2]))
				}
				l.outcomes[f[1]] = f[2]
			}
		}
	}
}

type childResult struct {
	killed bool
	lines  []string
	stderr string
}

// runChild runs one child. A killAfter > 0 kills it that long after it started, or,
// with fromReady, that long after it reported its recovery done (so that the kill lands
// in the sessions whatever the machine's speed: under qemu a process start alone can
// take longer than the whole range).
func runChild(t *testing.T, env []string, killAfter time.Duration, fromReady bool) childResult {
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
	var timer *time.Timer
	arm := func() { timer = time.AfterFunc(killAfter, func() { cmd.Process.Kill() }) }
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	if killAfter > 0 && !fromReady {
		arm()
	}
	var res childResult
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "CRASHCHILD ")
		if !ok {
			continue
		}
		res.lines = append(res.lines, line)
		if killAfter > 0 && fromReady && strings.HasPrefix(line, "recovered ") {
			arm()
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

// TestCrashLoop kills a child that drives sessions against the reference center
// (center/centertest: HTTPS with mutual TLS on loopback, SQLite-backed center/server)
// and syncs through centerlink.Link with SIGKILL, at random moments and at named crash
// points, at least minKills times. After every kill the database passes quick_check and
// the restarted child finishes every interrupted session. At the end a final child
// syncs, and then:
//
//   - nothing is left undelivered in the kiosk's outbox, and the center holds exactly
//     the outbox: same keys, sequence numbers, kinds and payloads, nothing more or less;
//   - the center's sequence for the kiosk has no gap and ends at the kiosk's last seq;
//   - every issuance the kiosk journaled has exactly one outcome (completed or voided)
//     at the center, equal to the kiosk's, and none is left "issued";
//   - every outcome, payment and audit event a child reported committed is at the center
//     exactly once;
//   - the resend-after-commit path (a "duplicate" answer) and recovery were exercised.
func TestCrashLoop(t *testing.T) {
	minKills := 200
	if testing.Short() {
		minKills = 24 // under qemu-arm a child costs ~0.75 s (TLS, RSA signatures), the set-up ~4 s (RSA keys)
	}
	c, dir := crashCenter(t)
	db := filepath.Join(dir, "kiosk.db")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	base := []string{childEnv + "=work", "OFFLINE_CRASH_DB=" + db, "OFFLINE_CRASH_DIR=" + dir, "OFFLINE_CRASH_URL=" + c.URL()}
	led := newCrashLedger()
	// Every other run stops at a crash point, the points taken in turn (in a shuffled
	// order) rather than at random, so that even the short loop reaches each of them: the
	// duplicate and recovery checks below must not depend on luck. The other runs are
	// killed after a random delay.
	points := append([]string(nil), crashPoints...)
	rng.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
	kills, pointKills, runs, pointRuns := 0, map[string]int{}, 0, 0
	start := time.Now()
	for kills < minKills {
		runs++
		if runs > 4*minKills {
			t.Fatalf("only %d kills in %d runs", kills, runs)
		}
		env := append(base[:len(base):len(base)], "OFFLINE_CRASH_SEED="+strconv.FormatUint(rng.Uint64(), 10))
		var killAfter time.Duration
		fromReady := false
		point := ""
		switch {
		case runs%2 == 1:
			point = points[pointRuns%len(points)]
			pointRuns++
			env = append(env, "OFFLINE_CRASH_POINT="+point, "OFFLINE_CRASH_HIT="+strconv.Itoa(1+rng.IntN(3)))
		case rng.IntN(3) == 0: // anywhere, start-up and recovery included
			killAfter = time.Duration(5+rng.IntN(150)) * time.Millisecond
		default: // in the sessions
			killAfter, fromReady = time.Duration(1+rng.IntN(150))*time.Millisecond, true
		}
		res := runChild(t, env, killAfter, fromReady)
		led.add(res.lines)
		if res.killed {
			kills++
			if point != "" && !strings.Contains(res.stderr, "child:") {
				pointKills[point]++
			}
		}
		quickCheckFile(t, db)
	}
	finalSeq := finalDrain(t, led, db, dir, c.URL())
	got := readCenter(t, c)
	t.Logf("%d runs, %d kills (%v at crash points) in %v; %d sessions recovered; center: %d messages (%s), %d issuances, %d duplicates answered",
		runs, kills, pointKills, time.Since(start).Round(time.Millisecond), led.recovered, len(got.msgs), got.kinds(), len(got.issuances), led.dups)
	checkCrashOutcome(t, c, got, readKiosk(t, db), led, finalSeq)
	if !testing.Short() && len(pointKills) < len(crashPoints)-1 {
		t.Errorf("only %d of %d crash points were hit: %v", len(pointKills), len(crashPoints), pointKills)
	}
}

// finalDrain runs the final child, which recovers and delivers everything, and returns
// the last sequence number it reported.
func finalDrain(t *testing.T, led *crashLedger, db, dir, url string) int64 {
	t.Helper()
	final := runChild(t, []string{childEnv + "=final", "OFFLINE_CRASH_DB=" + db, "OFFLINE_CRASH_DIR=" + dir, "OFFLINE_CRASH_URL=" + url}, 0, false)
	led.add(final.lines)
	var finalSeq int64
	for _, l := range final.lines {
		if v, ok := strings.CutPrefix(l, "final seq="); ok {
			finalSeq, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if finalSeq == 0 {
		t.Fatalf("final child did not drain: %v\n%s", final.lines, final.stderr)
	}
	return finalSeq
}

type crashMsg struct {
	seq     int64
	key     string
	kind    string
	payload []byte
	state   string // kiosk side: pending | delivered | parked
}

// issueKey is the issue_key of a completed/voided/payment payload.
func (m crashMsg) issueKey() string {
	var p struct {
		IssueKey string `json:"issue_key"`
	}
	_ = json.Unmarshal(m.payload, &p)
	return p.IssueKey
}

func (m crashMsg) id() string {
	var p struct {
		ID     string `json:"id"`
		Detail struct {
			ID string `json:"id"`
		} `json:"detail"`
	}
	_ = json.Unmarshal(m.payload, &p)
	if p.ID != "" {
		return p.ID
	}
	return p.Detail.ID
}

type centerView struct {
	msgs      map[string]crashMsg // by key
	issuances map[string]string   // issue key -> state
}

func (v centerView) kinds() string {
	n := map[string]int{}
	for _, m := range v.msgs {
		n[m.kind]++
	}
	var out []string
	for k, c := range n {
		out = append(out, fmt.Sprintf("%s=%d", k, c))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func readCenter(t *testing.T, c *centertest.Center) centerView {
	t.Helper()
	ctx := context.Background()
	v := centerView{msgs: map[string]crashMsg{}, issuances: map[string]string{}}
	db := c.Server().DB()
	rows, err := db.QueryContext(ctx, `SELECT seq, key, kind, payload FROM messages WHERE kiosk_id = ?`, crashKiosk)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m crashMsg
		if err := rows.Scan(&m.seq, &m.key, &m.kind, &m.payload); err != nil {
			t.Fatal(err)
		}
		v.msgs[m.key] = m
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT key, state FROM issuances WHERE kiosk_id = ?`, crashKiosk)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, st string
		if err := rows.Scan(&k, &st); err != nil {
			t.Fatal(err)
		}
		v.issuances[k] = st
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	return v
}

type kioskView struct {
	outbox   []crashMsg        // by seq
	sessions map[string]string // issue key -> outcome, for sessions that sent a request
	open     int               // sessions not closed
}

func readKiosk(t *testing.T, path string) kioskView {
	t.Helper()
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := kioskView{sessions: map[string]string{}}
	rows, err := db.Query(`SELECT seq, key, kind, payload, state FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m crashMsg
		if err := rows.Scan(&m.seq, &m.key, &m.kind, &m.payload, &m.state); err != nil {
			t.Fatal(err)
		}
		v.outbox = append(v.outbox, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	rows, err = db.Query(`SELECT issue_key, outcome, state FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, outcome, state string
		if err := rows.Scan(&k, &outcome, &state); err != nil {
			t.Fatal(err)
		}
		v.sessions[k] = outcome
		if state != string(offline.StepClosed) {
			v.open++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	return v
}

func checkCrashOutcome(t *testing.T, c *centertest.Center, cv centerView, kv kioskView, led *crashLedger, finalSeq int64) {
	t.Helper()
	for _, s := range led.conflicts {
		t.Errorf("children disagree: %s", s)
	}

	// The kiosk's outbox is all delivered, and the center holds exactly it.
	var lastSeq int64
	seen := map[string]bool{}
	for _, m := range kv.outbox {
		lastSeq = m.seq
		if m.state != "delivered" {
			t.Errorf("kiosk seq %d (%s) left %s", m.seq, m.kind, m.state)
		}
		cm, ok := cv.msgs[m.key]
		switch {
		case !ok:
			t.Errorf("kiosk seq %d (%s, key %s) never reached the center", m.seq, m.kind, m.key)
			continue
		case cm.seq != m.seq || cm.kind != m.kind:
			t.Errorf("key %s: kiosk seq %d %s, center seq %d %s", m.key, m.seq, m.kind, cm.seq, cm.kind)
		case !jsonEqual(cm.payload, m.payload):
			t.Errorf("key %s: payload differs: kiosk %s, center %s", m.key, m.payload, cm.payload)
		}
		seen[m.key] = true
	}
	for k, m := range cv.msgs {
		if !seen[k] {
			t.Errorf("center holds seq %d (%s, key %s) that the kiosk's outbox does not", m.seq, m.kind, k)
		}
	}
	if lastSeq != finalSeq || int64(len(kv.outbox)) != finalSeq {
		t.Errorf("kiosk outbox: %d messages, last seq %d; final child reported %d", len(kv.outbox), lastSeq, finalSeq)
	}
	if kv.open != 0 {
		t.Errorf("%d kiosk sessions not closed after the final recovery", kv.open)
	}

	// The center's sequence for the kiosk is gap-free up to the kiosk's last number.
	gaps, err := c.Server().SequenceGaps(context.Background(), crashKiosk)
	if err != nil {
		t.Fatal(err)
	}
	var maxSeq int64
	for _, m := range cv.msgs {
		maxSeq = max(maxSeq, m.seq)
	}
	if len(gaps) > 0 || maxSeq != finalSeq {
		t.Errorf("center sequence: gaps %v, max %d; kiosk max %d", gaps, maxSeq, finalSeq)
	}

	// Effects: one outcome per issuance, one message per payment and audit event.
	outcomes := map[string][]string{} // issue key -> kinds of completed/voided messages
	payments := map[string]int{}
	audits := map[string]int{}
	for _, m := range cv.msgs {
		switch m.kind {
		case offline.KindCompleted, offline.KindVoided:
			outcomes[m.issueKey()] = append(outcomes[m.issueKey()], m.kind)
		case offline.KindPayment:
			payments[m.issueKey()]++
		case offline.KindAudit:
			audits[m.id()]++
		}
	}
	for key, st := range cv.issuances {
		o := outcomes[key]
		switch {
		case len(o) != 1:
			t.Errorf("issuance %s (%s): %d outcome messages %v, want exactly 1", key, st, len(o), o)
		case o[0] != st:
			t.Errorf("issuance %s is %s at the center after a %s message", key, st, o[0])
		}
		if k, ok := kv.sessions[key]; !ok {
			t.Errorf("center has issuance %s that no kiosk session journaled", key)
		} else if k != st {
			t.Errorf("issuance %s: kiosk outcome %q, center %s", key, k, st)
		}
	}
	for key := range outcomes {
		if _, ok := cv.issuances[key]; !ok {
			t.Errorf("outcome messages for %s, which the center has no issuance for", key)
		}
	}
	for key, o := range kv.sessions {
		if _, ok := cv.issuances[key]; !ok {
			t.Errorf("kiosk session (issue %s, outcome %q) never reached the center", key, o)
		}
	}
	for key := range led.reqs {
		if _, ok := kv.sessions[key]; !ok {
			t.Errorf("issue %s was journaled but the kiosk has no session for it", key)
		}
	}
	for key, o := range led.outcomes {
		if st := cv.issuances[key]; st != o {
			t.Errorf("issue %s: a child committed %s, the center has %q", key, o, st)
		}
	}
	for key := range led.payments {
		if payments[key] != 1 {
			t.Errorf("payment for %s committed; the center has %d", key, payments[key])
		}
	}
	for key, n := range payments {
		if n != 1 {
			t.Errorf("issue %s: %d payments at the center", key, n)
		}
	}
	for id := range led.audits {
		if audits[id] != 1 {
			t.Errorf("audit %s committed; the center has %d", id, audits[id])
		}
	}
	for id, n := range audits {
		if n != 1 {
			t.Errorf("audit %s: %d at the center", id, n)
		}
	}

	// The loop must have exercised what it is for.
	switch {
	case len(led.reqs) == 0 || len(led.outcomes) == 0 || len(led.audits) == 0 || len(led.payments) == 0:
		t.Errorf("children reported %d requests, %d outcomes, %d payments, %d audits: the loop did no work",
			len(led.reqs), len(led.outcomes), len(led.payments), len(led.audits))
	case led.dups == 0:
		t.Error("no duplicate was ever answered: the resend-after-commit path was not exercised")
	case led.recovered == 0:
		t.Error("no session was ever recovered")
	}
}

// didWork: the children reported requests, outcomes, payments and audits, answered a
// duplicate and recovered a session: what a crash loop is for.
func (l *crashLedger) didWork() bool {
	return len(l.reqs) > 0 && len(l.outcomes) > 0 && len(l.audits) > 0 && len(l.payments) > 0 && l.dups > 0 && l.recovered > 0
}

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}
