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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := startDemo(ctx, t.TempDir(), "en")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	scr.SetSize(100, 30)
	done := make(chan error, 1)
	go func() {
		done <- d.parts.run(ctx, d.runOptions(scr, screens.Options{Technician: d.technicianBar(cancel)}))
	}()
	defer func() { cancel(); <-done }()
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
