package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/kiosk/status"
	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

const runTestConfig = `[kiosk]
id = "run-kiosk-1"
location = "test bench"

[[municipality]]
code = "139998"
name = "見本市"
hours = "00:00-24:00"
closed = []
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 200

[reader]
name_pattern = '^Virtual PCD 00 00$'

[printer]
%s

[center]
url = "%s"
ca_file = "center-ca.pem"
document_key = "center-doc.pub"
client_cert = "kiosk.crt"
client_key = "kiosk.key"

[queue]
path = "kiosk.db"

[status]
listen = "%s"
`

// runRigPIN and runRigWrongPIN are the rig card's PIN and the wrong one typed first:
// digits unlikely to stand alone in a process's memory by chance, so the memory scan
// finds only what the kiosk leaked.
const runRigPIN, runRigWrongPIN = "7391", "8264"

// runRig is what `kiosk run` needs around it in tests and the footprint benchmark: a
// private pcscd with the virtual reader, the reference center on loopback, the kiosk's
// TLS files and configuration in a folder, and a card issued to a demo resident.
type runRig struct {
	host       *pcschost.Host
	center     *centertest.Center
	card       *readertest.Card
	dir        string
	cfgPath    string
	statusAddr string
}

// runFilePrinter is the rig's default [printer] section.
const runFilePrinter = "backend = \"file\"\ndir = \"printed\""

func newRunRig(tb testing.TB) *runRig { return newRunRigPrinter(tb, runFilePrinter) }

// newRunRigPrinter is newRunRig with the given [printer] section.
func newRunRigPrinter(tb testing.TB, printerTOML string) *runRig {
	return newRunRigDevice(tb, printerTOML, reader.DeviceCard)
}

// newRunRigDevice is newRunRigPrinter with the resident's device: the card or a phone.
func newRunRigDevice(tb testing.TB, printerTOML string, dev reader.Device) *runRig {
	tb.Helper()
	r := &runRig{host: pcschost.Start(tb)}
	r.dir, r.center = newKioskDir(tb, "run-kiosk-1")
	r.statusAddr = freeLoopbackAddr(tb)
	r.cfgPath = filepath.Join(r.dir, "kiosk.toml")
	if err := os.WriteFile(r.cfgPath, []byte(fmt.Sprintf(runTestConfig, printerTOML, r.center.URL(), r.statusAddr)), 0o600); err != nil {
		tb.Fatal(err)
	}
	r.card = residentCard(tb, r.center, 0, 3100, readertest.Options{AuthPIN: runRigPIN, Device: dev})
	return r
}

// TestRunWithRealReader runs `kiosk run` from a configuration file in a real terminal,
// with the card placed in a reader of a private pcscd (through vpcd) and the reference
// center on loopback: the appliance path end to end, nothing in-process but the center.
// The technician's status endpoint answers from the running kiosk. The resident comes
// with the card, then with an Android phone (its own PIN, its certificate read after it).
func TestRunWithRealReader(t *testing.T) {
	for _, dev := range []reader.Device{reader.DeviceCard, reader.DeviceAndroid} {
		t.Run(dev.String(), func(t *testing.T) { testRunWithRealReader(t, dev) })
	}
}

