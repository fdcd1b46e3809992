package main

import (
	"context"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/screens"
)

// TestDemoSendsHealth: `kiosk demo` reports its health to its center through the outbox
// as `kiosk run` does; the fleet view shows the demo kiosk with its version and its
// virtual reader.
func TestDemoSendsHealth(t *testing.T) {
	d, _ := demoOnScreen(t)
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		fleet, err := d.center.Server().Fleet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range fleet {
			if k.ID == d.cfg.Kiosk.ID && k.Health != nil {
				if k.Health.Reader != "virtual" || k.Health.Version == "" || k.Health.Printer == "" {
					t.Fatalf("demo health %+v", k.Health)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no health from the demo kiosk at its center: %+v", fleet)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// demoOnScreen starts `kiosk demo` in-process (English) on tcell's simulation screen,
// 100×30, with its technician bar and its own run options (health reports included), and
// stops it when the test ends.
func demoOnScreen(t *testing.T) (*demo, []screens.TechAction) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := startDemo(ctx, t.TempDir(), "en")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		cancel()
		d.close()
		t.Fatal(err)
	}
	scr.SetSize(100, 30)
	bar := d.technicianBar(cancel)
	done := make(chan error, 1)
	go func() { done <- d.parts.run(ctx, d.runOptions(scr, screens.Options{Technician: bar})) }()
	t.Cleanup(func() { cancel(); <-done; d.close() })
	return d, bar
}
