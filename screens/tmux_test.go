package screens

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"madoguchi/kiosk/kiosktest"
)

const helperEnv = "MADOGUCHI_SCREENS_TMUX_HELPER"

// TestTmuxHelper is the UI process of TestTmux: the engine with the kiosktest doubles and
// a virtual card, on the real terminal tmux gives it. F5/F6 place and take the card,
// F10 quits.
func TestTmuxHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process of TestTmux")
	}
	r := kiosktest.NewRig(t)
	scr, err := tcell.NewScreen()
	if err != nil {
		t.Fatal(err)
	}
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	defer scr.Fini()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.Start(ctx)
	defer r.Stop()
	tech := append(cardActions(r), TechAction{Label: "終了", Key: tcell.KeyF10, Do: func() {
		os.WriteFile(os.Getenv(helperEnv+"_OUT"), []byte(fmt.Sprintf("printed %d", len(r.Printer.Jobs()))), 0o600)
		cancel()
	}})
	Run(ctx, scr, r.Engine, Options{Technician: tech})
}

type tmux struct {
	t    *testing.T
	sock string
}

func (m tmux) run(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", m.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (m tmux) capture() []string {
	return strings.Split(m.run("capture-pane", "-p", "-t", "ui"), "\n")
}

// waitFor polls the pane until it shows s, and returns its cell position (the lowest
// match: buttons sit below the text that names them).
func (m tmux) waitFor(s string) (x, y int) {
	m.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		lines := m.capture()
		for row := len(lines) - 1; row >= 0; row-- {
			line := lines[row]
			if i := strings.Index(line, s); i >= 0 {
				return uniseg.StringWidth(line[:i]), row
			}
			// capture-pane drops trailing blanks
			if t := strings.TrimRight(s, " "); t != s && strings.HasSuffix(line, t) {
				return uniseg.StringWidth(line[:len(line)-len(t)]), row
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatalf("pane never showed %q:\n%s", s, strings.Join(m.capture(), "\n"))
	return 0, 0
}

// tap sends an xterm SGR mouse press and release at the middle of the text s as shown.
func (m tmux) tap(s string) {
	m.t.Helper()
	x, y := m.waitFor(s)
	x += uniseg.StringWidth(s) / 2
	time.Sleep(TapGuard + 100*time.Millisecond) // a new screen takes no tap at once
	for _, seq := range []string{fmt.Sprintf("\x1b[<0;%d;%dM", x+1, y+1), fmt.Sprintf("\x1b[<0;%d;%dm", x+1, y+1)} {
		var hex []string
		for _, b := range []byte(seq) {
			hex = append(hex, fmt.Sprintf("%02x", b))
		}
		m.run(append([]string{"send-keys", "-t", "ui", "-H"}, hex...)...)
	}
}

// TestTmux runs the UI in a real terminal (tmux) and taps through a whole issuance with
// xterm mouse reports, as a touch screen under a graphical terminal sends them.
func TestTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/result"
	m := tmux{t: t, sock: t.TempDir() + "/tmux.sock"} // a private server, removed with the folder
	cmd := fmt.Sprintf("env %s=1 %s_OUT=%s LANG=C.UTF-8 %s -test.run='^TestTmuxHelper$' -test.count=1", helperEnv, helperEnv, out, exe)
	m.run("new-session", "-d", "-s", "ui", "-x", "100", "-y", "30", cmd)
	defer exec.Command("tmux", "-S", m.sock, "kill-server").Run()

	m.tap("はじめる")
	m.tap("住民票の写し")
	m.tap("世帯全員")
	m.waitFor("[x] 世帯全員")
	m.tap("次へ")
	m.waitFor("マイナンバーカードまたはスマートフォンを置いてください")
	m.tap("カードを置く")
	m.waitFor("暗証番号（数字4桁）を入力してください")
	for _, d := range []string{"1", "2", "3", "4"} {
		m.tap(" " + d + " ")
	}
	m.waitFor("＊  ＊  ＊  ＊")
	m.tap("確認")
	m.waitFor("手数料の合計  200円")
	m.tap("確認")
	m.waitFor("カードと証明書をお取りください")
	m.tap(langButton)
	m.tap("English")
	m.waitFor("Please take your card and certificate")
	m.tap("カードを取る")
	m.waitFor("画面にタッチしてください") // back in the default language
	m.run("send-keys", "-t", "ui", "F10")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(out)
		if err == nil && string(b) == "printed 1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("helper reported %q (%v)", b, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
