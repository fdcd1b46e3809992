package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/rivo/uniseg"

	"madoguchi/offline"
	"madoguchi/screens"
)

// tmuxSession runs a command in a private tmux server (its own socket) sized like a kiosk.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func startTmux(t *testing.T, env []string, command ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is missing: apt-get install tmux")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("madoguchi-demo-test-%d", os.Getpid())}
	args := []string{"-L", s.socket, "new-session", "-d", "-x", "100", "-y", "30", "env"}
	args = append(append(args, env...), command...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "-L", s.socket, "send-keys", k).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %s: %v\n%s", k, err, out)
		}
	}
}

// padRows find the PIN pad's rows on the screen: each digit stands alone on its row.
var padRows = []*regexp.Regexp{
	regexp.MustCompile(`(?:^|\s)(1)\s+(2)\s+(3)(?:\s|$)`),
	regexp.MustCompile(`(?:^|\s)(4)\s+(5)\s+(6)(?:\s|$)`),
	regexp.MustCompile(`(?:^|\s)(7)\s+(8)\s+(9)(?:\s|$)`),
	regexp.MustCompile(`訂正\s+(0)\s+全消去`),
}

// tapDigits taps the PIN pad's keys as a resident does on the touch screen: an xterm SGR
// mouse press and release on each digit, so no digit passes as a keystroke.
func (s *tmuxSession) tapDigits(digits string) {
	s.t.Helper()
	time.Sleep(screens.TapGuard + 100*time.Millisecond) // a new screen takes no tap at once
	for _, d := range digits {
		x, y := -1, -1
		for row, line := range strings.Split(s.screen(), "\n") {
			for _, re := range padRows {
				m := re.FindStringSubmatchIndex(line)
				for g := 1; m != nil && 2*g < len(m); g++ {
					if line[m[2*g]:m[2*g+1]] == string(d) {
						x, y = uniseg.StringWidth(line[:m[2*g]]), row
					}
				}
			}
		}
		if x < 0 {
			s.t.Fatalf("no key %c on the PIN pad:\n%s", d, s.screen())
		}
		for _, seq := range []string{fmt.Sprintf("\x1b[<0;%d;%dM", x+1, y+1), fmt.Sprintf("\x1b[<0;%d;%dm", x+1, y+1)} {
			args := []string{"-L", s.socket, "send-keys", "-H"}
			for _, b := range []byte(seq) {
				args = append(args, fmt.Sprintf("%02x", b))
			}
			if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
				s.t.Fatalf("tap %c: %v\n%s", d, err, out)
			}
		}
	}
}

// orderResidentRecord goes from the idle screen to "place your card" with one copy of
// 住民票の写し, by keyboard.
func (s *tmuxSession) orderResidentRecord() {
	s.t.Helper()
	s.keys("Enter")
	s.waitFor("住民票の写し")
	s.keys("1")
	s.waitFor("部数")
	s.keys("Enter")
	s.waitFor("マイナンバーカードまたはスマートフォンを置いてください")
}

