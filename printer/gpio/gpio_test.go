package gpio_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"madoguchi/printer/gpio"
)

// recPin is a gpiotest pin that records every level written to it.
type recPin struct {
	gpiotest.Pin
	mu  sync.Mutex
	log []pgpio.Level
}

func (r *recPin) Out(l pgpio.Level) error {
	r.mu.Lock()
	r.log = append(r.log, l)
	r.mu.Unlock()
	return r.Pin.Out(l)
}

func (r *recPin) levels() []pgpio.Level {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]pgpio.Level(nil), r.log...)
}

type rig struct {
	paper, door *gpiotest.Pin
	led, buzzer *recPin
	panel       *gpio.Panel
}

func newRig(t *testing.T, o gpio.Options) *rig {
	t.Helper()
	r := &rig{
		paper:  &gpiotest.Pin{N: "PAPER", Num: 5, EdgesChan: make(chan pgpio.Level, 4)},
		door:   &gpiotest.Pin{N: "DOOR", Num: 6, EdgesChan: make(chan pgpio.Level, 4)},
		led:    &recPin{Pin: gpiotest.Pin{N: "LED", Num: 13, L: pgpio.High}},
		buzzer: &recPin{Pin: gpiotest.Pin{N: "BUZ", Num: 19, L: pgpio.High}},
	}
	o.PaperLow, o.Door, o.CardLED, o.Buzzer = r.paper, r.door, r.led, r.buzzer
	p, err := gpio.New(o)
	if err != nil {
		t.Fatal(err)
	}
	r.panel = p
	return r
}

func TestNewConfiguresPins(t *testing.T) {
	r := newRig(t, gpio.Options{})
	if r.paper.P != pgpio.PullUp || r.door.P != pgpio.PullUp {
		t.Errorf("pulls %v %v, want PullUp", r.paper.P, r.door.P)
	}
	if r.led.L != pgpio.Low || r.buzzer.L != pgpio.Low {
		t.Error("outputs not switched off at start")
	}
	if got := r.panel.String(); got != "gpio(paper-low=PAPER(5) door=DOOR(6) led=LED(13) buzzer=BUZ(19))" {
		t.Errorf("String() = %q", got)
	}
}

func TestSensors(t *testing.T) {
	tests := []struct {
		name          string
		opts          gpio.Options
		paper, door   pgpio.Level
		wantLow, open bool
	}{
		{"defaults: paper present, door closed", gpio.Options{}, pgpio.High, pgpio.Low, false, false},
		{"defaults: paper low, door open", gpio.Options{}, pgpio.Low, pgpio.High, true, true},
		{"inverted", gpio.Options{PaperLowLevel: pgpio.High, DoorOpenLow: true}, pgpio.High, pgpio.Low, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.opts)
			r.paper.L, r.door.L = tt.paper, tt.door
			low, err := r.panel.PaperLow()
			if err != nil || low != tt.wantLow {
				t.Errorf("PaperLow = %v, %v", low, err)
			}
			open, err := r.panel.CabinetOpen()
			if err != nil || open != tt.open {
				t.Errorf("CabinetOpen = %v, %v", open, err)
			}
		})
	}
}

