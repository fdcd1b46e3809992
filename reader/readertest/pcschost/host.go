package pcschost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"madoguchi/reader/readertest"
)

// Paths and names of the Debian packages the harness needs.
const (
	vpcdDriver   = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
	installHint  = "install the Debian packages: apt-get install -y --no-install-recommends pcscd vsmartcard-vpcd opensc opensc-pkcs11 pcsc-tools iproute2 util-linux (or run `make deps` as root)"
	friendlyName = "Virtual PCD"
	// EnvSocket is the variable libpcsclite reads (once per process) to find pcscd's socket.
	EnvSocket = "PCSCLITE_CSOCK_NAME"
)

// Options for New. The zero value is a quiet pcscd.
type Options struct {
	// Debug runs pcscd with --debug --apdu (about 0.6 KB of log per APDU, see Host.LogPath).
	Debug bool
}

// Host is one private pcscd with the vpcd driver on two slots (Port and Port+1), reachable
// only through its own socket (Socket). Cards are attached with Insert.
type Host struct {
	Dir     string // private folder: conf/, run/ (the bind-mounted /run/pcscd), pcscd.log
	Socket  string // pcscd.comm; PCSCLITE_CSOCK_NAME for every client of this host
	Port    int    // vpcd slot 0; slot 1 is Port+1
	LogPath string
	PID     int

	cmd      *exec.Cmd
	exited   chan struct{}
	mu       sync.Mutex
	slots    [2]*attachment
	closeErr error
	closed   bool
}

type attachment struct {
	card   *readertest.Card
	cancel context.CancelFunc
	done   chan struct{}
}

// Check reports what is missing to run a private pcscd and how to install it.
func Check() error {
	var missing []string
	for _, bin := range []string{"pcscd", "unshare", "ss", "mount"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if _, err := os.Stat(vpcdDriver); err != nil {
		missing = append(missing, vpcdDriver)
	}
	if len(missing) > 0 {
		return fmt.Errorf("pcschost: missing %s: %s", strings.Join(missing, ", "), installHint)
	}
	if os.Geteuid() != 0 {
		return errors.New("pcschost: a private pcscd needs root (unshare --mount + mount --bind)")
	}
	return nil
}

// procDir is fixed for the life of the process: libpcsclite reads PCSCLITE_CSOCK_NAME once
// (pthread_once in getSocketName), so every host of this process must use the same socket
// path.
var procDir = sync.OnceValue(func() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("madoguchi-pcschost-%d", os.Getpid()))
})

// New starts a private pcscd as in pcsc-harness.md recipe 2b and sets PCSCLITE_CSOCK_NAME
// in this process's environment (before any PC/SC client of the process connects: libpcsclite
// reads it only once). Close stops it.
func New(opts Options) (*Host, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	dir := procDir()
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("pcschost: %w", err)
	}
	for _, d := range []string{filepath.Join(dir, "conf"), filepath.Join(dir, "run"), "/run/pcscd"} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("pcschost: %w", err)
		}
	}
	h := &Host{Dir: dir, Socket: filepath.Join(dir, "run", "pcscd.comm"), LogPath: filepath.Join(dir, "pcscd.log")}
	if err := os.Setenv(EnvSocket, h.Socket); err != nil {
		return nil, fmt.Errorf("pcschost: %w", err)
	}
	unlock, err := lockPorts()
	if err != nil {
		return nil, err
	}
	defer unlock()
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePortPair()
		if err != nil {
			return nil, err
		}
		if lastErr = h.start(port, opts); lastErr == nil {
			return h, nil
		}
	}
	return nil, lastErr
}

