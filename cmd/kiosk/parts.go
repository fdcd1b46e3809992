package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/config"
	"madoguchi/internal/systemd"
	"madoguchi/kiosk"
	"madoguchi/kiosk/status"
	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/screens"
	"madoguchi/screens/keypad"
	"madoguchi/screens/touch"
)

// openScreen opens the terminal the kiosk draws on, with taps as mouse reports.
func openScreen() (tcell.Screen, error) {
	scr, err := tcell.NewScreen()
	if err == nil {
		err = scr.Init()
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the terminal: %w", err)
	}
	if seq := screens.TerminalSetup(os.Getenv("TERM")); seq != "" {
		if tty, ok := scr.Tty(); ok {
			if _, err := io.WriteString(tty, seq); err != nil {
				scr.Fini()
				return nil, fmt.Errorf("cannot set up the terminal: %w", err)
			}
		}
	}
	scr.EnableMouse()
	return scr, nil
}

// runOptions are what differs between `kiosk run` and `kiosk demo` around the parts.
type runOptions struct {
	Screen  tcell.Screen                                   // initialised; run finalises it when the screen ends
	UI      screens.Options                                // the demo's technician bar
	Cards   func(ctx context.Context, h engineCards) error // the card watcher; nil: cards come otherwise (demo)
	Touch   *config.Screen                                 // the [screen] section: the direct evdev path when it asks for it; nil: the terminal's
	Keypad  *config.Keypad                                 // the [keypad] section; nil: none
	Jack    *config.Voice                                  // the [voice] section's headphone jack; nil: none
	Status  *config.Config                                 // non-nil: serve the status endpoint of its [status] section
	Health  *config.Config                                 // non-nil: report health to the center through the outbox
	Reader  status.ReaderState                             // the reader's state for the health report; nil: unknown
	Systemd bool                                           // tell systemd the kiosk is ready and feed its watchdog
	Log     *slog.Logger
}

// errQueueFatal ends run when the queue's storage failed (a failed fsync): the caller
// exits non-zero so that systemd restarts the kiosk and recovery runs.
var errQueueFatal = errors.New("queue storage failed")

