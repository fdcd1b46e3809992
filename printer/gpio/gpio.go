package gpio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Defaults for Options.
const (
	DefaultBeepOn  = 150 * time.Millisecond
	DefaultBeepOff = 150 * time.Millisecond
	// edgePoll bounds one WaitForEdge so that a context is noticed.
	edgePoll = 100 * time.Millisecond
)

// Options wires a Panel. Nil pins are "not wired".
type Options struct {
	PaperLow pgpio.PinIn  // near-end sensor
	Door     pgpio.PinIn  // cabinet door switch
	CardLED  pgpio.PinOut // lights the card slot
	Buzzer   pgpio.PinOut // active buzzer (on while High)
	// PaperTray is the optional paper-present sensor in the output tray: Low (a closed
	// contact to ground) means a sheet lies there, unless PaperTrayHigh.
	PaperTray pgpio.PinIn
	// PaperTrayHigh makes High mean "paper in the tray".
	PaperTrayHigh bool

	// PaperLowLevel is the level that means "paper low". Zero value: Low.
	PaperLowLevel pgpio.Level
	// DoorOpenLow makes Low mean "door open". Zero value: High means open (a
	// closed door closes the contact to ground).
	DoorOpenLow bool
	// NoPullUp leaves the inputs' pull resistors alone (external resistors).
	NoPullUp bool

	BeepOn, BeepOff time.Duration // reminder rhythm; defaults DefaultBeepOn/Off
}

// Panel is the set of wired sensors and indicators.
type Panel struct {
	o        Options
	doorOpen pgpio.Level
	mu       sync.Mutex // serialises reminders and output changes
}

// New configures the pins: inputs with pull-up and both edges, outputs off.
func New(o Options) (*Panel, error) {
	if o.BeepOn <= 0 {
		o.BeepOn = DefaultBeepOn
	}
	if o.BeepOff <= 0 {
		o.BeepOff = DefaultBeepOff
	}
	doorOpen := pgpio.High
	if o.DoorOpenLow {
		doorOpen = pgpio.Low
	}
	pull := pgpio.PullUp
	if o.NoPullUp {
		pull = pgpio.PullNoChange
	}
	for name, in := range map[string]pgpio.PinIn{"paper-low sensor": o.PaperLow, "door switch": o.Door, "paper-tray sensor": o.PaperTray} {
		if in == nil {
			continue
		}
		if err := in.In(pull, pgpio.BothEdges); err != nil {
			return nil, fmt.Errorf("gpio: %s %s: %w", name, in, err)
		}
	}
	for name, out := range map[string]pgpio.PinOut{"card LED": o.CardLED, "buzzer": o.Buzzer} {
		if out == nil {
			continue
		}
		if err := out.Out(pgpio.Low); err != nil {
			return nil, fmt.Errorf("gpio: %s %s: %w", name, out, err)
		}
	}
	return &Panel{o: o, doorOpen: doorOpen}, nil
}

// PinNames are the pin names from the config file (e.g. "GPIO17"); empty: not wired.
type PinNames struct {
	PaperLow, Door, CardLED, Buzzer, PaperTray string
}

// OpenHost initialises periph's host drivers (on a Raspberry Pi: the GPIO
// character device or bcm283x registers) and wires the named pins.
func OpenHost(names PinNames, o Options) (*Panel, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("gpio: host init: %w", err)
	}
	get := func(what, name string) (pgpio.PinIO, error) {
		if name == "" {
			return nil, nil
		}
		p := gpioreg.ByName(name)
		if p == nil {
			return nil, fmt.Errorf("gpio: %s pin %q: no such pin on this machine", what, name)
		}
		return p, nil
	}
	var err error
	var pl, door, led, buz, tray pgpio.PinIO
	if pl, err = get("paper-low", names.PaperLow); err != nil {
		return nil, err
	}
	if tray, err = get("paper-tray", names.PaperTray); err != nil {
		return nil, err
	}
	if door, err = get("door", names.Door); err != nil {
		return nil, err
	}
	if led, err = get("card LED", names.CardLED); err != nil {
		return nil, err
	}
	if buz, err = get("buzzer", names.Buzzer); err != nil {
		return nil, err
	}
	// Typed nils must not reach Options as non-nil interfaces.
	if pl != nil {
		o.PaperLow = pl
	}
	if door != nil {
		o.Door = door
	}
	if led != nil {
		o.CardLED = led
	}
	if buz != nil {
		o.Buzzer = buz
	}
	if tray != nil {
		o.PaperTray = tray
	}
	return New(o)
}

