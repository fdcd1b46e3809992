package main

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoApplicationInTmux signs an e-application in `kiosk demo` by keyboard: the
// electronic form, the 券面事項 PIN, the date, a telephone number and the name's reading
// in katakana, the review, the demo card's signing password (its counter shown, none
// spent); the application reaches the demo's center, which records it once, and
// afterwards neither the queue file, its WAL nor the log holds the card's facts or what
// the resident typed.
func TestDemoApplicationInTmux(t *testing.T) {
	dir := t.TempDir()
	s := startTmux(t, []string{"KIOSK_TEST_MAIN=demo -dir " + dir}, os.Args[0])
	s.waitFor("申請書をつくる")
	if out, err := exec.Command("tmux", "-L", s.socket, "set-option", "-g", "remain-on-exit", "on").CombinedOutput(); err != nil {
		t.Fatalf("tmux remain-on-exit: %v\n%s", err, out)
	}
	s.keys("f")
	s.waitFor("転出届（電子申請）")
	s.keys("5")
	s.waitFor("マイナンバーカードを置いてください")
	s.keys("F2")
	s.waitLong("券面事項入力補助用の暗証番号です。", 2*time.Minute)
	s.keys("1", "2", "3", "4", "Enter")
	s.waitFor("転出予定日（1／3）")
	s.keys("Enter") // today
	s.waitFor("電話番号（2／3）")
	const phone, kana = "0398765432", "ミホンハナコ"
	s.keys(phone, "Enter")
	s.waitFor("氏名のフリガナ（3／3）")
	s.keys(kana)
	s.waitFor(kana + "＿")
	s.keys("Enter")
	s.waitFor("この内容で申請します")
	facts := s.values("氏名", "現住所")
	s.keys("Enter")
	s.waitLong("署名用パスワードを入力してください", time.Minute)
	s.waitFor("入力できる残り回数：5回")
	s.keys("ABC123") // the demo cards' signing password (readertest's default)
	s.waitFor("＊＊＊＊＊＊")
	s.keys("Enter")
	s.waitLong("カードと受付控をお取りください", time.Minute)
	number := ""
	for _, line := range strings.Split(s.screen(), "\n") {
		if i := strings.Index(line, "申請番号"); i >= 0 {
			number = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[i:]), "申請番号"))
		}
	}
	if number == "" {
		t.Fatalf("no application number on the take screen:\n%s", s.screen())
	}
	s.keys("F2")

	// The center records it once (the outbox delivers in the background).
	center, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "center", "center.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer center.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := center.QueryRow(`SELECT count(*) FROM applications WHERE number = ?`, number).Scan(&n)
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the center recorded %d applications %s (%v)", n, number, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.quitDemo()
	var total int
	if err := center.QueryRow(`SELECT count(*) FROM applications`).Scan(&total); err != nil || total != 1 {
		t.Fatalf("the center holds %d applications, %v", total, err)
	}
	if pdfs, _ := filepath.Glob(filepath.Join(dir, "printed", "receipt-*.pdf")); len(pdfs) != 1 {
		t.Errorf("printed receipts: %v", pdfs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "kiosk.*"))
	if len(files) < 2 {
		t.Fatalf("kiosk files %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(facts, phone, kana, "ABC123") {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("%s holds %q", f, p)
			}
		}
	}
}

// values reads the values the screen shows after each label at the start of a line (the
// card's facts on a confirm or review screen): what no file may hold afterwards.
func (s *tmuxSession) values(labels ...string) []string {
	s.t.Helper()
	var out []string
	for _, line := range strings.Split(s.screen(), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && slices.Contains(labels, f[0]) {
			out = append(out, strings.Join(f[1:], " "))
		}
	}
	if len(out) != len(labels) {
		s.t.Fatalf("%q not found on the screen:\n%s", labels, s.screen())
	}
	return out
}

// quitDemo quits the demo with F10 and waits until it has said where the printed
// documents are and exited.
func (s *tmuxSession) quitDemo() {
	s.t.Helper()
	pid := s.pid()
	s.keys("F10")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.output(), "printed documents are in") || (syscall.Kill(pid, 0) == nil && !s.paneDead()) {
		if time.Now().After(deadline) {
			s.t.Fatalf("demo did not quit; screen:\n%s", s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