func testRunWithRealReader(t *testing.T, dev reader.Device) {
	r := newRunRigDevice(t, runFilePrinter, dev)
	h, dir, cfgPath, statusAddr, vc := r.host, r.dir, r.cfgPath, r.statusAddr, r.card

	// The child inherits PCSCLITE_CSOCK_NAME, which pcschost set for this process.
	s := startTmux(t, []string{"KIOSK_TEST_MAIN=run -config " + cfgPath}, os.Args[0])
	s.waitFor("画面にタッチしてください")
	st := getStatus(t, statusAddr, http.StatusOK)
	if !st.Healthy || st.KioskID != "run-kiosk-1" || st.Screen != "idle" || st.Queue == nil {
		t.Fatalf("status of the idle kiosk: %+v", st)
	}
	s.orderResidentRecord()
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	s.waitFor("入力できる残り回数：3回")
	if dev == reader.DeviceAndroid {
		s.waitFor("スマートフォンに設定した") // the phone's own PIN, said on the pad
	}
	// The endpoint answers from a cache (at most 2 s old, TestStatusCache): an answer
	// computed after the PIN screen was seen shows the session. (Waiting on the answer's
	// own time, not on a deadline of a few seconds, which a loaded machine can miss.)
	pinSeen := time.Now()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		st := getStatus(t, statusAddr, http.StatusOK)
		if st.Time.After(pinSeen) {
			if st.Screen != "pin" {
				t.Fatalf("status during the PIN entry: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status still answers from before the PIN entry: %+v", st)
		}
	}
	// The PIN is tapped, as on the touch screen. (Typed on a keyboard, the digits would
	// also stay in tcell's terminal input buffers, which the kiosk cannot scrub.)
	s.tapDigits(runRigWrongPIN)
	s.keys("Enter") // wrong PIN first: one try spent, shown
	s.waitFor("残り回数：2回")
	s.tapDigits(runRigPIN)
	s.keys("Enter")
	s.waitFor("手数料")
	s.keys("Enter")
	s.waitFor("カードと証明書をお取りください")
	if err := h.Remove(); err != nil {
		t.Fatal(err)
	}

	pdfs, _ := filepath.Glob(filepath.Join(dir, "printed", "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("printed: %v\n%s", pdfs, s.screen())
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var state string
		err := db.QueryRow(`SELECT state FROM outbox WHERE kind = 'completed'`).Scan(&state)
		if err == nil && state == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("completion not delivered: %q, %v", state, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The health report reached the center with the reader's state from the card watch.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		fleet, err := r.center.Server().Fleet(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(fleet) == 1 && fleet[0].Health != nil {
			if fleet[0].Health.Reader != pcsc.ReaderOK {
				t.Fatalf("the kiosk reported its reader as %q", fleet[0].Health.Reader)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no health report at the center: %+v", fleet)
		}
	}
	// stderr is the screen here, so the log went to kiosk.log beside the queue; it has
	// the session but neither PIN that was typed.
	logText, err := os.ReadFile(filepath.Join(dir, "kiosk.log"))
	if err != nil || !strings.Contains(string(logText), `"msg":"kiosk running"`) {
		t.Fatalf("kiosk.log: %v\n%s", err, logText)
	}
	if pin := regexp.MustCompile(`(^|[^0-9A-Za-z])(` + runRigPIN + `|` + runRigWrongPIN + `)([^0-9A-Za-z]|$)`).FindString(string(logText)); pin != "" {
		t.Fatalf("kiosk.log holds a PIN (%q)", pin)
	}
	if strings.Contains(s.screen(), `"level"`) {
		t.Fatalf("log lines on the screen:\n%s", s.screen())
	}
	// Nothing the kiosk process holds, freed memory included, still has either PIN.
	for _, pin := range []string{runRigPIN, runRigWrongPIN} {
		if n := pinsInMemory(t, s.pid(), pin); n != 0 {
			t.Errorf("the kiosk's memory holds PIN %s %d times after the session", pin, n)
		}
	}
	if vc.TriesLeft(readertest.PINAuth) != 3 || vc.MyNumberAccesses() != 0 {
		t.Fatalf("card after the session: tries %d, my number accesses %d", vc.TriesLeft(readertest.PINAuth), vc.MyNumberAccesses())
	}
}

// freeLoopbackAddr is a loopback address with a port nobody listens on right now.
func freeLoopbackAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// getStatus reads the running kiosk's status endpoint, waiting for it to listen.
func getStatus(t *testing.T, addr string, wantCode int) status.Answer {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/status")
		if err == nil {
			defer resp.Body.Close()
			var st status.Answer
			if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
				t.Fatalf("status body: %v", err)
			}
			if resp.StatusCode != wantCode {
				t.Fatalf("status code %d, want %d: %+v", resp.StatusCode, wantCode, st)
			}
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("status endpoint %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pinsInMemory counts the places where pin stands alone (no digit or letter on either
// side, as a leaked string or buffer would; a longer number containing the digits does
// not count) in the writable memory of process pid: Go's heap and stacks, freed but not
// yet reused memory, C heap and stacks. Reading another process's memory needs ptrace
// rights (root, or kernel.yama.ptrace_scope=0).
func pinsInMemory(t *testing.T, pid int, pin string) int {
	t.Helper()
	smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		t.Fatalf("memory scan: %v", err)
	}
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatalf("memory scan needs ptrace rights (run as root or set kernel.yama.ptrace_scope=0): %v", err)
	}
	defer mem.Close()
	alnum := func(b []byte, i int) bool {
		if i < 0 || i >= len(b) {
			return false
		}
		c := b[i]
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	found, scanned := 0, 0
	// smaps: a mapping's line ("lo-hi perms offset dev inode [path]") and then its
	// "Key: value" lines; mappings with nothing resident are skipped (Go reserves
	// large arenas it never touches).
	var regions []string
	for _, line := range strings.Split(string(smaps), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			regions = append(regions, line)
		} else if len(regions) > 0 && len(f) >= 2 && f[0] == "Rss:" && f[1] == "0" {
			regions = regions[:len(regions)-1]
		}
	}
	for _, line := range regions {
		f := strings.Fields(line)
		if !strings.HasPrefix(f[1], "rw") {
			continue
		}
		if len(f) >= 6 && strings.HasPrefix(f[5], "[v") { // [vvar], [vsyscall]: not ours, not readable
			continue
		}
		var lo, hi uint64
		if _, err := fmt.Sscanf(f[0], "%x-%x", &lo, &hi); err != nil {
			continue
		}
		buf := make([]byte, hi-lo)
		n, _ := mem.ReadAt(buf, int64(lo))
		scanned += n
		buf = buf[:n]
		for i := 0; ; i++ {
			j := bytes.Index(buf[i:], []byte(pin))
			if j < 0 {
				break
			}
			i += j
			if alnum(buf, i-1) || alnum(buf, i+len(pin)) {
				continue
			}
			found++
			t.Logf("PIN %s at %#x in %s: %q", pin, lo+uint64(i), line, buf[max(0, i-48):min(n, i+len(pin)+48)])
		}
	}
	if scanned < 1<<20 {
		t.Fatalf("memory scan read only %d bytes of process %d", scanned, pid)
	}
	return found
}