func TestNotWired(t *testing.T) {
	p, err := gpio.New(gpio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if low, _ := p.PaperLow(); low {
		t.Error("unwired sensor reports paper low")
	}
	if err := p.TakeCardReminder(context.Background(), 2); err != nil {
		t.Error(err)
	}
	if _, err := p.WaitDoor(context.Background()); err == nil {
		t.Error("WaitDoor without a switch succeeded")
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}

func TestWaitDoor(t *testing.T) {
	r := newRig(t, gpio.Options{})
	go func() { r.door.EdgesChan <- pgpio.High }()
	open, err := r.panel.WaitDoor(context.Background())
	if err != nil || !open {
		t.Fatalf("WaitDoor = %v, %v; want open", open, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := r.panel.WaitDoor(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitDoor without edge: %v", err)
	}
}

func TestTakeCardReminder(t *testing.T) {
	r := newRig(t, gpio.Options{BeepOn: time.Millisecond, BeepOff: time.Millisecond})
	if err := r.panel.TakeCardReminder(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	// After New's initial Low: three High/Low pairs, then the final off.
	want := []pgpio.Level{pgpio.Low, pgpio.High, pgpio.Low, pgpio.High, pgpio.Low, pgpio.High, pgpio.Low, pgpio.Low}
	for name, p := range map[string]*recPin{"buzzer": r.buzzer, "led": r.led} {
		got := p.levels()
		if len(got) != len(want) {
			t.Fatalf("%s levels %v, want %v", name, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s levels %v, want %v", name, got, want)
			}
		}
	}
}

func TestReminderStopsOnCancel(t *testing.T) {
	r := newRig(t, gpio.Options{BeepOn: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.panel.TakeCardReminder(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if r.buzzer.Read() != pgpio.Low || r.led.Read() != pgpio.Low {
		t.Error("buzzer or LED left on after cancel")
	}
}

// TestReminderTakenBeforeStart: a pattern whose card was taken before it got the pins
// sounds nothing, not even a blip.
func TestReminderTakenBeforeStart(t *testing.T) {
	r := newRig(t, gpio.Options{BeepOn: time.Millisecond, BeepOff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := len(r.buzzer.levels())
	if err := r.panel.TakeCardReminder(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := r.buzzer.levels(); len(got) != before {
		t.Errorf("buzzer levels %v after a reminder cancelled before it began", got[before:])
	}
}

func TestCloseLeavesOutputsOff(t *testing.T) {
	r := newRig(t, gpio.Options{})
	if err := r.panel.SetCardLED(true); err != nil {
		t.Fatal(err)
	}
	if r.led.Read() != pgpio.High {
		t.Fatal("LED not on")
	}
	if err := r.panel.Close(); err != nil {
		t.Fatal(err)
	}
	if r.led.Read() != pgpio.Low || r.buzzer.Read() != pgpio.Low {
		t.Error("Close left an output on")
	}
}

func TestOpenHostUnknownPin(t *testing.T) {
	// host.Init succeeds without GPIO hardware; a pin that does not exist is a
	// clear configuration error.
	_, err := gpio.OpenHost(gpio.PinNames{Door: "NO_SUCH_PIN_42"}, gpio.Options{})
	if err == nil {
		t.Fatal("unknown pin accepted")
	}
	p, err := gpio.OpenHost(gpio.PinNames{}, gpio.Options{})
	if err != nil {
		t.Fatalf("no pins: %v", err)
	}
	p.Close()
}

func TestPaperTray(t *testing.T) {
	tests := []struct {
		name  string
		high  bool
		level pgpio.Level
		want  bool
	}{
		{"default: low is paper", false, pgpio.Low, true},
		{"default: high is empty", false, pgpio.High, false},
		{"active high: high is paper", true, pgpio.High, true},
		{"active high: low is empty", true, pgpio.Low, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tray := &gpiotest.Pin{N: "TRAY", Num: 26, EdgesChan: make(chan pgpio.Level, 1)}
			p, err := gpio.New(gpio.Options{PaperTray: tray, PaperTrayHigh: tt.high})
			if err != nil {
				t.Fatal(err)
			}
			tray.L = tt.level
			if !p.HasPaperTray() || p.PaperInTray() != tt.want {
				t.Errorf("HasPaperTray %v, PaperInTray %v; want true, %v", p.HasPaperTray(), p.PaperInTray(), tt.want)
			}
		})
	}
	p, _ := gpio.New(gpio.Options{})
	if p.HasPaperTray() || p.PaperInTray() {
		t.Error("unwired tray reports a sensor or paper")
	}
	if err := p.WatchTray(context.Background(), func(bool) {}); err == nil {
		t.Error("WatchTray without a sensor succeeded")
	}
}

func TestWatchTray(t *testing.T) {
	tray := &gpiotest.Pin{N: "TRAY", Num: 26, EdgesChan: make(chan pgpio.Level, 4)}
	p, err := gpio.New(gpio.Options{PaperTray: tray})
	if err != nil {
		t.Fatal(err)
	}
	tray.L = pgpio.Low // a sheet lies there at start
	got := make(chan bool, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.WatchTray(ctx, func(paper bool) { got <- paper }) }()
	want := func(w bool) {
		t.Helper()
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("tray reported %v, want %v", g, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no tray report, want %v", w)
		}
	}
	want(true)
	tray.EdgesChan <- pgpio.High // taken
	want(false)
	tray.EdgesChan <- pgpio.High // a bounce without a change is not reported
	tray.EdgesChan <- pgpio.Low  // the next certificate
	want(true)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WatchTray after cancel: %v", err)
	}
}
