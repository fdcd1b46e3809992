package gpio_test

import (
	"strings"
	"testing"

	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"madoguchi/internal/health"
	"madoguchi/printer/gpio"
)

// TestDiagnose reads the sensors through periph's registry, with gpiotest pins standing
// in for the board's (the same path `kiosk run` takes with gpio.OpenHost).
func TestDiagnose(t *testing.T) {
	paper := &heldPin{Pin: &gpiotest.Pin{N: "DIAGTEST_PAPER", Num: 905, EdgesChan: make(chan pgpio.Level, 4)}}
	door := &heldPin{Pin: &gpiotest.Pin{N: "DIAGTEST_DOOR", Num: 906, EdgesChan: make(chan pgpio.Level, 4)}}
	for _, p := range []*heldPin{paper, door} {
		// The registry is the process's: a second run (-count) finds the pins there.
		_ = gpioreg.Unregister(p.Name())
		if err := gpioreg.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		gpio       gpio.PinNames
		paper      pgpio.Level
		door       pgpio.Level
		status     string
		low, open  bool
		wantReport string
	}{
		{name: "nothing wired", status: health.Skipped},
		{name: "paper ok, door closed", gpio: gpio.PinNames{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.High, door: pgpio.Low, status: health.OK},
		{name: "paper low", gpio: gpio.PinNames{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.Low, door: pgpio.Low, status: health.Warn, low: true, wantReport: "paper near end"},
		{name: "door open", gpio: gpio.PinNames{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.High, door: pgpio.High, status: health.Warn, open: true, wantReport: "cabinet door is open"},
		{name: "missing pin", gpio: gpio.PinNames{Door: "GPIO_NOT_HERE"}, status: health.Fail, wantReport: "no such pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paper.held, door.held = tt.paper, tt.door
			d := gpio.Diagnose(tt.gpio)
			if d.Status != tt.status {
				t.Fatalf("status %s, want %s: %+v", d.Status, tt.status, d)
			}
			if tt.gpio.PaperLow != "" && (d.PaperLow == nil || *d.PaperLow != tt.low) {
				t.Errorf("paper low %v", d.PaperLow)
			}
			if tt.gpio.Door != "" && tt.status != health.Fail && (d.CabinetOpen == nil || *d.CabinetOpen != tt.open) {
				t.Errorf("cabinet open %v", d.CabinetOpen)
			}
			all := append(append([]string{}, d.Problems...), d.Warnings...)
			if tt.wantReport != "" && !strings.Contains(strings.Join(all, "|"), tt.wantReport) {
				t.Errorf("report %q lacks %q", all, tt.wantReport)
			}
		})
	}
}

// heldPin is a gpiotest pin whose level the outside circuit holds: configuring its pull
// resistor does not change what it reads (gpiotest's In would).
type heldPin struct {
	*gpiotest.Pin
	held pgpio.Level
}

func (h *heldPin) In(pull pgpio.Pull, edge pgpio.Edge) error {
	err := h.Pin.In(pull, edge)
	h.Pin.L = h.held
	return err
}
