package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/eapp"
	"madoguchi/internal/lazyfstest"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// signingCard is a virtual card of the center's test JPKI roots in a private pcscd
// (vpcd), opened through the kiosk's PC/SC adapter: what signs the applications of the
// end-to-end tests.
type signingCard struct {
	vc   *readertest.Card
	card *pcsc.Card
}

// newSigningCard starts pcscd with the card (signing password password) and connects.
func newSigningCard(t *testing.T, ctx context.Context, pki *centertest.PKI, password string) *signingCard {
	t.Helper()
	h := pcschost.Start(t)
	vc, err := readertest.NewCard(readertest.Options{SignPIN: password, PKI: &readertest.PKI{Auth: pki.AuthCA, Sign: pki.SignCA}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	x, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	card, err := x.Connect(ctx, h.ReaderName(0), pcsc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return &signingCard{vc: vc, card: card}
}

// sign has the card sign app's canonical encoding (the password verified before) and
// returns the encoding and the SignedData.
func (s *signingCard) sign(t *testing.T, ctx context.Context, cert *x509.Certificate, app eapp.Application) (content, sd []byte) {
	t.Helper()
	content, err := app.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sd, err = eapp.SignedData(content, cert, app.Signed, func(di []byte) ([]byte, error) { return s.card.Sign(ctx, reader.SignKey, di) })
	if err != nil {
		t.Fatal(err)
	}
	return content, sd
}

// Environment of TestApplicationKillChild, the kiosk process the test kills.
const (
	appKillMode   = "APPKILL_MODE" // "queue": queue the application and sync until killed; "ack": killed after the center's reply, before the ack commit; "final": sync until empty
	appKillDir    = "APPKILL_DIR"  // the kiosk's folder (config.Demo's names: TLS and center files)
	appKillData   = "APPKILL_DATA" // the kiosk's data folder: kiosk.db (and its WAL, SHM), kiosk.log
	appKillURL    = "APPKILL_URL"
	appKillSD     = "APPKILL_SD" // file holding the SignedData to queue (outside the kiosk's folder)
	appKillNumber = "APPKILL_NUMBER"
	appKillKiosk  = "app-kill-kiosk"
)

// appKillConfig is the child's configuration: config.Demo's files in dir, the queue in
// data, the center at url.
func appKillConfig(dir, data, url string) *config.Config {
	cfg := config.Demo(dir)
	cfg.Kiosk.ID = appKillKiosk
	cfg.Center.URL = url
	cfg.Queue.Path = filepath.Join(data, "kiosk.db")
	return cfg
}

// dupCounter reports the messages the center answered as duplicates (a replay of one it
// had applied).
type dupCounter struct {
	offline.Sender
	dups *int
}

func (d dupCounter) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	res, err := d.Sender.Send(ctx, batch)
	for _, r := range res {
		if r.Outcome == offline.Duplicate {
			*d.dups++
		}
	}
	return res, err
}

// TestApplicationKillChild is the kiosk process of TestApplicationAfterOutageAndKill
// (skipped in a normal run). It wires the queue and the center client as `kiosk run`
// does (newCenterClient, openQueue with its recovery, a JSON log in kiosk.log) and
// reports on stdout, one "APPKILL …" line per step.
func TestApplicationKillChild(t *testing.T) {
	mode := os.Getenv(appKillMode)
	if mode == "" {
		t.Skip("helper process of TestApplicationAfterOutageAndKill")
	}
	out := func(f string, a ...any) { fmt.Printf("APPKILL "+f+"\n", a...) }
	fail := func(f string, a ...any) {
		fmt.Fprintf(os.Stderr, "child: "+f+"\n", a...)
		os.Exit(2)
	}
	ctx := context.Background()
	data := os.Getenv(appKillData)
	cfg := appKillConfig(os.Getenv(appKillDir), data, os.Getenv(appKillURL))
	logf, err := os.OpenFile(filepath.Join(data, "kiosk.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fail("log: %v", err)
	}
	log := slog.New(slog.NewJSONHandler(logf, nil))
	cl, err := newCenterClient(cfg, nil)
	if err != nil {
		fail("%v", err)
	}
	link := centerlink.Link{Client: cl}
	var st *offline.Store
	if mode == "ack" {
		// The center applies the upload and answers; the kiosk stops before it records
		// the answer, and the parent kills it or cuts the power, so the message is still
		// pending when the next process opens the queue.
		opts := offlineOptions(cfg.Queue)
		opts.CrashHook = func(p string) {
			if p == offline.CrashAfterReplyBeforeAck {
				out("replied")
				syscall.Kill(os.Getpid(), syscall.SIGSTOP)
				select {}
			}
		}
		if st, err = offline.Open(ctx, cfg.Queue.Path, opts); err == nil {
			_, err = st.Recover(ctx, link)
		}
	} else {
		st, err = openQueue(ctx, cfg, link, log, nil)
	}
	if err != nil {
		fail("queue: %v", err)
	}
	dups := 0
	snd := dupCounter{Sender: link, dups: &dups}
	switch mode {
	case "queue":
		sd, err := os.ReadFile(os.Getenv(appKillSD))
		if err != nil {
			fail("%v", err)
		}
		if err := st.Enqueue(ctx, offline.KindApplication, center.ApplicationPayload{Number: os.Getenv(appKillNumber), SignedData: sd}); err != nil {
			fail("enqueue: %v", err)
		}
		out("queued")
		for { // until killed
			n, parked, err := st.SyncOnce(ctx, snd)
			if err != nil {
				log.Warn("sync failed", "err", err)
			}
			out("sync delivered=%d parked=%d offline=%v", n, parked, err != nil)
			time.Sleep(20 * time.Millisecond)
		}
	case "ack":
		n, parked, err := st.SyncOnce(ctx, snd)
		fail("the crash point was not reached: %d delivered, %d parked, %v", n, parked, err)
	case "final":
		total := 0
		for deadline := time.Now().Add(20 * time.Second); ; {
			n, _, err := st.SyncOnce(ctx, snd)
			total += n
			b, berr := st.Backlog(ctx)
			if berr != nil {
				fail("backlog: %v", berr)
			}
			if b.Count-b.Parked == 0 {
				out("final delivered=%d dups=%d parked=%d", total, dups, b.Parked)
				st.Close()
				os.Exit(0)
			}
			if time.Now().After(deadline) {
				fail("final sync: %d left: %v", b.Count, err)
			}
			if err != nil {
				log.Warn("sync failed", "err", err)
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	fail("unknown mode %q", mode)
}

// runAppKillChild runs the child in mode and returns its report lines. With until set,
// the child is ended by cut (a SIGKILL or a power cut) as soon as until accepts a line,
// and must have died of it.
func runAppKillChild(t *testing.T, env []string, mode string, until func(line string) bool, cut func(*os.Process)) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestApplicationKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, "KIOSK_TEST_CHILD=1", appKillMode+"="+mode)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "APPKILL ")
		if !ok {
			continue
		}
		lines = append(lines, line)
		if until != nil && until(line) {
			cut(cmd.Process)
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	switch {
	case until != nil:
		if !killed {
			t.Fatalf("child %s was not killed: %v %q\n%s", mode, err, lines, stderr.String())
		}
	case err != nil:
		t.Fatalf("child %s: %v %q\n%s", mode, err, lines, stderr.String())
	}
	return lines
}

// TestApplicationAfterOutageAndKill: an application signed by the virtual card through
// pcscd is queued in the kiosk's SQLite outbox while the center is down; the kiosk
// process is SIGKILLed while it retries; the center comes back; the next process is
// SIGKILLed after the center recorded the application and answered, before the answer
// was committed; a third process replays it, the center answers "duplicate" and records
// it once. Then nothing of the resident is left in any file of the kiosk's folders —
// queue, WAL, SHM, log. A later application of the revoked certificate is parked with
// the resident's data (the process killed again) until the technician's `kiosk queue
// discard`, after which the folders are clean again and the center gets the audit event.
func TestApplicationAfterOutageAndKill(t *testing.T) {
	testApplicationAfterOutage(t, t.TempDir(), func(p *os.Process) { p.Kill() })
}

// TestApplicationAfterOutageAndPowerCut is TestApplicationAfterOutageAndKill with the
// kiosk's data folder on LazyFS and every kill a power cut: what was not fsynced is lost.
func TestApplicationAfterOutageAndPowerCut(t *testing.T) {
	lfs := lazyfstest.Mount(t, lazyfstest.Options{})
	if err := lfs.BindOutside("kiosk.db-shm"); err != nil {
		t.Fatal(err)
	}
	testApplicationAfterOutage(t, lfs.Dir, func(p *os.Process) {
		if err := lfs.PowerCut(p); err != nil {
			t.Error(err)
		}
		if !lfs.Running() {
			if err := lfs.Remount(); err != nil {
				t.Error(err)
			}
		}
	})
	if _, cuts, _ := lfs.Figures(); cuts != 3 {
		t.Errorf("%d power cuts, want 3", cuts)
	}
}

func testApplicationAfterOutage(t *testing.T, data string, cut func(*os.Process)) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir, work := t.TempDir(), t.TempDir() // the kiosk's folder; what only the test holds
	if err := c.PKI().WriteKioskFiles(dir, appKillKiosk); err != nil {
		t.Fatal(err)
	}
	sc := newSigningCard(t, ctx, c.PKI(), "KILL2026")
	if err := sc.card.Verify(ctx, reader.SignPIN, []byte("KILL2026")); err != nil {
		t.Fatal(err)
	}
	cert, err := sc.card.SignCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const typed = "APPKILL-TYPED-4242" // what the resident entered
	app := eapp.Application{Number: "APPKILL-000001", Municipality: config.DemoMunicipalityCode, Form: "tenshutsu", Kiosk: appKillKiosk,
		Signed: time.Now().Truncate(time.Second), Entries: []eapp.Entry{{Label: "連絡先", Value: typed}}}
	_, sd := sc.sign(t, ctx, cert, app)
	sdPath := filepath.Join(work, "app.p7m")
	if err := os.WriteFile(sdPath, sd, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{appKillDir + "=" + dir, appKillData + "=" + data, appKillURL + "=" + c.URL(), appKillSD + "=" + sdPath, appKillNumber + "=" + app.Number}

	// What of the resident could be left: the signing certificate's name and address,
	// what was typed, the certificate's bytes, and the SignedData as the JSON payload
	// holds it (base64; windows at several offsets).
	personal := [][]byte{[]byte(readertest.DefaultHolder.Name), []byte(readertest.DefaultHolder.Address), []byte(typed), cert.Raw[len(cert.Raw)/2:][:48]}
	personalOf := func(sd []byte) [][]byte {
		b64 := base64.StdEncoding.EncodeToString(sd)
		var p [][]byte
		for i := 0; i+40 <= len(b64); i += len(b64) / 8 {
			p = append(p, []byte(b64[i/4*4:][:40]))
		}
		return p
	}
	personal = append(personal, personalOf(sd)...)
	// leftovers names each file of the kiosk's folders holding any of them.
	leftovers := func() []string {
		var found []string
		walk := func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // -wal/-shm gone
			}
			if err != nil {
				return err
			}
			for _, p := range personal {
				if bytes.Contains(b, p) {
					found = append(found, filepath.Base(path))
					break
				}
			}
			return nil
		}
		for _, d := range []string{dir, data} {
			if err := filepath.WalkDir(d, walk); err != nil {
				t.Fatal(err)
			}
		}
		return found
	}

	// The center is down: the kiosk queues and retries, and is killed while retrying.
	c.Down()
	lines := runAppKillChild(t, env, "queue", func(l string) bool { return strings.HasSuffix(l, "offline=true") }, cut)
	if lines[0] != "queued" {
		t.Fatalf("child: %q", lines)
	}
	if len(leftovers()) == 0 {
		t.Fatal("the queued application is in no file of the kiosk (the scans below would be vacuous)")
	}
	if apps, _ := c.Server().Applications(ctx); len(apps) != 0 {
		t.Fatalf("recorded while the center was down: %d", len(apps))
	}

	// The center is back; the next kiosk process dies between its reply and the ack.
	if err := c.Up(); err != nil {
		t.Fatal(err)
	}
	runAppKillChild(t, env, "ack", func(l string) bool { return l == "replied" }, cut)
	if apps, err := c.Server().Applications(ctx); err != nil || len(apps) != 1 {
		t.Fatalf("after the killed upload the center holds %d applications (%v)", len(apps), err)
	}
	// The third process replays it: a duplicate, recorded once.
	lines = runAppKillChild(t, env, "final", nil, nil)
	if got := lines[len(lines)-1]; got != "final delivered=1 dups=1 parked=0" {
		t.Fatalf("final: %q", lines)
	}
	apps, err := c.Server().Applications(ctx)
	if err != nil || len(apps) != 1 || apps[0].Number != app.Number || !bytes.Equal(apps[0].SignedData, sd) {
		t.Fatalf("the center recorded %d applications (%v)", len(apps), err)
	}
	if f := leftovers(); len(f) > 0 {
		t.Errorf("after delivery the resident's data is in %v", f)
	}
	if gaps, err := c.Server().SequenceGaps(ctx, appKillKiosk); err != nil || len(gaps) != 0 {
		t.Errorf("sequence gaps %v, %v", gaps, err)
	}

	// The resident moves: the certificate is revoked, the next application is refused and
	// parked (the process killed once it is), with the resident's data until the
	// technician discards it.
	if err := c.RevokeSigning(ctx, cert.SerialNumber); err != nil {
		t.Fatal(err)
	}
	later := app
	later.Number, later.Signed = "APPKILL-000002", time.Now().Truncate(time.Second)
	_, sd2 := sc.sign(t, ctx, cert, later)
	personal = append(personal, personalOf(sd2)...)
	must(t, os.WriteFile(sdPath, sd2, 0o600))
	env[len(env)-1] = appKillNumber + "=" + later.Number
	runAppKillChild(t, env, "queue", func(l string) bool { return strings.Contains(l, "parked=1") }, cut)
	if len(leftovers()) == 0 {
		t.Fatal("the parked application is in no file of the kiosk (the scan after the discard would be vacuous)")
	}
	var out bytes.Buffer
	if code := queueDiscardCmd(ctx, appKillConfig(dir, data, c.URL()), []string{"-all-parked"}, &out, &out); code != 0 || !strings.Contains(out.String(), "discarded") {
		t.Fatalf("kiosk queue discard -all-parked: %d %s", code, out.String())
	}
	if f := leftovers(); len(f) > 0 {
		t.Errorf("after the discard the resident's data is in %v", f)
	}
	lines = runAppKillChild(t, env[:3], "final", nil, nil)
	if got := lines[len(lines)-1]; got != "final delivered=1 dups=0 parked=0" { // the audit event
		t.Fatalf("final after the discard: %q", lines)
	}
	if apps, _ := c.Server().Applications(ctx); len(apps) != 1 {
		t.Errorf("the revoked certificate's application was recorded: %d", len(apps))
	}
	if sc.vc.MyNumberAccesses() != 0 {
		t.Error("My Number touched")
	}
	t.Logf("outage, 2 cuts, replay, park, cut, discard in %v", time.Since(start).Round(time.Millisecond))
}
