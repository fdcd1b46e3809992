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
	"sync"
	"sync/atomic"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/term"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer"
	"madoguchi/printer/gpio"
	"madoguchi/reader/pcsc"
	"madoguchi/screens"
	"madoguchi/screens/touch"
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
	log := slog.New(newLogHandler(logOut, cfg.Kiosk.LogLevel, os.Getenv)).With("kiosk", cfg.Kiosk.ID)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var sensors printer.Sensors
	if g := cfg.GPIO; g.PaperLow != "" || g.Door != "" || g.CardLED != "" || g.Buzzer != "" {
		panel, err := gpio.OpenHost(gpio.PinNames{PaperLow: g.PaperLow, Door: g.Door, CardLED: g.CardLED, Buzzer: g.Buzzer}, gpio.Options{})
		if err != nil {
			log.Error("start", "err", err)
			return 1
		}
		defer panel.Close()
		sensors = panel
	}
	parts, err := assemble(ctx, cfg, assembleOptions{Sensors: sensors, Technician: true, Log: log})
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	defer parts.close()
	eng, store, prn, link := parts.engine, parts.store, parts.printer, parts.link

	scr, err := tcell.NewScreen()
	if err == nil {
		err = scr.Init()
	}
	if err != nil {
		log.Error("start: cannot open the terminal", "err", err)
		return 1
	}
	scr.EnableMouse()
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); _ = eng.Run(ctx) }()
	go func() { defer wg.Done(); _ = touch.Run(ctx, cfg.Screen, scr, log.With("part", "touch")) }()
	go func() { defer wg.Done(); _ = store.Sync(ctx, link, nil) }()
	go func() { defer wg.Done(); watchCards(ctx, cfg.Reader, eng, log) }()
	var fatal atomic.Bool
	go func() {
		select {
		case <-store.Fatal():
			log.Error("queue storage failed: restarting", "err", store.Err())
			fatal.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()
	go serveSystemd(ctx, eng, store, log.With("part", "systemd"))
	go func() {
		src := statusSources{Engine: eng, Store: store, Printer: prn}
		if err := serveStatus(ctx, cfg, src, log.With("part", "status")); err != nil {
			log.Warn("status endpoint", "err", err)
		}
	}()
	log.Info("kiosk running", "version", version, "commit", commit)
	uiErr := screens.Run(ctx, scr, eng, screens.Options{})
	scr.Fini()
	cancel()
	wg.Wait()
	if fatal.Load() {
		return 1
	}
	if uiErr != nil && !errors.Is(uiErr, context.Canceled) {
		log.Error("screen", "err", uiErr)
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

// cardEngine is what watchCards drives.
type cardEngine interface {
	CardInserted(kiosk.Card)
	CardRemoved()
}

// watchCards follows the readers matching the configured pattern and hands every card
// that is placed to the engine, as a fresh allow-listed session; a removal (or the
// reader or pcscd going away) tells the engine and powers the card down.
func watchCards(ctx context.Context, rc config.Reader, eng cardEngine, log *slog.Logger) {
	var (
		x      *pcsc.Context
		card   *pcsc.Card
		reader string
	)
	release := func() {
		if card != nil {
			card.Close()
			card = nil
			eng.CardRemoved()
		}
	}
	defer func() {
		release()
		if x != nil {
			x.Close()
		}
	}()
	err := pcsc.Watch(ctx, rc.NamePattern, func(ev pcsc.Event) {
		switch ev.Kind {
		case pcsc.CardInserted:
			if card != nil {
				return // one card at a time: the first reader that has one wins
			}
			if x == nil {
				var err error
				if x, err = pcsc.Open(); err != nil {
					log.Warn("card inserted but pc/sc is unreachable", "err", err)
					return
				}
			}
			c, err := x.Connect(ctx, ev.Reader, pcsc.Options{})
			if err != nil {
				log.Warn("cannot connect to the card", "reader", ev.Reader, "err", err)
				x.Close()
				x = nil
				return
			}
			card, reader = c, ev.Reader
			log.Info("card inserted", "reader", ev.Reader, "protocol", c.Protocol())
			eng.CardInserted(c.Card)
		case pcsc.CardRemoved, pcsc.ReaderRemoved:
			if card != nil && ev.Reader == reader {
				log.Info("card removed", "reader", ev.Reader)
				release()
			}
		case pcsc.ServiceLost:
			log.Warn("pc/sc service lost")
			release()
			if x != nil {
				x.Close()
				x = nil
			}
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error("card watch stopped", "err", err)
	}
}
