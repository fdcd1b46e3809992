// Command kiosk is the madoguchi appliance: a self-service certificate kiosk for the My
// Number Card. Run `kiosk help` for the subcommands.
//
// This is where the parts meet; the logic lives in the packages. The files, by what they
// do:
//
//	run.go          `kiosk run`: the appliance. Configuration, center client, queue, GPIO,
//	                printer, engine, the PC/SC watcher (watchCards), the touch screen
//	                and, with [screen] input = "evdev", screens/touch's reader.
//	demo.go         `kiosk demo`: the same wiring with the reference center in-process,
//	                virtual cards made in the background and a file printer.
//	wire.go         what run, demo and the tools share: assemble wires one kiosk's parts
//	                (center client, recovered queue, printer, engine) from its
//	                configuration; loadCenterFiles is the one loader of the [center]
//	                files (diag uses it too); the adapters between offline and kiosk.
//	printer.go      the configured printer as the engine sees it (enginePrinter).
//	diag*.go        `kiosk diag`: one section per part, text or --json, exit code = health;
//	                the touch section and -touch-tap come from screens/touch.
//	queue*.go       `kiosk queue`: the technician's view of the outbox; read-only except
//	                retry and ack.
//	status_*.go     the appliance's reporting: journald log lines, sd_notify readiness and
//	                watchdog, the read-only status endpoint.
//	techmode.go     what technician mode on the screen may do (diagnostics, test page).
//	dist/           the systemd unit, install script, terminal and PAM/polkit files.
//
// Invariants kept here:
//   - The printer re-verifies the center's signature and the document's binding to this
//     session's request before a byte reaches the paper (enginePrinter), independently
//     of the center client's own check.
//   - Every card the watcher hands to the engine is a fresh allow-listed reader session;
//     a removal, a vanished reader or a pcscd restart tells the engine and powers the
//     card down.
//   - Logs, diag, the queue tools and the status endpoint carry no PIN, My Number, name
//     or certificate. When stderr is the screen, `kiosk run` logs to kiosk.log beside
//     the queue so nothing is written over the resident's screen.
//   - A failed fsync in the queue ends `kiosk run` with a non-zero status: systemd
//     restarts it and recovery finishes interrupted sessions before the first resident.
package main
