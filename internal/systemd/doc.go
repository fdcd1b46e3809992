// Package systemd is what the service manager expects of the kiosk, written without a
// new dependency: the service notification protocol (sd_notify(3)) with its watchdog,
// and log lines journald files under their priority.
//
// # Concepts
//
//   - A Notifier sends datagrams of "KEY=VALUE\n" lines to the unix socket named by
//     $NOTIFY_SOCKET ("@name" is an abstract socket). Its zero value, outside systemd,
//     does nothing.
//   - Serve sends READY=1 (with Type=notify systemd waits for it), then WATCHDOG=1 every
//     WatchdogInterval while the service's health check passes, and STOPPING=1 at the end.
//     With WatchdogSec systemd restarts the service when the pings stop.
//   - NewLogHandler writes JSON lines; with MADOGUCHI_LOG=journal each is prefixed with
//     its syslog priority for journald's stream reader.
//
// # Invariants
//
//   - A failing health check withholds the ping (and says why); it never sends a
//     WATCHDOG=1 for a service that does not answer.
//   - The watchdog is ours when $WATCHDOG_PID is this process or one of its ancestors
//     below PID 1 (the kiosk runs under cage and foot with NotifyAccess=all).
//   - The environment is read through a getenv function, so tests need no process-wide
//     state.
package systemd