// start launches pcscd on port and waits until it listens there (by ss, never a TCP probe:
// vpcd would take the probe for a card).
func (h *Host) start(port int, opts Options) error {
	h.Port = port
	conf := fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:%d\nLIBPATH      %s\nCHANNELID    %d\n",
		friendlyName, port, vpcdDriver, port)
	if err := os.WriteFile(filepath.Join(h.Dir, "conf", "vpcd"), []byte(conf), 0o600); err != nil {
		return fmt.Errorf("pcschost: %w", err)
	}
	args := "--foreground --config '" + filepath.Join(h.Dir, "conf") + "'"
	if opts.Debug {
		args += " --debug --apdu"
	}
	logf, err := os.OpenFile(h.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pcschost: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command("unshare", "--mount", "sh", "-c",
		"mount --bind '"+filepath.Join(h.Dir, "run")+"' /run/pcscd && exec pcscd "+args)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = withoutEnv(os.Environ(), EnvSocket)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pcschost: start pcscd: %w", err)
	}
	h.cmd, h.PID, h.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() { _ = cmd.Wait(); close(h.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-h.exited:
			return fmt.Errorf("pcschost: pcscd exited at start: %s", tail(h.LogPath))
		default:
		}
		if listening(port, h.PID) && listening(port+1, h.PID) {
			if _, err := os.Stat(h.Socket); err == nil {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.stop()
	return fmt.Errorf("pcschost: pcscd did not listen on %d within 10 s: %s", port, tail(h.LogPath))
}

// listening asks ss whether pid listens on TCP port.
func listening(port, pid int) bool {
	out, err := exec.Command("ss", "-ltnpH", "sport = :"+strconv.Itoa(port)).Output()
	if err != nil {
		return false
	}
	return bytes.Contains(out, []byte("pid="+strconv.Itoa(pid)+","))
}

// lockPorts serialises port choice and pcscd start-up across test binaries on the machine.
func lockPorts() (func(), error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "madoguchi-pcschost.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pcschost: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("pcschost: lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// freePortPair picks a random even port P in 41000..59998 with P and P+1 free (bind test:
// binding is not a connection, so it cannot be mistaken for a card).
func freePortPair() (int, error) {
	for i := 0; i < 200; i++ {
		p := 41000 + 2*rand.IntN(9500)
		if free(p) && free(p+1) {
			return p, nil
		}
	}
	return 0, errors.New("pcschost: no free port pair found")
}

func free(port int) bool {
	l, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Env is the environment for a PC/SC client process (opensc-tool, pkcs11-tool, a kiosk
// binary) of this host.
func (h *Host) Env() []string {
	return append(withoutEnv(os.Environ(), EnvSocket), EnvSocket+"="+h.Socket)
}

// ReaderName is the PC/SC name of a slot: "Virtual PCD 00 00" / "Virtual PCD 00 01".
func (h *Host) ReaderName(slot int) string {
	return fmt.Sprintf("%s 00 %02X", friendlyName, slot)
}

// Insert attaches card to slot 0 and waits until pcscd reports it present.
func (h *Host) Insert(card *readertest.Card) error { return h.InsertSlot(0, card) }

// Remove detaches whatever card is in slot 0 and waits until pcscd reports it absent.
func (h *Host) Remove() error { return h.RemoveSlot(0) }

// InsertSlot attaches card to slot 0 or 1 (through vpcd) and waits until pcscd reports a
// card present. A card already in the slot is removed first. The card is Insert()ed.
func (h *Host) InsertSlot(slot int, card *readertest.Card) error {
	if slot < 0 || slot > 1 {
		return fmt.Errorf("pcschost: slot %d: vpcd has slots 0 and 1", slot)
	}
	if err := h.RemoveSlot(slot); err != nil {
		return err
	}
	card.Insert()
	ctx, cancel := context.WithCancel(context.Background())
	a := &attachment{card: card, cancel: cancel, done: make(chan struct{})}
	v := &readertest.VPCD{Addr: "127.0.0.1:" + strconv.Itoa(h.Port+slot), Card: card}
	go func() { defer close(a.done); _ = v.Serve(ctx) }()
	h.mu.Lock()
	h.slots[slot] = a
	h.mu.Unlock()
	if err := h.WaitPresence(slot, true, 10*time.Second); err != nil {
		return err
	}
	return nil
}

// RemoveSlot detaches the card of a slot (closing its vpcd socket) and waits until pcscd
// reports the slot empty. Removing an empty slot is a no-op.
func (h *Host) RemoveSlot(slot int) error {
	if slot < 0 || slot > 1 {
		return fmt.Errorf("pcschost: slot %d: vpcd has slots 0 and 1", slot)
	}
	h.mu.Lock()
	a := h.slots[slot]
	h.slots[slot] = nil
	h.mu.Unlock()
	if a == nil {
		return nil
	}
	a.cancel()
	<-a.done
	return h.WaitPresence(slot, false, 10*time.Second)
}

// WaitPresence waits until pcscd reports the slot's card present (or absent).
func (h *Host) WaitPresence(slot int, present bool, timeout time.Duration) error {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return fmt.Errorf("pcschost: establish context: %w", err)
	}
	defer ctx.Release()
	deadline := time.Now().Add(timeout)
	rs := []scard.ReaderState{{Reader: h.ReaderName(slot), CurrentState: scard.StateUnaware}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("pcschost: slot %d: card present=%v not reported within %v", slot, present, timeout)
		}
		err := ctx.GetStatusChange(rs, min(left, 500*time.Millisecond))
		if errors.Is(err, scard.ErrUnknownReader) || errors.Is(err, scard.ErrNoReadersAvailable) {
			time.Sleep(50 * time.Millisecond) // pcscd still loading the vpcd driver
			continue
		}
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			return fmt.Errorf("pcschost: slot %d: get status change: %w", slot, err)
		}
		st := rs[0].EventState
		if err == nil {
			if st&scard.StatePresent != 0 == present && st&scard.StateUnavailable == 0 {
				return nil
			}
			rs[0].CurrentState = st &^ scard.StateChanged
		}
	}
}

// Close detaches the cards and stops pcscd by PID (SIGTERM, then SIGKILL after 10 s),
// waiting for it to exit (1.7–3.5 s), then removes Dir.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return h.closeErr
	}
	h.closed = true
	slots := h.slots
	h.slots = [2]*attachment{}
	h.mu.Unlock()
	for _, a := range slots {
		if a != nil {
			a.cancel()
			<-a.done
		}
	}
	h.closeErr = h.stop()
	if h.closeErr == nil {
		_ = os.RemoveAll(h.Dir)
	}
	return h.closeErr
}

