package systemd

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

// Notifier sends notifications; the zero value (no socket) does nothing, so `kiosk run`
// outside systemd needs no special case.
type Notifier struct {
	addr *net.UnixAddr
}

// NewNotifier reads $NOTIFY_SOCKET (the environment is passed for tests).
func NewNotifier(getenv func(string) string) Notifier {
	s := getenv("NOTIFY_SOCKET")
	if s == "" {
		return Notifier{}
	}
	if strings.HasPrefix(s, "@") {
		s = "\x00" + s[1:]
	}
	return Notifier{addr: &net.UnixAddr{Name: s, Net: "unixgram"}}
}

// Enabled reports whether a service manager listens.
func (n Notifier) Enabled() bool { return n.addr != nil }

// Notify sends one datagram, e.g. Notify("READY=1", "STATUS=serving").
func (n Notifier) Notify(lines ...string) error {
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

// WatchdogInterval returns how often to send WATCHDOG=1: half of $WATCHDOG_USEC, as
// sd_watchdog_enabled(3) advises; 0 when the watchdog is off or meant for another
// process. On the appliance the service's main process is the compositor (cage runs
// foot runs the kiosk, NotifyAccess=all), so a $WATCHDOG_PID naming one of this
// process's ancestors (other than PID 1) is ours too.
func WatchdogInterval(getenv func(string) string) time.Duration {
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

// ErrUnhealthy is returned by a health check to withhold the watchdog ping.
var ErrUnhealthy = errors.New("systemd: unhealthy")

// Watchdog pings systemd every interval while healthy returns nil. When healthy fails
// (the engine loop stopped answering, the queue hit a fatal error) the ping is withheld
// and systemd restarts the service after WatchdogSec. healthy must be quick and must
// not block: it should ask the engine loop for a heartbeat with a deadline. It returns
// when ctx ends.
func Watchdog(ctx context.Context, n Notifier, interval time.Duration, healthy func(context.Context) error, onSkip func(error)) {
	if !n.Enabled() || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		hctx, cancel := context.WithTimeout(ctx, interval/2)
		err := healthy(hctx)
		cancel()
		if err == nil {
			_ = n.Notify("WATCHDOG=1")
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

// Serve tells systemd the service is ready and keeps its watchdog fed while healthy
// returns nil (see Watchdog); STOPPING=1 goes out when ctx ends. Call it once the service
// can serve; it returns when ctx ends, or at once outside systemd. getenv is os.Getenv
// (tests pass their own); warnings go to log.
func Serve(ctx context.Context, getenv func(string) string, healthy func(context.Context) error, log interface{ Warn(string, ...any) }) {
	n := NewNotifier(getenv)
	if !n.Enabled() {
		return
	}
	if err := n.Notify("READY=1", "STATUS=serving"); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	defer n.Notify("STOPPING=1")
	Watchdog(ctx, n, WatchdogInterval(getenv), healthy, func(err error) { log.Warn("watchdog ping withheld", "err", err) })
}
