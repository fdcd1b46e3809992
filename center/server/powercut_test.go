package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
	"madoguchi/internal/lazyfstest"
	"madoguchi/reader/readertest"
)

const cutKiosk = "cut-1"

// TestCenterCutChild is the center process of TestCenterPowerCutLoop (skipped in a
// normal run): the reference center over HTTPS on a given address with its database on
// the parent's LazyFS mount.
func TestCenterCutChild(t *testing.T) {
	dir := os.Getenv("CENTER_CUT_PKI")
	if dir == "" {
		t.Skip("helper process of TestCenterPowerCutLoop")
	}
	fail := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "center child: "+f+"\n", a...)
		os.Exit(2)
	}
	ctx := context.Background()
	pki, err := centertest.LoadPKI(dir)
	if err != nil {
		fail("pki: %v", err)
	}
	c, err := centertest.New(ctx, centertest.Options{Dir: os.Getenv("CENTER_CUT_DB"), PKI: pki, Addr: os.Getenv("CENTER_CUT_ADDR")})
	if err != nil {
		fail("start: %v", err)
	}
	if os.Getenv("CENTER_CUT_INIT") != "" {
		b, err := os.ReadFile(filepath.Join(dir, "card.crt"))
		if err != nil {
			fail("card: %v", err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			fail("card: no PEM")
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			fail("card: %v", err)
		}
		if err := c.AddDemoPerson(ctx, centertest.DemoPeople()[0], cert); err != nil {
			fail("resident: %v", err)
		}
	}
	fmt.Println("CENTERCHILD ready")
	select {}
}

// cutIssue is one issuance as the kiosk side of the loop knows it.
type cutIssue struct {
	in      center.Issue
	answer  []byte // payload + signature of the document received ("" before)
	refused string // the refusal code, when the center refused it
	outcome center.MessageKind
}

// cutRun is the kiosk side of the center power-cut loop: the requests it made and
// what the center answered, checked against each other at every replay.
type cutRun struct {
	t       *testing.T
	card    *centertest.Card
	issues  map[string]*cutIssue
	order   []string
	msgs    []center.Message // every message made, in seq order
	acked   int              // msgs[:acked] were answered accepted or duplicate
	replay  func(cl *center.Client) error
	answers int // answers that were replayed after a cut and compared
	docs    int
	dupMsgs int
}

func docBytes(d *center.Issued) []byte {
	return append(append([]byte(nil), d.Payload...), d.Signature...)
}

// issue sends (or re-sends) one issuance and checks the answer against the earlier one.
func (r *cutRun) issue(ctx context.Context, cl *center.Client, x *cutIssue) error {
	d, err := cl.Issue(ctx, x.in)
	switch {
	case err == nil:
		b := docBytes(d)
		if x.answer != nil && !bytes.Equal(b, x.answer) {
			r.t.Errorf("issue %s: a second, different document on replay (%s)", x.in.Key, d.Document.IssueID)
		}
		if x.refused != "" {
			r.t.Errorf("issue %s: refused (%s), then a document", x.in.Key, x.refused)
		}
		if x.answer == nil {
			r.docs++
		}
		x.answer = b
		return nil
	case errors.Is(err, center.ErrRetryLater):
		return err
	default:
		var ce *center.Error
		code := "refused"
		if errors.As(err, &ce) {
			code = string(ce.Code)
		}
		if x.answer != nil && x.outcome == center.KindVoided && code == string(center.CodeVoided) {
			return nil // the kiosk voided it since (the void reached the center, its answer perhaps not): a voided key never issues again
		}
		if x.answer != nil {
			r.t.Errorf("issue %s: a document, then refused on replay: %v (the answer was not durable)", x.in.Key, err)
		}
		x.refused = code
		return nil
	}
}