func (h *Host) stop() error {
	if h.cmd == nil || h.cmd.Process == nil {
		return nil
	}
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	_ = h.cmd.Process.Kill()
	<-h.exited
	return fmt.Errorf("pcschost: pcscd %d ignored SIGTERM for 10 s; killed", h.PID)
}

// Log returns pcscd's output so far (useful in test failures).
func (h *Host) Log() string {
	b, _ := os.ReadFile(h.LogPath)
	return string(b)
}

// Command prepares a PC/SC client command bound to this host (Env set).
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = h.Env()
	return cmd
}

var shared struct {
	mu     sync.Mutex
	host   *Host
	inMain bool
	opts   Options
}

// Main runs a test binary whose tests share one private pcscd, started by the first Start
// and stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(pcschost.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.host != nil {
		if err := shared.host.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
		shared.host = nil
	}
	return code
}

// Start returns the process's private pcscd, starting it if needed, and fails the test
// (never skips) if pcscd or vpcd are missing. Cards a test inserts are removed when it ends.
// Under Main the pcscd lives until the binary ends; otherwise it is stopped at the end of the
// test that started it (the next Start starts another on the same socket path).
func Start(t testing.TB) *Host {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.host == nil {
		h, err := New(shared.opts)
		if err != nil {
			t.Fatalf("pcschost: %v", err)
		}
		shared.host = h
		if !shared.inMain {
			t.Cleanup(func() {
				shared.mu.Lock()
				defer shared.mu.Unlock()
				if err := h.Close(); err != nil {
					t.Error(err)
				}
				shared.host = nil
			})
		}
	}
	h := shared.host
	t.Cleanup(func() {
		for slot := 0; slot < 2; slot++ {
			if err := h.RemoveSlot(slot); err != nil {
				t.Error(err)
			}
		}
	})
	return h
}

// SetDebug makes the next started shared pcscd log APDUs (call from TestMain before Main).
func SetDebug(on bool) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.opts.Debug = on
}
