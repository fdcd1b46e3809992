package printertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// IPPPrinter is CUPS's ippeveprinter running on loopback for one test. Its print
// command copies each document into Dir()/printed and can be told to fail a job
// while reporting a printer-state-reason (media-empty, door-open, media-jam).
type IPPPrinter struct {
	URI string // ipp://localhost:PORT/ipp/print

	dir  string
	cmd  *exec.Cmd
	stop func() // kills ippeveprinter and waits for it
	bus  *exec.Cmd
	out  *lockedBuffer
	port int
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Reset forgets what was written (a failed start's output, once logged).
func (l *lockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const printCommand = `#!/bin/sh
# Print command for ippeveprinter: $1 is the spooled document.
D="$(dirname "$0")"
if [ -f "$D/fail" ]; then
	for kw in $(cat "$D/fail"); do echo "STATE: +$kw" >&2; done
	echo "ERROR: simulated failure: $(cat "$D/fail")" >&2
	exit 1
fi
if [ -f "$D/slow" ]; then sleep "$(cat "$D/slow")"; fi
mkdir -p "$D/printed"
cp "$1" "$D/printed/$(date +%s%N).pdf"
exit 0
`

// StartIPPPrinter starts ippeveprinter (Debian package cups-ipp-utils) on a free
// loopback port and stops it when the test ends. A missing ippeveprinter fails the
// test: it is never skipped. ippeveprinter needs a D-Bus bus for its DNS-SD client;
// when the system bus is absent a private dbus-daemon is started too.
func StartIPPPrinter(t testing.TB) *IPPPrinter {
	t.Helper()
	bin, err := exec.LookPath("ippeveprinter")
	if err != nil {
		for _, p := range []string{"/usr/sbin/ippeveprinter", "/usr/bin/ippeveprinter"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		t.Fatalf("ippeveprinter not found: install the Debian package cups-ipp-utils")
	}
	dir := t.TempDir()
	cmdPath := filepath.Join(dir, "print.sh")
	if err := os.WriteFile(cmdPath, []byte(printCommand), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &IPPPrinter{dir: dir, out: &lockedBuffer{}}
	env := os.Environ()
	if _, err := os.Stat("/run/dbus/system_bus_socket"); err != nil && os.Getenv("DBUS_SYSTEM_BUS_ADDRESS") == "" {
		addr := s.startBus(t)
		env = append(env, "DBUS_SYSTEM_BUS_ADDRESS="+addr)
	}
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	// ippeveprinter sometimes exits at once with "Unable to initialize DNS-SD" when its
	// D-Bus connection is refused under load (seen once in a full parallel run): start it
	// again, a bounded number of times; any other failure fails the test at once.
	const attempts = 3
	for i := 1; ; i++ {
		err := s.launch(bin, spool, cmdPath, env)
		if err == nil {
			t.Cleanup(s.stop)
			return s
		}
		if i == attempts || !strings.Contains(s.out.String(), "Unable to initialize DNS-SD") {
			t.Fatalf("%v\n%s", err, s.out)
		}
		t.Logf("ippeveprinter start %d of %d: %v; starting it again", i, attempts, err)
		s.out.Reset()
	}
}

// launch starts ippeveprinter on a fresh port and waits until it listens; on an error
// the process is gone.
func (s *IPPPrinter) launch(bin, spool, cmdPath string, env []string) error {
	port, err := pickPort()
	if err != nil {
		return err
	}
	s.port = port
	s.URI = fmt.Sprintf("ipp://localhost:%d/ipp/print", s.port)
	// -n localhost: ippeveprinter listens on the name's IPv4 and IPv6 addresses.
	cmd := exec.Command(bin, "-r", "off", "-n", "localhost", "-p", strconv.Itoa(s.port),
		"-d", spool, "-f", "application/pdf", "-c", cmdPath, "-m", "Kiosk A4", "madoguchi-test")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start ippeveprinter: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-exited:
			return fmt.Errorf("ippeveprinter exited: %w", err)
		default:
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), 200*time.Millisecond)
		if err == nil {
			c.Close()
			s.cmd = cmd
			s.stop = func() {
				_ = cmd.Process.Kill()
				<-exited
			}
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("ippeveprinter did not listen on port %d: %w", s.port, err)
		}
	}
}

func (s *IPPPrinter) startBus(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatalf("dbus-daemon not found (ippeveprinter needs D-Bus): install the Debian package dbus-daemon")
	}
	sock := filepath.Join(s.dir, "bus")
	addr := "unix:path=" + sock
	s.bus = exec.Command(bin, "--session", "--nofork", "--nopidfile", "--address="+addr)
	s.bus.Stdout, s.bus.Stderr = s.out, s.out
	if err := s.bus.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = s.bus.Process.Kill()
		_ = s.bus.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("dbus-daemon did not create %s\n%s", sock, s.out)
		}
	}
}

// pickPort returns a loopback port free at the time of asking.
func pickPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FailJobs makes every following job abort after reporting the given
// printer-state-reasons keywords (e.g. "media-empty-error"). No keywords: jobs
// succeed again (the reasons stay until the printer is restarted).
func (s *IPPPrinter) FailJobs(t testing.TB, reasons ...string) {
	t.Helper()
	p := filepath.Join(s.dir, "fail")
	if len(reasons) == 0 {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(p, []byte(strings.Join(reasons, " ")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// SlowJobs makes the print command take d (rounded to whole seconds, at least 1).
func (s *IPPPrinter) SlowJobs(t testing.TB, d time.Duration) {
	t.Helper()
	secs := max(1, int(d.Round(time.Second)/time.Second))
	if err := os.WriteFile(filepath.Join(s.dir, "slow"), []byte(strconv.Itoa(secs)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Printed returns the documents the print command received, oldest first.
func (s *IPPPrinter) Printed(t testing.TB) [][]byte {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(s.dir, "printed", "*.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, f := range m { // names are nanosecond timestamps: lexical order is time order
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// Log returns ippeveprinter's output so far (for failure messages).
func (s *IPPPrinter) Log() string { return s.out.String() }