// send uploads the messages not yet acknowledged.
func (r *cutRun) send(ctx context.Context, cl *center.Client) error {
	batch := r.msgs[r.acked:]
	if len(batch) == 0 {
		return nil
	}
	res, err := cl.SendMessages(ctx, batch)
	if err != nil {
		return err
	}
	for _, m := range res {
		if m.Outcome != center.OutcomeAccepted && m.Outcome != center.OutcomeDuplicate {
			r.t.Fatalf("message %d (%s) refused: %s", m.Seq, m.Key, m.Error)
		}
		if m.Outcome == center.OutcomeDuplicate {
			r.dupMsgs++
		}
	}
	acked := batch
	r.acked += len(batch)
	// The replay after a cut: every message of this answer is a duplicate now.
	r.replay = func(cl *center.Client) error {
		res, err := cl.SendMessages(ctx, acked)
		if err != nil {
			return err
		}
		for _, m := range res {
			if m.Outcome != center.OutcomeDuplicate {
				r.t.Errorf("message %d answered before the cut, %s after it (the answer was not durable)", m.Seq, m.Outcome)
			}
		}
		r.answers++
		return nil
	}
	return nil
}

// step does the next piece of work: resolve what is open, else (with more) a new
// issuance or an outcome message. It reports false when there was nothing to do.
func (r *cutRun) step(ctx context.Context, cl *center.Client, rng *rand.Rand, more bool) (answered bool, err error) {
	for _, k := range r.order {
		if x := r.issues[k]; x.answer == nil && x.refused == "" {
			return true, r.issue(ctx, cl, x)
		}
	}
	if r.acked < len(r.msgs) {
		return true, r.send(ctx, cl)
	}
	if !more {
		return false, nil
	}
	var open []*cutIssue
	for _, k := range r.order {
		if x := r.issues[k]; x.answer != nil && x.outcome == "" {
			open = append(open, x)
		}
	}
	if len(open) > 0 && rng.IntN(2) == 0 {
		x := open[rng.IntN(len(open))]
		x.outcome = center.KindCompleted
		if rng.IntN(4) == 0 {
			x.outcome = center.KindVoided
		}
		payload, _ := json.Marshal(map[string]any{"issue_key": x.in.Key})
		r.msgs = append(r.msgs, center.Message{Seq: int64(len(r.msgs) + 1), Key: centertest.NewKey(), Kind: x.outcome, Payload: payload})
		return true, r.send(ctx, cl)
	}
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return false, err
	}
	req := center.Request{Type: center.ResidentRecord, Copies: 1 + rng.IntN(2)}
	sig, err := r.card.Sign(ch.Challenge, cl.KioskID(), req)
	if err != nil {
		r.t.Fatal(err)
	}
	x := &cutIssue{in: center.Issue{Key: centertest.NewKey(), Challenge: ch.Challenge, AuthCert: r.card.Cert.Raw, Signature: sig, Request: req}}
	r.issues[x.in.Key] = x
	r.order = append(r.order, x.in.Key)
	if err := r.issue(ctx, cl, x); err != nil {
		return false, err
	}
	if x.answer != nil {
		ans := x
		r.replay = func(cl *center.Client) error {
			if err := r.issue(ctx, cl, ans); err != nil {
				return err
			}
			r.answers++
			return nil
		}
	}
	return true, nil
}

// centerFaults are the LazyFS faults on the center's database.
var centerFaults = []struct {
	name string
	arm  func(fs *lazyfstest.FS) error
}{
	{"crash before WAL fsync", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.Before, "fsync", `center\.db-wal$`) }},
	{"crash after WAL fsync", func(fs *lazyfstest.FS) error { return fs.CrashAt(lazyfstest.After, "fsync", `center\.db-wal$`) }},
	{"torn WAL write", func(fs *lazyfstest.FS) error { return fs.TornOp("center.db-wal", 3, 1) }},
	{"torn WAL sequence", func(fs *lazyfstest.FS) error { return fs.TornSeq("center.db-wal", "write", 1) }},
}