// PaperLow reports the near-end sensor; false when not wired.
func (p *Panel) PaperLow() (bool, error) {
	if p.o.PaperLow == nil {
		return false, nil
	}
	return p.o.PaperLow.Read() == p.o.PaperLowLevel, nil
}

// CabinetOpen reports the door switch; false when not wired.
func (p *Panel) CabinetOpen() (bool, error) {
	if p.o.Door == nil {
		return false, nil
	}
	return p.o.Door.Read() == p.doorOpen, nil
}

// WaitDoor blocks until the door switch changes and returns the new state. It
// returns ctx.Err() when ctx ends, and an error when no door switch is wired.
func (p *Panel) WaitDoor(ctx context.Context) (open bool, err error) {
	if p.o.Door == nil {
		return false, errors.New("gpio: no door switch wired")
	}
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if p.o.Door.WaitForEdge(edgePoll) {
			return p.o.Door.Read() == p.doorOpen, nil
		}
	}
}

// HasPaperTray reports whether a paper-present sensor is wired in the output tray.
func (p *Panel) HasPaperTray() bool { return p.o.PaperTray != nil }

// PaperInTray reports the output tray's paper-present sensor; false when not wired.
func (p *Panel) PaperInTray() bool {
	if p.o.PaperTray == nil {
		return false
	}
	return p.o.PaperTray.Read() == pgpio.Level(p.o.PaperTrayHigh)
}

// WatchTray calls f with the tray's state at once and after every change, until ctx
// ends (it then returns ctx.Err()); an error when no tray sensor is wired.
func (p *Panel) WatchTray(ctx context.Context, f func(paper bool)) error {
	if p.o.PaperTray == nil {
		return errors.New("gpio: no paper-tray sensor wired")
	}
	last := p.PaperInTray()
	f(last)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.o.PaperTray.WaitForEdge(edgePoll) {
			if now := p.PaperInTray(); now != last {
				last = now
				f(now)
			}
		}
	}
}

// SetCardLED switches the card-slot LED (no-op when not wired).
func (p *Panel) SetCardLED(on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.setLED(on)
}

func (p *Panel) setLED(on bool) error {
	if p.o.CardLED == nil {
		return nil
	}
	if err := p.o.CardLED.Out(pgpio.Level(on)); err != nil {
		return fmt.Errorf("gpio: card LED: %w", err)
	}
	return nil
}

func (p *Panel) setBuzzer(on bool) error {
	if p.o.Buzzer == nil {
		return nil
	}
	if err := p.o.Buzzer.Out(pgpio.Level(on)); err != nil {
		return fmt.Errorf("gpio: buzzer: %w", err)
	}
	return nil
}

// TakeCardReminder beeps and flashes the card-slot LED beeps times ("take your
// card"), or until ctx ends (the card was taken). LED and buzzer end off. A ctx already
// done when the pins are free sounds nothing (the card was taken before the pattern began).
func (p *Panel) TakeCardReminder(ctx context.Context, beeps int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	off := func() error { return errors.Join(p.setBuzzer(false), p.setLED(false)) }
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for i := 0; i < beeps; i++ {
		if err := errors.Join(p.setBuzzer(true), p.setLED(true)); err != nil {
			return errors.Join(err, off())
		}
		if !wait(p.o.BeepOn) {
			break
		}
		if err := off(); err != nil {
			return err
		}
		if i < beeps-1 && !wait(p.o.BeepOff) {
			break
		}
	}
	return off()
}

// String lists the wired pins.
func (p *Panel) String() string {
	var parts []string
	add := func(name string, pin fmt.Stringer) {
		if pin != nil {
			parts = append(parts, name+"="+pin.String())
		}
	}
	if p.o.PaperLow != nil {
		add("paper-low", p.o.PaperLow)
	}
	if p.o.Door != nil {
		add("door", p.o.Door)
	}
	if p.o.CardLED != nil {
		add("led", p.o.CardLED)
	}
	if p.o.Buzzer != nil {
		add("buzzer", p.o.Buzzer)
	}
	if p.o.PaperTray != nil {
		add("paper-tray", p.o.PaperTray)
	}
	return "gpio(" + strings.Join(parts, " ") + ")"
}

// Close switches the LED and the buzzer off and halts the pins.
func (p *Panel) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := []error{p.setBuzzer(false), p.setLED(false)}
	for _, pin := range []interface{ Halt() error }{p.o.PaperLow, p.o.Door, p.o.CardLED, p.o.Buzzer, p.o.PaperTray} {
		if pin != nil {
			errs = append(errs, pin.Halt())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gpio: close: %w", err)
	}
	return nil
}
