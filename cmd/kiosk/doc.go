// Command kiosk is the madoguchi appliance: a self-service certificate kiosk for the My
// Number Card. Run `kiosk help` for the subcommands.
//
// This is where the parts meet; the logic lives in the packages. The files, by what they
// do:
//
//	main.go         the subcommands; check-config, config example, version.
//	run.go          `kiosk run`: the appliance. Configuration, log output, GPIO (the
//	                panel is also the reminders' buzzer and LED and, when wired, the
//	                output tray's sensor parts.run watches), the parts, the screen, the spoken guide, and
//	                the PC/SC card watcher (pcsc.WatchCards).
//	                With [screen] input = "evdev" parts.run also runs screens/touch's
//	                reader.
//	demo.go         `kiosk demo`: the same parts with the reference center in-process,
//	                its tray of virtual cards (centertest.MakeDemoCards) on the
//	                technician bar, and a file printer.
//	parts.go        run: the one owner of the running kiosk's goroutines (engine, sync
//	                worker, screen, card watcher, status endpoint, sd_notify watchdog,
//	                fatal-queue watch), for both run and demo.
//	wire.go         what run, demo and the tools share: assemble wires one kiosk's parts
//	                (center client, recovered queue, printer, engine) from its
//	                configuration; newCenterClient is the one builder of the center
//	                client (diag uses it too); the adapters between offline and kiosk.
//	printer.go      the configured printer as the engine sees it (enginePrinter: the
//	                printer.Guard behind the engine's port, the receipt, and the
//	                prefilled forms with their QR stamp signed by the kiosk's TLS key).
//	diag*.go        `kiosk diag`: one section per part, text or --json, exit code = health.
//	                Every section is its package's Diagnose (config, pcsc,
//	                printer/backend, printer/gpio, offline.Diagnose for the queue,
//	                offline.DiagnoseDisk); the center section is center.Client.Diagnose
//	                through the kiosk's own client; each is an internal/health verdict.
//	                The touch section and -touch-tap come from screens/touch.
//	queue.go        `kiosk queue`: flag parsing; offline/queuetool shows the outbox
//	                through offline.ReadOnly, retry, discard and ack write through
//	                offline.OpenExisting. No SQL here or anywhere in this command: the
//	                queue's schema is offline's.
//	                (The read-only status endpoint is package kiosk/status, started and
//	                joined by parts.go; the journald log lines and the sd_notify readiness
//	                and watchdog are package internal/systemd; kioskHealth in parts.go is
//	                the watchdog's check.)
//	techmode.go     what technician mode on the screen may do: the PIN check, a summary
//	                of the diag sections, the queue (queuetool.Summary), printer.TestPage.
//	voice.go        the spoken guide wired from [voice] (screens/voice's Speaker over its
//	                cache, aplay on the configured ALSA device), `kiosk voice-cache`,
//	                demo -voice DIR (voice.Folder), and [display] for the screens.
//	                parts.run runs screens/keypad for [keypad].
//	dist/           the systemd unit, install script, terminal and polkit files.
//
// Invariants kept here:
//   - The engine prints only through printer.Guard, which re-verifies the center's
//     signature and the document's binding to this session's request before a byte
//     reaches the paper, independently of the center client's own check.
//   - Cards reach the engine of `kiosk run` only through pcsc.WatchCards: a fresh
//     allow-listed reader session per card; a removal, a vanished reader or a pcscd
//     restart tells the engine and powers the card down. No reader usable (none there,
//     pcscd lost) is told to the engine too (ReaderAvailable), whose idle screen then
//     says so and starts nothing; the demo's reader is always there.
//   - Logs, diag, the queue tools and the status endpoint carry no PIN, My Number, name
//     or certificate. When stderr is the screen, `kiosk run` logs to kiosk.log beside
//     the queue so nothing is written over the resident's screen.
//   - parts.run returns only after every goroutine it started has returned; the parts
//     are closed after that, never under a goroutine still using them.
//   - Human output (diag's and the queue tools' text, their errors) is escaped with
//     internal/safetext (humanWriter in main.go): a card, the center, the printer or a
//     file cannot put a control or a bidi override on the terminal; JSON is unchanged.
//   - A failed fsync in the queue ends `kiosk run` with a non-zero status: systemd
//     restarts it and recovery finishes interrupted sessions before the first resident.
package main
