package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// systemd's service notification protocol (sd_notify(3)), written without a new
// dependency: datagrams of "KEY=VALUE\n" lines to the unix socket named by
// $NOTIFY_SOCKET ("@name" is an abstract socket). With Type=notify systemd waits for
// READY=1; with WatchdogSec it restarts the kiosk unless WATCHDOG=1 arrives in time.

// notifier sends notifications; the zero value (no socket) does nothing, so `kiosk run`
// outside systemd needs no special case.
type notifier struct {
	addr *net.UnixAddr
}

// newNotifier reads $NOTIFY_SOCKET (the environment is passed for tests).
func newNotifier(getenv func(string) string) notifier {
	s := getenv("NOTIFY_SOCKET")
	if s == "" {
		return notifier{}
	}
	if strings.HasPrefix(s, "@") {
		s = "\x00" + s[1:]
	}
	return notifier{addr: &net.UnixAddr{Name: s, Net: "unixgram"}}
}

// enabled reports whether a service manager listens.
func (n notifier) enabled() bool { return n.addr != nil }

// notify sends one datagram, e.g. notify("READY=1", "STATUS=serving").
func (n notifier) notify(lines ...string) error {
	if n.addr == nil {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// watchdogInterval returns how often to send WATCHDOG=1: half of $WATCHDOG_USEC, as
// sd_watchdog_enabled(3) advises; 0 when the watchdog is off or meant for another
// process. On the appliance the service's main process is the compositor (cage runs
// foot runs the kiosk, NotifyAccess=all), so a $WATCHDOG_PID naming one of this
// process's ancestors (other than PID 1) is ours too.
func watchdogInterval(getenv func(string) string) time.Duration {
	usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if p := getenv("WATCHDOG_PID"); p != "" {
		pid, err := strconv.Atoi(p)
		if err != nil || !selfOrAncestor(pid) {
			return 0
		}
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// selfOrAncestor reports whether pid is this process or one of its ancestors below
// PID 1, following the parent links in /proc.
func selfOrAncestor(pid int) bool {
	if pid <= 1 {
		return false
	}
	for cur, hops := os.Getpid(), 0; cur > 1 && hops < 64; hops++ {
		if cur == pid {
			return true
		}
		cur = parentPID(cur)
	}
	return false
}

// parentPID reads the PPid of /proc/PID/status; 0 when unknown.
func parentPID(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// errUnhealthy is returned by a health check to withhold the watchdog ping.
var errUnhealthy = errors.New("kiosk: unhealthy")

// watchdog pings systemd every interval while healthy returns nil. When healthy fails
// (the engine loop stopped answering, the queue hit a fatal error) the ping is withheld
// and systemd restarts the service after WatchdogSec. healthy must be quick and must
// not block: it should ask the engine loop for a heartbeat with a deadline. It returns
// when ctx ends.
func watchdog(ctx context.Context, n notifier, interval time.Duration, healthy func(context.Context) error, onSkip func(error)) {
	if !n.enabled() || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		hctx, cancel := context.WithTimeout(ctx, interval/2)
		err := healthy(hctx)
		cancel()
		if err == nil {
			_ = n.notify("WATCHDOG=1")
		} else if onSkip != nil {
			onSkip(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pinger is the engine loop's heartbeat (kiosk.Engine.Ping).
type pinger interface {
	Ping(ctx context.Context) error
}

// fatalErr is the queue's fatal-error state (offline.Store.Err).
type fatalErr interface {
	Err() error
}

// serveSystemd tells systemd the kiosk is ready and keeps its watchdog fed while the
// engine loop answers and the queue has no fatal error. Call it once the screen is up;
// it returns when ctx ends. Outside systemd it returns at once.
func serveSystemd(ctx context.Context, eng pinger, store fatalErr, log interface{ Warn(string, ...any) }) {
	n := newNotifier(os.Getenv)
	if !n.enabled() {
		return
	}
	if err := n.notify("READY=1", "STATUS=serving"); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	defer n.notify("STOPPING=1")
	watchdog(ctx, n, watchdogInterval(os.Getenv), func(ctx context.Context) error {
		if err := store.Err(); err != nil {
			return fmt.Errorf("%w: queue: %w", errUnhealthy, err)
		}
		if err := eng.Ping(ctx); err != nil {
			return fmt.Errorf("%w: engine loop: %w", errUnhealthy, err)
		}
		return nil
	}, func(err error) { log.Warn("watchdog ping withheld", "err", err) })
}
