package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// listenNotify plays systemd: a real unixgram socket that collects datagrams.
func listenNotify(t *testing.T, name string) (*net.UnixConn, <-chan string) {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return conn, ch
}

func recv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return ""
}

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
			_, ch := listenNotify(t, listen)
			n := newNotifier(func(k string) string {
				if k == "NOTIFY_SOCKET" {
					return env
				}
				return ""
			})
			if !n.enabled() {
				t.Fatal("notifier not enabled")
			}
			if err := n.notify("READY=1", "STATUS=serving"); err != nil {
				t.Fatal(err)
			}
			if got := recv(t, ch); got != "READY=1\nSTATUS=serving\n" {
				t.Fatalf("datagram %q", got)
			}
		})
	}

	off := newNotifier(func(string) string { return "" })
	if off.enabled() || off.notify("READY=1") != nil {
		t.Fatal("a notifier without NOTIFY_SOCKET must do nothing")
	}
	gone := newNotifier(func(string) string { return filepath.Join(t.TempDir(), "nobody.sock") })
	if err := gone.notify("READY=1"); err == nil || !strings.Contains(err.Error(), "sd_notify") {
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
			if got := watchdogInterval(func(k string) string { return env[k] }); got != tt.want {
				t.Fatalf("interval %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWatchdog: pings go out while healthy; none while unhealthy; the loop ends with ctx.
func TestWatchdog(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notify.sock")
	_, ch := listenNotify(t, p)
	n := newNotifier(func(string) string { return p })
	var healthy atomic.Bool
	healthy.Store(true)
	var skipped atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchdog(ctx, n, 20*time.Millisecond, func(context.Context) error {
			if healthy.Load() {
				return nil
			}
			return errUnhealthy
		}, func(err error) {
			if errors.Is(err, errUnhealthy) {
				skipped.Add(1)
			}
		})
	}()
	for range 3 {
		if got := recv(t, ch); got != "WATCHDOG=1\n" {
			t.Fatalf("datagram %q", got)
		}
	}
	healthy.Store(false)
	for skipped.Load() < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	// Drain what was sent before the switch; then nothing may arrive while unhealthy.
	for len(ch) > 0 {
		<-ch
	}
	s := skipped.Load()
	for skipped.Load() < s+3 {
		time.Sleep(10 * time.Millisecond)
	}
	if len(ch) != 0 {
		t.Fatalf("pinged while unhealthy: %q", <-ch)
	}
	healthy.Store(true)
	if got := recv(t, ch); got != "WATCHDOG=1\n" {
		t.Fatalf("datagram %q", got)
	}
	cancel()
	<-done
}

type fakePinger struct{ err atomic.Pointer[error] }

func (f *fakePinger) Ping(context.Context) error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

type fakeStore struct{ err error }

func (f fakeStore) Err() error { return f.err }

type nopWarn struct{}

func (nopWarn) Warn(string, ...any) {}

// TestServeSystemd runs the whole notification path as `kiosk run` would under
// systemd: READY=1 first, watchdog pings while healthy, STOPPING=1 at the end.
func TestServeSystemd(t *testing.T) {
	p := filepath.Join(t.TempDir(), "notify.sock")
	_, ch := listenNotify(t, p)
	t.Setenv("NOTIFY_SOCKET", p)
	t.Setenv("WATCHDOG_USEC", "40000") // ping every 20 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); serveSystemd(ctx, &fakePinger{}, fakeStore{}, nopWarn{}) }()
	if got := recv(t, ch); got != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first datagram %q", got)
	}
	if got := recv(t, ch); got != "WATCHDOG=1\n" {
		t.Fatalf("second datagram %q", got)
	}
	cancel()
	<-done
	for {
		got := recv(t, ch)
		if got == "STOPPING=1\n" {
			break
		}
		if got != "WATCHDOG=1\n" {
			t.Fatalf("datagram %q", got)
		}
	}

	// A queue with a fatal error gets no ping at all.
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		defer close(done)
		serveSystemd(ctx, &fakePinger{}, fakeStore{errors.New("fsync failed")}, nopWarn{})
	}()
	if got := recv(t, ch); got != "READY=1\nSTATUS=serving\n" {
		t.Fatalf("first datagram %q", got)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if got := recv(t, ch); got != "STOPPING=1\n" {
		t.Fatalf("pinged with a fatal queue: %q", got)
	}
}
