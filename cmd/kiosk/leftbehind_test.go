package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer/gpio"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// levelPin is a gpiotest output pin that counts the levels written to it.
type levelPin struct {
	gpiotest.Pin
	mu   sync.Mutex
	high int // writes of High
	all  int
}

func (p *levelPin) Out(l pgpio.Level) error {
	p.mu.Lock()
	p.all++
	if l == pgpio.High {
		p.high++
	}
	p.mu.Unlock()
	return p.Pin.Out(l)
}

func (p *levelPin) counts() (high, all int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.high, p.all
}

// sounding counts the reminder patterns under way on an indicator.
type sounding struct {
	kiosk.Indicator
	n atomic.Int32
}

func (s *sounding) TakeCardReminder(ctx context.Context, beeps int) error {
	s.n.Add(1)
	defer s.n.Add(-1)
	return s.Indicator.TakeCardReminder(ctx, beeps)
}

// TestLeftBehindThroughGPIO runs the wired kiosk (reference center, SQLite queue, file
// printer) with a GPIO panel on gpiotest pins: after an issuance the card, or the
// certificate in the tray (paper-present sensor), is left; the buzzer and the card LED
// flash, the queue records the audit event and the technician's alert, and taking it
// ends the flashing with both outputs off.
func TestLeftBehindThroughGPIO(t *testing.T) {
	tests := []struct {
		name  string
		paper bool // the certificate is left, the card taken
		event string
	}{
		{"card", false, kiosk.EventCardLeft},
		{"certificate", true, kiosk.EventPaperLeft},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, c := newKioskDir(t, "left-kiosk")
			cfg := config.Demo(dir)
			cfg.Kiosk.ID, cfg.Center.URL = "left-kiosk", c.URL()
			// Shorter than the file allows, so that the test takes seconds.
			cfg.Reminder = config.Reminder{BeepAfter: 200 * time.Millisecond, BeepEvery: 700 * time.Millisecond, AlertAfter: 1500 * time.Millisecond}
			led := &levelPin{Pin: gpiotest.Pin{N: "LED", Num: 13}}
			buz := &levelPin{Pin: gpiotest.Pin{N: "BUZ", Num: 19}}
			tray := &gpiotest.Pin{N: "TRAY", Num: 26, L: pgpio.High, EdgesChan: make(chan pgpio.Level, 4)}
			panel, err := gpio.New(gpio.Options{CardLED: led, Buzzer: buz, PaperTray: tray,
				BeepOn: 50 * time.Millisecond, BeepOff: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer panel.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ind := &sounding{Indicator: panel}
			parts, err := assemble(ctx, cfg, assembleOptions{Sensors: panel, Indicator: ind, Tray: panel, Log: log})
			if err != nil {
				t.Fatal(err)
			}
			defer parts.close()
			scr := tcell.NewSimulationScreen("UTF-8")
			if err := scr.Init(); err != nil {
				t.Fatal(err)
			}
			scr.SetSize(100, 30)
			done := make(chan error, 1)
			go func() { done <- parts.run(ctx, runOptions{Screen: scr, Log: log}) }()
			defer func() { cancel(); <-done }()

			eng := parts.engine
			vc := residentCard(t, c, 0, 3400+i, readertest.Options{})
			issueToTake(t, eng, func() { vc.Insert(); eng.CardInserted(reader.New(vc)) })
			if tt.paper {
				tray.EdgesChan <- pgpio.Low // the certificate drops into the tray
				vc.Remove()
				eng.CardRemoved()
			}
			// Wait for the alert in the queue.
			deadline := time.Now().Add(20 * time.Second)
			for {
				as, err := parts.store.Alerts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(as) > 0 {
					if len(as) != 1 || as[0].Kind != tt.event || !strings.Contains(as[0].Detail, `"seconds"`) {
						t.Fatalf("alerts %+v, want one %s", as, tt.event)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no %s alert; state %s", tt.event, eng.View().State)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if h, _ := buz.counts(); h < 2 {
				t.Fatalf("buzzer sounded %d times before the alert, want at least 2 patterns' beeps", h)
			}
			if h, _ := led.counts(); h < 2 {
				t.Fatalf("card LED flashed %d times before the alert", h)
			}
			// Take it: the flashing stops, both outputs end off.
			if tt.paper {
				tray.EdgesChan <- pgpio.High
			} else {
				vc.Remove()
				eng.CardRemoved()
			}
			waitFor(t, func() bool { v := eng.View(); return !v.CardLeftover && !v.PaperLeft })
			// A pattern under way ends (its context is cancelled); one that starts later
			// sounds nothing.
			waitFor(t, func() bool { return ind.n.Load() == 0 })
			_, before := buz.counts()
			time.Sleep(2 * cfg.Reminder.BeepEvery)
			if _, after := buz.counts(); after != before {
				t.Errorf("the buzzer went on after the %s was taken (%d writes, then %d)", tt.name, before, after)
			}
			if buz.Read() != pgpio.Low || led.Read() != pgpio.Low {
				t.Error("buzzer or LED left on")
			}
		})
	}
}

// issueToTake walks eng from the idle screen to the take screen: 住民票, one copy, the
// card placed by place, PIN 1234, the fee confirmed. It returns the fee screen's view.
func issueToTake(t *testing.T, eng *kiosk.Engine, place func()) kiosk.View {
	t.Helper()
	in := func(k kiosk.InputKind, arg int) { eng.Input(kiosk.Input{Kind: k, Arg: arg}) }
	waitState(t, eng, kiosk.StateIdle)
	for _, step := range []struct {
		in   kiosk.InputKind
		want kiosk.State
	}{{kiosk.InputStart, kiosk.StateChoose}, {kiosk.InputSelect, kiosk.StateOptions}, {kiosk.InputNext, kiosk.StatePlaceCard}} {
		in(step.in, 0)
		waitState(t, eng, step.want)
	}
	place()
	waitState(t, eng, kiosk.StatePIN)
	for _, d := range []int{1, 2, 3, 4} {
		in(kiosk.InputDigit, d)
	}
	in(kiosk.InputNext, 0)
	fee := waitState(t, eng, kiosk.StateFee)
	in(kiosk.InputNext, 0)
	waitState(t, eng, kiosk.StateTake)
	return fee
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
	}
}