// run runs the kiosk: the engine loop, the queue's sync worker, the screen, and as o
// says the card watcher, the status endpoint and the systemd notifier, each on its own
// goroutine, plus a watch for a fatal queue error. It returns when the screen ends (the
// demo's quit, or ctx cancelled) or the queue failed (errQueueFatal), and only after
// every goroutine it started has returned, so the caller may close the parts then.
func (p *kioskParts) run(ctx context.Context, o runOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := func(part string, f func()) {
		wg.Add(1)
		if p.trace != nil {
			p.trace(part, true)
		}
		go func() {
			defer wg.Done()
			if p.trace != nil {
				defer p.trace(part, false)
			}
			f()
		}()
	}
	start("engine", func() { _ = p.engine.Run(ctx) })
	start("sync", func() { _ = p.store.Sync(ctx, p.link, nil) })
	var fatal error
	start("fatal", func() {
		select {
		case <-p.store.Fatal():
			o.Log.Error("queue storage failed: restarting", "err", p.store.Err())
			fatal = errQueueFatal
			cancel()
		case <-ctx.Done():
		}
	})
	if o.Cards != nil {
		start("cards", func() {
			if err := o.Cards(ctx, engineCards{p.engine}); err != nil {
				o.Log.Error("card watch stopped", "err", err)
			}
		})
	}
	if p.tray != nil {
		start("tray", func() {
			if err := p.tray.WatchTray(ctx, p.engine.PaperInTray); err != nil && ctx.Err() == nil {
				o.Log.Error("paper-tray sensor stopped", "err", err)
			}
		})
	}
	if o.Systemd {
		start("systemd", func() { systemd.Serve(ctx, os.Getenv, kioskHealth(p.engine, p.store), o.Log.With("part", "systemd")) })
	}
	if o.Health != nil {
		start("health", func() {
			c := o.Health
			srv := status.NewServer(status.Kiosk{ID: c.Kiosk.ID, Location: c.Kiosk.Location, Version: version + " (" + commit + ")",
				QueuePath: c.Queue.Path}, status.Sources{Engine: p.engine, Store: p.store, Printer: p.printer})
			waitReaderKnown(ctx, o.Reader, readerKnownWait)
			srv.ReportHealth(ctx, p.store, o.Reader, status.DefaultHealthEvery)
		})
	}
	if o.Status != nil {
		start("status", func() {
			c := o.Status
			srv := status.NewServer(status.Kiosk{ID: c.Kiosk.ID, Location: c.Kiosk.Location, Version: version + " (" + commit + ")",
				QueuePath: c.Queue.Path}, status.Sources{Engine: p.engine, Store: p.store, Printer: p.printer})
			if err := status.Serve(ctx, c.Status.Listen, srv, o.Log.With("part", "status")); err != nil {
				o.Log.Warn("status endpoint", "err", err)
			}
		})
	}
	if o.Touch != nil {
		start("touch", func() {
			if err := touch.Run(ctx, *o.Touch, o.Screen, o.Log.With("part", "touch")); err != nil {
				o.Log.Error("touch input stopped", "err", err)
			}
		})
	}
	if o.Keypad != nil && o.Keypad.Kind != config.KeypadNone {
		start("keypad", func() {
			if err := keypad.Run(ctx, *o.Keypad, o.Screen, o.Log.With("part", "keypad")); err != nil && ctx.Err() == nil {
				o.Log.Error("keypad stopped", "err", err)
			}
		})
	}
	if j := o.Jack; j != nil && (j.JackPath != "" || j.JackPattern != nil) {
		start("jack", func() {
			if err := keypad.RunJack(ctx, j.JackPath, j.JackPattern, o.Screen, o.Log.With("part", "jack")); err != nil && ctx.Err() == nil {
				o.Log.Error("headphone jack stopped", "err", err)
			}
		})
	}
	var uiErr error
	start("screen", func() {
		uiErr = screens.Run(ctx, o.Screen, p.engine, o.UI)
		o.Screen.Fini()
		cancel()
	})
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	if uiErr != nil && !errors.Is(uiErr, context.Canceled) {
		return fmt.Errorf("screen: %w", uiErr)
	}
	return nil
}

// pinger is the engine loop's heartbeat (kiosk.Engine.Ping).
type pinger interface {
	Ping(ctx context.Context) error
}

// fatalErr is the queue's fatal-error state (offline.Store.Err).
type fatalErr interface {
	Err() error
}

// kioskHealth is the systemd watchdog's check: the queue has no fatal error and the
// engine loop answers. It must be quick: Ping waits at most until ctx's deadline.
func kioskHealth(eng pinger, store fatalErr) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := store.Err(); err != nil {
			return fmt.Errorf("%w: queue: %w", systemd.ErrUnhealthy, err)
		}
		if err := eng.Ping(ctx); err != nil {
			return fmt.Errorf("%w: engine loop: %w", systemd.ErrUnhealthy, err)
		}
		return nil
	}
}

// readerKnownWait bounds how long the first health report waits for the card watch to
// learn the readers' state (it reports "unknown" after that).
const readerKnownWait = 5 * time.Second

// waitReaderKnown waits until r's state is no longer "unknown", at most max.
func waitReaderKnown(ctx context.Context, r status.ReaderState, max time.Duration) {
	if r == nil {
		return
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	for r.ReaderState() == pcsc.ReaderUnknown {
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-t.C:
		}
	}
}

// engineCards hands the cards the PC/SC watcher sees to the engine.
type engineCards struct{ e *kiosk.Engine }

func (c engineCards) CardInserted(card *reader.Card) { c.e.CardInserted(card) }
func (c engineCards) CardRemoved()                   { c.e.CardRemoved() }

// ReaderAvailable tells the engine whether a reader can be used (pcsc.ReaderNotifier):
// without one the idle screen says so and starts nothing. The demo never calls it.
func (c engineCards) ReaderAvailable(ok bool) { c.e.ReaderAvailable(ok) }