// pid is the process id of the command running in the session.
func (s *tmuxSession) pid() int {
	out, err := exec.Command("tmux", "-L", s.socket, "list-panes", "-F", "#{pane_pid}").Output()
	if err != nil {
		s.t.Fatalf("tmux list-panes: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		s.t.Fatalf("tmux pane pid %q: %v", out, err)
	}
	return pid
}

// paneDead reports whether the pane's command has exited (tmux has reaped it).
func (s *tmuxSession) paneDead() bool {
	out, err := exec.Command("tmux", "-L", s.socket, "list-panes", "-F", "#{pane_dead}").Output()
	return err == nil && strings.TrimSpace(string(out)) == "1"
}

// output is the pane's whole text with its scrollback, wrapped lines joined.
func (s *tmuxSession) output() string {
	out, _ := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p", "-J", "-S", "-").CombinedOutput()
	return string(out)
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-L", s.socket, "capture-pane", "-p").CombinedOutput()
	return string(out)
}

// waitFor waits until the screen shows text.
func (s *tmuxSession) waitFor(text string) {
	s.t.Helper()
	s.waitLong(text, 20*time.Second)
}

// waitLong is waitFor with its own deadline, for steps that include RSA key generation
// (the demo's first card), which takes seconds per key under qemu-arm.
func (s *tmuxSession) waitLong(text string, d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(s.screen(), text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q; it shows:\n%s", text, s.screen())
}

// TestDemoInTmux runs `kiosk demo` in a real terminal, goes through a whole issuance with
// the keyboard (touch is exercised by the screens package's tmux test), and checks what a
// resident and an auditor would: the certificate was printed to a file, the completion is
// in the kiosk's outbox and was delivered to the center, and the PIN is nowhere on disk.
func TestDemoInTmux(t *testing.T) {
	dir := t.TempDir()
	voiceDir := filepath.Join(dir, "voice")
	// Its own voice cache, empty: every sentence is synthesized during the walk, as on a
	// fresh machine, whatever earlier runs left in the user's cache.
	s := startTmux(t, []string{"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "KIOSK_TEST_MAIN=demo -dir " + dir + " -voice " + voiceDir}, os.Args[0])
	s.waitFor("画面にタッチしてください")
	// A resident who listens lets each screen's guide be said before pressing on (a key
	// press cuts the sentence short, and a sentence not yet synthesized leaves no WAV).
	listen := func(n int) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			wavs, _ := filepath.Glob(filepath.Join(voiceDir, "*.wav"))
			if len(wavs) >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("-voice: %d WAV files after a minute on this screen, want %d", len(wavs), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	listen(1)
	// The demo exits a few milliseconds after its last lines: keep the pane, so they can
	// be read after the process is gone.
	if out, err := exec.Command("tmux", "-L", s.socket, "set-option", "-g", "remain-on-exit", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux remain-on-exit: %v\n%s", err, out)
	}
	s.keys("Enter") // start
	s.waitFor("住民票の写し")
	listen(2)
	s.keys("1") // 住民票の写し
	s.waitFor("部数")
	listen(3)
	s.keys("Enter") // options as they are: 本人のみ, 1通
	s.waitFor("マイナンバーカードまたはスマートフォンを置いてください")
	listen(4)
	s.keys("F2") // place the virtual card (made in the background since start-up)
	s.waitLong("入力できる残り回数：3回", 2*time.Minute)
	for i, d := range []string{"1", "2", "3", "4"} { // as a resident types: each shown before the next
		s.keys(d)
		s.waitFor(strings.TrimSpace(strings.Repeat("＊  ", i+1)))
	}
	s.keys("Enter")
	s.waitFor("手数料")
	s.keys("Enter")         // confirm the fee
	s.waitFor("お金を入れてください") // the demo's simulated cash machine takes it
	s.waitFor("カードと証明書をお取りください")
	listen(5)
	s.keys("F2") // take the card
	pid := s.pid()
	s.keys("F10")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.output(), "printed documents are in") {
		if time.Now().After(deadline) {
			t.Fatalf("demo did not quit; screen:\n%s", s.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The files are read once the process is gone: closing the queue checkpoints and
	// removes the WAL.
	// (tmux reaps it when the pane dies; a kept pane's process can linger as a zombie.)
	for syscall.Kill(pid, 0) == nil && !s.paneDead() {
		if time.Now().After(deadline) {
			t.Fatalf("demo process %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// -voice: what the demo said is in the folder, a WAV per utterance, and the PIN pad
	// counted the digits.
	said, err := os.ReadFile(filepath.Join(voiceDir, "transcript.txt"))
	if err != nil {
		t.Fatalf("-voice: %v", err)
	}
	for _, want := range []string{"証明書交付サービスです", "証明書の種類を選んでください", "1桁目を入力しました。", "4桁目を入力しました。", "カードと証明書をお取りください"} {
		if !strings.Contains(string(said), want) {
			t.Errorf("-voice: the transcript lacks %q:\n%s", want, said)
		}
	}
	if strings.Contains(string(said), "1234") {
		t.Errorf("-voice: the PIN was said:\n%s", said)
	}
	if wavs, _ := filepath.Glob(filepath.Join(voiceDir, "*.wav")); len(wavs) < 5 {
		t.Errorf("-voice: %d WAV files", len(wavs))
	}

	pdfs, _ := filepath.Glob(filepath.Join(dir, "printed", "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("printed files: %v", pdfs)
	}
	pdf, err := os.ReadFile(pdfs[0])
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("printed file is not a PDF: %v", err)
	}

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var kind, state string
	if err := db.QueryRow(`SELECT kind, state FROM outbox WHERE kind = 'completed'`).Scan(&kind, &state); err != nil {
		t.Fatalf("no completion in the outbox: %v", err)
	}
	if state != "delivered" {
		t.Fatalf("completion is %s, not delivered to the center", state)
	}
	var sessions int
	if err := db.QueryRow(`SELECT count(*) FROM sessions WHERE outcome = 'completed'`).Scan(&sessions); err != nil || sessions != 1 {
		t.Fatalf("completed sessions: %d, %v", sessions, err)
	}

	// The PIN is in no file the kiosk wrote (database, WAL, log, center database) as a
	// value of its own. (Hex keys and fingerprints may contain the digits 1234 by chance,
	// so a match must not touch other letters or digits.)
	pinToken := regexp.MustCompile(`(^|[^0-9A-Za-z])1234([^0-9A-Za-z]|$)`)
	files, _ := filepath.Glob(filepath.Join(dir, "kiosk.*"))
	more, _ := filepath.Glob(filepath.Join(dir, "center", "*"))
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if loc := pinToken.FindIndex(b); loc != nil {
			t.Errorf("%s contains the PIN at byte %d: %q", f, loc[0], b[max(0, loc[0]-20):min(len(b), loc[1]+20)])
		}
	}
}

func TestDescribeBacklog(t *testing.T) {
	oldest := time.Date(2026, 11, 27, 9, 30, 0, 0, time.Local)
	for _, tc := range []struct {
		b    offline.Backlog
		want string
	}{
		{offline.Backlog{Seq: 3}, "every message (3) was delivered to the center"},
		{offline.Backlog{Count: 2, Parked: 1, Seq: 5, Oldest: oldest}, "2 of 5 messages not delivered to the center yet (1 refused), oldest from 2026-11-27 09:30:00"},
	} {
		if got := describeBacklog(tc.b); got != tc.want {
			t.Errorf("describeBacklog(%+v) = %q, want %q", tc.b, got, tc.want)
		}
	}
}

// TestDemoFormInTmux makes a prefilled form in `kiosk demo` by keyboard: the idle
// screen's second service, the text AP's PIN, the facts confirmed, the form printed; the
// queue holds the one audit event and none of the facts, nor does any file the kiosk
// wrote.
func TestDemoFormInTmux(t *testing.T) {
	dir := t.TempDir()
	s := startTmux(t, []string{"KIOSK_TEST_MAIN=demo -dir " + dir}, os.Args[0])
	s.waitFor("申請書をつくる")
	if out, err := exec.Command("tmux", "-L", s.socket, "set-option", "-g", "remain-on-exit", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux remain-on-exit: %v\n%s", err, out)
	}
	s.keys("f")
	s.waitFor("つくる申請書を選んでください")
	s.keys("1") // 転入届
	s.waitFor("マイナンバーカードを置いてください")
	s.keys("F2")
	s.waitLong("券面事項入力補助用の暗証番号です。", 2*time.Minute)
	s.waitFor("入力できる残り回数：3回")
	s.keys("1", "2", "3", "4", "Enter")
	s.waitFor("この内容で申請書を印刷します")
	// The facts as the screen shows them: what no file may hold afterwards.
	facts := s.values("氏名", "新しい住所")
	s.keys("Enter")
	s.waitFor("カードと申請書をお取りください")
	s.keys("F2")
	s.quitDemo()
	pdfs, _ := filepath.Glob(filepath.Join(dir, "printed", "form-*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("printed forms: %v", pdfs)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var payload string
	if err := db.QueryRow(`SELECT payload FROM outbox WHERE kind = 'audit' AND payload LIKE '%form_printed%'`).Scan(&payload); err != nil {
		t.Fatalf("no form_printed audit event: %v", err)
	}
	if !strings.Contains(payload, `"form":"tennyu"`) {
		t.Errorf("audit payload %s", payload)
	}
	// The kiosk's files (queue, WAL, log); the center's register holds its residents.
	files, _ := filepath.Glob(filepath.Join(dir, "kiosk.*"))
	if len(files) < 2 {
		t.Fatalf("kiosk files %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fact := range facts {
			if bytes.Contains(b, []byte(fact)) {
				t.Errorf("%s holds %q", f, fact)
			}
		}
	}
}
