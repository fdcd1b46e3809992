package systemd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"madoguchi/internal/systemd/systemdtest"
)

func TestNotify(t *testing.T) {
	tests := []struct {
		name   string
		socket func(t *testing.T) (env string, listen string)
	}{
		{"path socket", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "notify.sock")
			return p, p
		}},
		{"abstract socket", func(t *testing.T) (string, string) {
			n := "madoguchi-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			return "@" + n, "\x00" + n
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, listen := tt.socket(t)
			ch := systemdtest.Listen(t, listen)
			n := NewNotifier(func(k string) string {
				if k == "NOTIFY_SOCKET" {
					return env
				}
				return ""
			})
			if !n.Enabled() {
				t.Fatal("notifier not enabled")
			}
			if err := n.Notify("READY=1", "STATUS=serving"); err != nil {
				t.Fatal(err)
			}
			if got := systemdtest.Next(t, ch); got != "READY=1\nSTATUS=serving\n" {
				t.Fatalf("datagram %q", got)
			}
		})
	}

	off := NewNotifier(func(string) string { return "" })
	if off.Enabled() || off.Notify("READY=1") != nil {
		t.Fatal("a notifier without NOTIFY_SOCKET must do nothing")
	}
	gone := NewNotifier(func(string) string { return filepath.Join(t.TempDir(), "nobody.sock") })
	if err := gone.Notify("READY=1"); err == nil || !strings.Contains(err.Error(), "sd_notify") {
		t.Fatalf("send to a missing socket: %v", err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name      string
		usec, pid string
		want      time.Duration
	}{
		{"off", "", "", 0},
		{"half of WatchdogSec", "30000000", "", 15 * time.Second},
		{"for this process", "20000000", pid, 10 * time.Second},
		{"for the parent (cage, foot, kiosk)", "20000000", strconv.Itoa(os.Getppid()), 10 * time.Second},
		{"for PID 1", "20000000", "1", 0},
		{"for a stranger", "20000000", "999999999", 0},
		{"garbage", "soon", "", 0},
		{"zero", "0", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"WATCHDOG_USEC": tt.usec, "WATCHDOG_PID": tt.pid}
			if got := WatchdogInterval(func(k string) string { return env[k] }); got != tt.want {
				t.Fatalf("interval %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWatchdog: pings go out while healthy; none while unhealthy; the loop ends with ctx.
func TestWatchdog(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notify.sock")
	ch := systemdtest.Listen(t, p)
	n := NewNotifier(func(string) string { return p })
	var healthy atomic.Bool
	healthy.Store(true)
	var skipped atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watchdog(ctx, n, 20*time.Millisecond, func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return ErrUnhealthy
		}, func(err error) {
			if errors.Is(err, ErrUnhealthy) {
				skipped.Add(1)
			}
		})
	}()
	for range 3 {
		if got := systemdtest.Next(t, ch); got != "WATCHDOG=1\n" {
			t.Fatalf("datagram %q", got)
		}
	}
	healthy.Store(false)
	for skipped.Load() < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	// Drain what was sent before the switch, up to a marker of our own: the socket's
	// queue is in send order, and the listener may not have read all of it yet.
	mark := func() {
		t.Helper()
		if err := n.Notify("X-TEST-MARK=1"); err != nil {
			t.Fatal(err)
		}
	}
	mark()
	for systemdtest.Next(t, ch) != "X-TEST-MARK=1\n" {
	}
	// Then nothing may arrive while unhealthy: the next datagram is the next marker.
	s := skipped.Load()
	for skipped.Load() < s+3 {
		time.Sleep(10 * time.Millisecond)
	}
	mark()
	if got := systemdtest.Next(t, ch); got != "X-TEST-MARK=1\n" {
		t.Fatalf("pinged while unhealthy: %q", got)
	}
	healthy.Store(true)
	if got := systemdtest.Next(t, ch); got != "WATCHDOG=1\n" {
		t.Fatalf("datagram %q", got)
	}
	cancel()
	<-done
}

type nopWarn struct{}

func (nopWarn) Warn(string, ...any) {}

// TestServe runs the whole notification path as `kiosk run` does under systemd: READY=1
// first, watchdog pings while healthy, STOPPING=1 at the end.
func TestServe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notify.sock")
	ch := systemdtest.Listen(t, p)
	env := map[string]string{"NOTIFY_SOCKET": p, "WATCHDOG_USEC": "40000", "WATCHDOG_PID": strconv.Itoa(os.Getpid())} // ping every 20 ms
	getenv := func(k string) string { return env[k] }
	healthy := func(context.Context) error { return nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Serve(ctx, getenv, healthy, nopWarn{}) }()
	if got := systemdtest.Next(t, ch); got != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first datagram %q", got)
	}
	if got := systemdtest.Next(t, ch); got != "WATCHDOG=1\n" {
		t.Fatalf("second datagram %q", got)
	}
	cancel()
	<-done
	for {
		got := systemdtest.Next(t, ch)
		if got == "STOPPING=1\n" {
			break
		}
		if got != "WATCHDOG=1\n" {
			t.Fatalf("datagram %q", got)
		}
	}

	// An unhealthy service gets no ping at all.
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	var checks atomic.Int32
	go func() {
		defer close(done)
		Serve(ctx, getenv, func(context.Context) error {
			checks.Add(1)
			return fmt.Errorf("%w: queue: fsync failed", ErrUnhealthy)
		}, nopWarn{})
	}()
	if got := systemdtest.Next(t, ch); got != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first datagram %q", got)
	}
	for checks.Load() < 3 { // three rounds in which a ping would have gone out
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := systemdtest.Next(t, ch); got != "STOPPING=1\n" {
		t.Fatalf("pinged while unhealthy: %q", got)
	}
}

// TestServeOutsideSystemd: without NOTIFY_SOCKET, Serve returns at once.
func TestServeOutsideSystemd(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(context.Background(), func(string) string { return "" }, func(context.Context) error { return nil }, nopWarn{})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve outside systemd did not return")
	}
}
