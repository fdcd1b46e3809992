package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"madoguchi/config"
	"madoguchi/internal/systemd"
	"madoguchi/printer"
	"madoguchi/printer/gpio"
	"madoguchi/reader/pcsc"
	"madoguchi/screens"
	"madoguchi/screens/voice"
)

// DefaultConfigPath is where `kiosk run` looks for its configuration.
const DefaultConfigPath = "/etc/madoguchi/kiosk.toml"

// runRun is the appliance: the configured center, queue, printer and GPIO, the real card
// reader through pcscd, and the touch screen of the terminal it runs in. It returns
// non-zero when the kiosk must be restarted (systemd does so), e.g. after a failed fsync.
func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", DefaultConfigPath, "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk run: %v\n", err)
		return 1
	}
	logOut, closeLog, err := runLogOutput(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk run: %v\n", err)
		return 1
	}
	defer closeLog()
	log := slog.New(systemd.NewLogHandler(logOut, cfg.Kiosk.LogLevel, os.Getenv)).With("kiosk", cfg.Kiosk.ID)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var sensors printer.Sensors
	ao := assembleOptions{Technician: true, Log: log}
	if g := cfg.GPIO; g.PaperLow != "" || g.Door != "" || g.CardLED != "" || g.Buzzer != "" || g.PaperTray != "" {
		panel, err := gpio.OpenHost(gpio.PinNames{PaperLow: g.PaperLow, Door: g.Door, CardLED: g.CardLED, Buzzer: g.Buzzer, PaperTray: g.PaperTray}, gpio.Options{})
		if err != nil {
			log.Error("start", "err", err)
			return 1
		}
		defer panel.Close()
		sensors, ao.Indicator = panel, panel
		if panel.HasPaperTray() {
			ao.Tray = panel
		}
	}
	ao.Sensors = sensors
	parts, err := assemble(ctx, cfg, ao)
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	defer parts.close()
	scr, err := openScreen()
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	ui := screens.Options{Display: displayOf(cfg)}
	if sp := newSpeaker(ctx, cfg, voice.Aplay{Device: cfg.Voice.Device}, false, nil, log); sp != nil {
		defer sp.Close()
		ui.Voice = sp
	}
	log.Info("kiosk running", "version", version, "commit", commit)
	readers := &pcsc.ReaderHealth{} // the card watch's view of the readers, for the health report
	err = parts.run(ctx, runOptions{
		Screen: scr, UI: ui, Touch: &cfg.Screen, Keypad: &cfg.Keypad, Jack: &cfg.Voice, Status: cfg, Health: cfg, Reader: readers, Systemd: true, Log: log,
		Cards: func(ctx context.Context, h engineCards) error {
			return pcsc.WatchCards(ctx, cfg.Reader.NamePattern, h, readers, log)
		},
	})
	if err != nil {
		if !errors.Is(err, errQueueFatal) {
			log.Error("stopped", "err", err)
		}
		return 1
	}
	return 0
}

// runLogOutput is where `kiosk run` logs: stderr, unless stderr is the terminal the
// screen is drawn on (a technician starting the kiosk by hand), where log lines would
// scribble over the resident's screen; then they go to kiosk.log beside the queue.
// Under systemd, stderr is the journal (systemd-cat).
func runLogOutput(cfg *config.Config, stderr io.Writer) (io.Writer, func(), error) {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return stderr, func() {}, nil
	}
	path := filepath.Join(filepath.Dir(cfg.Queue.Path), "kiosk.log")
	lf, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file (stderr is the screen): %w", err)
	}
	fmt.Fprintf(stderr, "kiosk run: logging to %s\n", path)
	return lf, func() { lf.Close() }, nil
}
