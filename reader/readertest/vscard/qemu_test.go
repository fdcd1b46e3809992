package vscard

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/reader/readertest"
)

// qemuBinary is the QEMU the real-part test starts (Debian package qemu-system-x86, in
// make deps). No guest runs: -S keeps the CPU stopped, while the devices are realized and
// the chardev is live, which is all ccid-card-passthru needs to speak VSCard.
const qemuBinary = "/usr/bin/qemu-system-x86_64"

// startQEMU runs QEMU with a USB CCID reader whose card is passed through chardev
// "vscard", described by chardevOpts; it returns the QMP socket's path.
func startQEMU(t *testing.T, dir, chardevOpts string) string {
	t.Helper()
	needFile(t, qemuBinary, "qemu-system-x86")
	qmp := filepath.Join(dir, "qmp.sock")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, qemuBinary,
		"-M", "pc", "-accel", "tcg", "-S", "-nodefaults", "-display", "none", "-no-user-config",
		"-device", "qemu-xhci,id=xhci",
		"-device", "usb-ccid,bus=xhci.0,id=ccid",
		"-device", "ccid-card-passthru,chardev=vscard,id=card",
		"-chardev", "socket,id=vscard,"+chardevOpts,
		"-qmp", "unix:"+qmp+",server=on,wait=off")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("QEMU output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(qmp); err == nil {
			return qmp
		}
		if time.Now().After(deadline) {
			t.Fatalf("QEMU did not open its QMP socket:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hmp runs one human-monitor command through QMP and returns its text.
func hmp(t *testing.T, qmpPath, command string) string {
	t.Helper()
	conn, err := net.DialTimeout("unix", qmpPath, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	read := func() map[string]json.RawMessage {
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				t.Fatalf("qmp: %v", err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("qmp: %v in %q", err, line)
			}
			if _, ev := m["event"]; !ev {
				return m
			}
		}
	}
	read() // greeting
	fmt.Fprintln(conn, `{"execute":"qmp_capabilities"}`)
	read()
	arg, _ := json.Marshal(map[string]any{"execute": "human-monitor-command", "arguments": map[string]string{"command-line": command}})
	conn.Write(append(arg, '\n'))
	var text string
	if err := json.Unmarshal(read()["return"], &text); err != nil {
		t.Fatalf("qmp %s: %v", command, err)
	}
	return text
}

// TestQEMUHandshake: real QEMU (ccid-card-passthru) and the Client, in both chardev roles:
// Init both ways, the reader added (QEMU's USB CCID device on the bus), the card's ATR
// accepted, its removal acknowledged, and an inconsistent ATR refused by QEMU's own check.
// The APDU path needs a guest's CCID driver and is covered against the Host double.
func TestQEMUHandshake(t *testing.T) {
	for _, tc := range []struct {
		name   string
		listen bool // our side listens, QEMU's chardev connects
	}{{"QEMU listens (server=on), we dial", false}, {"we listen, QEMU connects", true}} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			dir := shortTempDir(t) // QEMU's options split at commas; sun_path holds 108 bytes
			sock := filepath.Join(dir, "vscard.sock")
			card := newCard(t, readertest.Options{})
			events := make(chan Event, 64)
			c := &Client{Card: card, OnEvent: func(e Event) { events <- e }, RedialDelay: 20 * time.Millisecond}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			var qmp string
			if tc.listen {
				l, err := Listen(Endpoint{Network: "unix", Address: sock})
				if err != nil {
					t.Fatal(err)
				}
				go func() { done <- c.ListenAndServe(ctx, l) }()
				qmp = startQEMU(t, dir, "path="+sock)
			} else {
				qmp = startQEMU(t, dir, "path="+sock+",server=on,wait=off")
				go func() { done <- c.DialAndServe(ctx, Endpoint{Network: "unix", Address: sock}) }()
			}
			stopped := false
			defer func() {
				cancel()
				if !stopped {
					<-done
				}
			}()
			expect := func(kinds ...EventKind) {
				t.Helper()
				for _, k := range kinds {
					select {
					case e := <-events:
						if e.Kind != k {
							t.Fatalf("event %v, want %v", e, k)
						}
					case <-time.After(10 * time.Second):
						t.Fatalf("no %v event", k)
					}
				}
			}
			expect(EventConnected, EventHandshake, EventReaderAdded, EventInserted)
			if usb := hmp(t, qmp, "info usb"); !strings.Contains(usb, "QEMU USB CCID") {
				t.Fatalf("info usb: %q", usb)
			}
			card.Remove()
			expect(EventRemoved)
			card.Insert()
			expect(EventInserted)
			if c.Card.Removed() {
				t.Fatal("card out")
			}
			cancel()
			stopped = true
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("serve loop = %v", err)
			}
			if tc.listen {
				return // QEMU's chardev here does not reconnect: nothing more to say
			}
			// QEMU accepts the next connection on its socket, and checks the ATR itself:
			// one whose T0 announces 15 historical bytes that are not there is refused
			// with VSC_GENERAL_ERROR (ccid-card-passthru's check_atr).
			drain(events)
			c = &Client{Card: newCard(t, readertest.Options{ATR: []byte{0x3B, 0x8F, 0x80}}),
				OnEvent: func(e Event) { events <- e }}
			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			go func() { done <- c.DialAndServe(ctx2, Endpoint{Network: "unix", Address: sock}) }()
			expect(EventConnected, EventHandshake, EventReaderAdded)
			select {
			case e := <-events:
				if e.Kind != EventRefused || e.Msg != MsgATR || e.Code != CodeGeneralError {
					t.Fatalf("bad ATR: %v", e)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no answer to the bad ATR")
			}
		})
	}
}

func shortTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "vscard")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func drain(ch chan Event) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
