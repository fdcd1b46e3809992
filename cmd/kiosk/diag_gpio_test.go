package main

import (
	"strings"
	"testing"

	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"madoguchi/config"
)

// TestDiagGPIO reads the sensors through periph's registry, with gpiotest pins standing
// in for the board's (the same path `kiosk run` takes with gpio.OpenHost).
func TestDiagGPIO(t *testing.T) {
	paper := &heldPin{Pin: &gpiotest.Pin{N: "DIAGTEST_PAPER", Num: 905, EdgesChan: make(chan pgpio.Level, 4)}}
	door := &heldPin{Pin: &gpiotest.Pin{N: "DIAGTEST_DOOR", Num: 906, EdgesChan: make(chan pgpio.Level, 4)}}
	for _, p := range []*heldPin{paper, door} {
		if err := gpioreg.Register(p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		gpio       config.GPIO
		paper      pgpio.Level
		door       pgpio.Level
		status     string
		low, open  bool
		wantReport string
	}{
		{name: "nothing wired", status: statusSkipped},
		{name: "paper ok, door closed", gpio: config.GPIO{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.High, door: pgpio.Low, status: statusOK},
		{name: "paper low", gpio: config.GPIO{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.Low, door: pgpio.Low, status: statusWarn, low: true, wantReport: "paper near end"},
		{name: "door open", gpio: config.GPIO{PaperLow: "DIAGTEST_PAPER", Door: "DIAGTEST_DOOR"},
			paper: pgpio.High, door: pgpio.High, status: statusWarn, open: true, wantReport: "cabinet door is open"},
		{name: "missing pin", gpio: config.GPIO{Door: "GPIO_NOT_HERE"}, status: statusFail, wantReport: "no such pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paper.held, door.held = tt.paper, tt.door
			cfg := &config.Config{GPIO: tt.gpio}
			d := diagnoseGPIO(cfg)
			if d.Status != tt.status {
				t.Fatalf("status %s, want %s: %+v", d.Status, tt.status, d)
			}
			if tt.gpio.PaperLow != "" && (d.PaperLow == nil || *d.PaperLow != tt.low) {
				t.Errorf("paper low %v", d.PaperLow)
			}
			if tt.gpio.Door != "" && tt.status != statusFail && (d.CabinetOpen == nil || *d.CabinetOpen != tt.open) {
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