// TestCenterPowerCutLoop runs the reference center in a child process with its database
// on LazyFS and cuts its power — right after it answered a kiosk (the kiosk's retry
// then goes to the restarted center), at random moments while requests are in flight,
// and as LazyFS faults on its WAL (a crash before or after the fsync, torn writes) — at
// least 50 times. Every answer given before a cut is given again, byte for byte, after
// it (a document, or "duplicate" for messages); no key ever gets a second document or a
// document after a refusal; quick_check is ok after every cut; at the end the center
// holds every acknowledged message exactly once, gap-free, and one issuance per key with
// the outcome the messages gave it.
func TestCenterPowerCutLoop(t *testing.T) {
	// Under qemu-user (the arm runs) a request costs ~20 times what it does natively.
	slow := time.Duration(1)
	if runtime.GOARCH != "amd64" {
		slow = 20
	}
	minCuts := 50
	switch {
	case testing.Short() && runtime.GOARCH != "amd64":
		minCuts = 5 // the arm runs are under qemu-user: a center start costs seconds there
	case testing.Short():
		minCuts = 12
	}
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	if err := fs.BindOutside("center.db-shm"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	go readertest.Key(0)
	pki, err := centertest.NewPKI(now)
	if err != nil {
		t.Fatal(err)
	}
	pkiDir := t.TempDir()
	if err := pki.Write(pkiDir); err != nil {
		t.Fatal(err)
	}
	key := readertest.Key(0)
	cert, err := pki.AuthCA.IssueAuth(&key.PublicKey, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkiDir, "card.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	kc, err := pki.KioskCert(cutKiosk)
	if err != nil {
		t.Fatal(err)
	}
	newClient := func() *center.Client {
		cl, err := center.NewClient(center.ClientOptions{BaseURL: "https://" + addr, KioskID: cutKiosk, Certificate: kc,
			CenterCAs: pki.CAPool(), DocumentKey: pki.DocumentPublicKey(), ConnectTimeout: 5 * time.Second, RequestTimeout: 15 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	db := filepath.Join(fs.Dir, "center.db")
	env := []string{"CENTER_CUT_PKI=" + pkiDir, "CENTER_CUT_DB=" + fs.Dir, "CENTER_CUT_ADDR=" + addr}

	// CENTER_CUT_SEED replays a logged seed (the cut moments still depend on timing).
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CENTER_CUT_SEED"); v != "" {
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("CENTER_CUT_SEED: %v", err)
		}
	}
	t.Logf("seed %d (CENTER_CUT_SEED replays it)", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	r := &cutRun{t: t, card: &centertest.Card{Key: key, Cert: cert}, issues: map[string]*cutIssue{}}
	ctx := context.Background()
	cuts, runs, hit := 0, 0, map[string]int{}
	start := time.Now()
	for final := false; ; {
		runs++
		if runs > 3*minCuts+10 {
			t.Fatalf("only %d cuts in %d runs", cuts, runs)
		}
		e := env
		if runs == 1 {
			e = append(e, "CENTER_CUT_INIT=1")
		}
		child := startCenterChild(t, e)
		cl := newClient()
		// The last answer before the cut, asked again of the restarted center.
		// (A kiosk retries a connection the restarted center resets; so does this.)
		for try := 0; r.replay != nil; try++ {
			err := r.replay(cl)
			switch {
			case err == nil:
				r.replay = nil
			case try < 20 && errors.Is(err, center.ErrRetryLater):
				time.Sleep(50 * time.Millisecond)
			default:
				t.Fatalf("replay after a restart: %v", err)
			}
		}
		name := ""
		var once sync.Once
		cut := func() { once.Do(func() { fs.PowerCut(child.Process) }) }
		var timer *time.Timer
		switch m := runs % 3; {
		case final:
		case m == 0:
			name = "after an answer"
		case m == 1:
			name = "random"
			timer = time.AfterFunc(time.Duration(1+rng.IntN(120))*time.Millisecond*slow, cut)
		default:
			f := centerFaults[(runs/3)%len(centerFaults)]
			name = f.name
			if err := f.arm(fs); err != nil {
				t.Fatal(err)
			}
		}
		// Work until the power goes (or, for the final run, until nothing is open).
		steps := 0
		for deadline := time.Now().Add(3 * time.Second * slow); time.Now().Before(deadline); steps++ {
			answered, err := r.step(ctx, cl, rng, !final)
			if err != nil {
				break // the center is down: the cut happened
			}
			if final && !answered {
				break
			}
			if name == "after an answer" && answered && steps >= rng.IntN(6) {
				cut()
				break
			}
		}
		if timer != nil {
			timer.Stop()
		}
		cl.Close()
		cut() // whatever happened, the power goes now (also ends a child a fault left alive)
		child.Wait()
		if final {
			break
		}
		if !fs.Running() || strings.HasPrefix(name, "crash") || strings.HasPrefix(name, "torn") {
			if err := fs.Remount(); err != nil {
				t.Fatal(err)
			}
		}
		cuts++
		hit[name]++
		quickCheckCenter(t, db)
		final = cuts >= minCuts
	}
	quickCheckCenter(t, db)
	mounts, _, crashes := fs.Figures()
	t.Logf("center power cuts: %d in %d runs (%d LazyFS crashes, %d mounts) in %v; %d issuances (%d documents), %d messages (%d answered duplicate), %d answers replayed after a cut",
		cuts, runs, crashes, mounts, time.Since(start).Round(time.Millisecond), len(r.order), r.docs, len(r.msgs), r.dupMsgs, r.answers)
	var by []string
	for k, v := range hit {
		by = append(by, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(by)
	t.Logf("cut: %s", strings.Join(by, ", "))
	r.check(db)
	if r.answers == 0 || r.docs == 0 || r.acked == 0 {
		t.Errorf("the loop did no work: %d replays, %d documents, %d messages", r.answers, r.docs, r.acked)
	}
}

// open counts issuances without an answer and messages not acknowledged.
func (r *cutRun) open() int {
	n := len(r.msgs) - r.acked
	for _, x := range r.issues {
		if x.answer == nil && x.refused == "" {
			n++
		}
	}
	return n
}

func startCenterChild(t *testing.T, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCenterCutChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "CENTERCHILD ready" {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("center child ended before it was ready: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("center child not ready in 30 s: %s", stderr.String())
	}
	return cmd
}

func quickCheckCenter(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", server.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA quick_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("center quick_check after the cut = %q, %v", res, err)
	}
}

// check compares the center's database with what the kiosk side was told.
func (r *cutRun) check(path string) {
	t := r.t
	db, err := sql.Open("sqlite3", server.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type row struct{ issueID, state string }
	rows, err := db.Query(`SELECT key, COALESCE(issue_id, ''), state FROM issuances WHERE kiosk_id = ?`, cutKiosk)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]row{}
	ids := map[string]bool{}
	for rows.Next() {
		var k string
		var w row
		if err := rows.Scan(&k, &w.issueID, &w.state); err != nil {
			t.Fatal(err)
		}
		if _, dup := got[k]; dup {
			t.Errorf("key %s: two issuances", k)
		}
		if w.issueID != "" && ids[w.issueID] {
			t.Errorf("issue id %s twice", w.issueID)
		}
		got[k], ids[w.issueID] = w, true
	}
	rows.Close()
	for k, x := range r.issues {
		w, ok := got[k]
		switch {
		case x.answer != nil && !ok:
			t.Errorf("issue %s: the kiosk has a document, the center no issuance", k)
		case x.refused != "" && ok && w.issueID != "":
			t.Errorf("issue %s: refused (%s), yet the center holds document %s", k, x.refused, w.issueID)
		case x.outcome != "" && w.state != string(x.outcome):
			t.Errorf("issue %s: outcome %s acknowledged, the center has %s", k, x.outcome, w.state)
		}
	}
	for k := range got {
		if _, ok := r.issues[k]; !ok {
			t.Errorf("the center holds issuance %s the kiosk never asked for", k)
		}
	}
	var n, maxSeq int64
	if err := db.QueryRow(`SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM messages WHERE kiosk_id = ?`, cutKiosk).Scan(&n, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if n != int64(r.acked) || maxSeq != int64(r.acked) {
		t.Errorf("center holds %d messages up to seq %d; the kiosk had %d acknowledged", n, maxSeq, r.acked)
	}
	for _, m := range r.msgs[:r.acked] {
		var c int
		if err := db.QueryRow(`SELECT COUNT(*) FROM messages WHERE kiosk_id = ? AND key = ? AND seq = ?`, cutKiosk, m.Key, m.Seq).Scan(&c); err != nil || c != 1 {
			t.Errorf("message %d (%s): %d at the center (%v)", m.Seq, m.Key, c, err)
		}
	}
}
