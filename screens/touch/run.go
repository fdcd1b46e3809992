package touch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
)

// Screen is where taps go: tcell.Screen has both methods.
type Screen interface {
	PostEvent(ev tcell.Event) error
	Size() (cols, rows int)
}

// Gesture thresholds. A touch shorter than MinTouch is a ghost (a single frame of noise
// from a capacitive panel, a bounce of a resistive one): a resident's tap lasts 50 ms or
// more. A finger that travels DragCells cells or more is a drag, not a tap: one cell of
// jitter across a cell edge is still a tap.
const (
	MinTouch  = 30 * time.Millisecond
	DragCells = 2
)

// RetryEvery is how often a missing or vanished device is looked for again.
const RetryEvery = 2 * time.Second

// Status is what the reader knows about its device, for the status endpoint and logs.
type Status struct {
	Open   bool
	Device Info   // the device open now, or the last one
	Err    string // why there is no device, or how it went away; "" while open
	Taps   int    // taps posted since start
}

// Reader reads the touchscreen and posts taps to the screen as tcell mouse events, shaped
// as foot ≥ 1.15 sends them (screens.UI takes both paths the same way): a tap is a press
// of button 1 at the cell where the finger went down and a release at the cell where it
// lifted, both posted when it lifts; a drag is one wheel event at the lift (the UI ignores
// wheel events); ghosts post nothing. A device that cannot be opened or goes away is
// logged and looked for again every Retry; the reader never gives up until its context
// ends, and the screen keeps working meanwhile (keys, and the terminal's own mouse
// reports, which the grab only stops while the device is held).
type Reader struct {
	Open   Opener
	Map    Mapping // calibration from the configuration; zero ranges take the device's
	Screen Screen
	Log    *slog.Logger
	Retry  time.Duration                        // default RetryEvery
	After  func(time.Duration) <-chan time.Time // default time.After

	mu sync.Mutex
	st Status
}

// Status returns a snapshot of the reader's state.
func (r *Reader) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

func (r *Reader) set(f func(*Status)) {
	r.mu.Lock()
	f(&r.st)
	r.mu.Unlock()
}

// Run reads until ctx ends; it returns ctx's error.
func (r *Reader) Run(ctx context.Context) error {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retry, after := r.Retry, r.After
	if retry <= 0 {
		retry = RetryEvery
	}
	if after == nil {
		after = time.After
	}
	lastErr := ""
	for {
		err := r.session(ctx, log)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := err.Error()
		r.set(func(s *Status) { s.Open, s.Err = false, msg })
		if msg != lastErr { // once per distinct problem, not every retry
			log.Warn("touch: no touchscreen input; the screen keeps working with keys and the terminal's mouse reports",
				"err", msg, "retry", retry.String())
			lastErr = msg
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(retry):
		}
	}
}

// session opens the device once and reads it until it fails.
func (r *Reader) session(ctx context.Context, log *slog.Logger) error {
	dev, err := r.Open.Open(ctx)
	if err != nil {
		return err
	}
	defer dev.Close()
	stop := context.AfterFunc(ctx, func() { dev.Close() })
	defer stop()
	info := dev.Info()
	m, err := r.Map.WithDevice(info)
	if err != nil {
		return fmt.Errorf("%s: %w", info.Path, err)
	}
	r.set(func(s *Status) { s.Open, s.Device, s.Err = true, info, "" })
	log.Info("touch: reading the touchscreen", "device", info.String(), "rotation", m.Rotation, "swap_xy", m.SwapXY,
		"x", fmt.Sprintf("%d..%d", m.X.Min, m.X.Max), "y", fmt.Sprintf("%d..%d", m.Y.Min, m.Y.Max))
	rec := NewRecogniser()
	st := NewStream(dev)
	for {
		e, err := st.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("touch: %s went away: %w", info.Path, err)
		}
		c, ok := rec.Feed(e)
		if !ok {
			continue
		}
		g := Classify(c, m, r.Screen, minTouch(info))
		for _, ev := range g.Events() {
			if err := r.Screen.PostEvent(ev); err != nil {
				log.Warn("touch: tap dropped", "err", err.Error())
				break
			}
		}
		if g.Kind == GestureTap {
			r.set(func(s *Status) { s.Taps++ })
		}
	}
}

// Gesture kinds.
const (
	GestureNone = "none" // a ghost: too short, or no position
	GestureTap  = "tap"
	GestureDrag = "drag"
)

// Gesture is what a contact means on a screen of the current size.
type Gesture struct {
	Kind       string
	Down, Lift [2]int // cells
}

// minTouch is the shortest touch taken from the device: MinTouch for touchscreens, none
// for absolute pointers (a button press of a mouse-mode panel or of QEMU's tablet is
// deliberate, and may last no time at all).
func minTouch(info Info) time.Duration {
	if info.Kind == KindPointer {
		return 0
	}
	return MinTouch
}

// Classify says what c is on scr: a ghost (no position, or shorter than minDur), a tap or
// a drag (DragCells).
func Classify(c Contact, m Mapping, scr interface{ Size() (int, int) }, minDur time.Duration) Gesture {
	if !c.HasPos || c.Duration < minDur {
		return Gesture{Kind: GestureNone}
	}
	cols, rows := scr.Size()
	g := Gesture{Kind: GestureTap}
	g.Down[0], g.Down[1] = m.Cell(c.Start, cols, rows)
	g.Lift[0], g.Lift[1] = m.Cell(c.End, cols, rows)
	// The box the finger stayed in, in cells (its corners, whatever the rotation).
	lox, loy, hix, hiy := cols, rows, -1, -1
	for _, p := range []Point{c.Min, c.Max, {c.Min.X, c.Max.Y}, {c.Max.X, c.Min.Y}} {
		x, y := m.Cell(p, cols, rows)
		lox, loy, hix, hiy = min(lox, x), min(loy, y), max(hix, x), max(hiy, y)
	}
	if hix-lox >= DragCells || hiy-loy >= DragCells {
		g.Kind = GestureDrag
	}
	return g
}

// Events are the tcell events a gesture posts (see Reader).
func (g Gesture) Events() []tcell.Event {
	switch g.Kind {
	case GestureTap:
		return []tcell.Event{
			tcell.NewEventMouse(g.Down[0], g.Down[1], tcell.Button1, tcell.ModNone),
			tcell.NewEventMouse(g.Lift[0], g.Lift[1], tcell.ButtonNone, tcell.ModNone),
		}
	case GestureDrag:
		return []tcell.Event{tcell.NewEventMouse(g.Lift[0], g.Lift[1], tcell.WheelDown, tcell.ModNone)}
	}
	return nil
}
