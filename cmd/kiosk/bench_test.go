package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer/printertest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// BenchmarkOKToPrinter is the resident's wait after OK on the PIN pad, through the
// kiosk's real parts in one process: the card (virtual, in-process) verifies the PIN and
// signs the challenge, the center client talks HTTPS to the reference center on loopback,
// the SQLite queue commits each step with synchronous=FULL, the fee is confirmed at
// once, and the printer re-verifies the center's signature, lays the certificate out and
// sends it. It stops at the first byte of the document at the printer:
//   - escpos: the first raster band received by an ESC/POS printer on a pseudo-terminal
//     (80 mm raster; the status query before it does not count);
//   - pdf: the A4 PDF complete in the file printer's folder (as an IPP printer would
//     receive it).
//
// Target: median under 50 ms.
func BenchmarkOKToPrinter(b *testing.B) {
	b.Run("escpos", func(b *testing.B) {
		dev, err := printertest.NewDevice()
		if err != nil {
			b.Fatal(err)
		}
		defer dev.Close()
		var before int
		benchOKToPrinter(b, func(cfg *config.Config) {
			cfg.Printer.Backend, cfg.Printer.Device, cfg.Printer.Paper = config.BackendESCPOS, dev.Path(), config.Paper80mm
		}, func() { before, _, _ = dev.Counts() }, func() bool { bands, _, _ := dev.Counts(); return bands > before })
	})
	b.Run("pdf", func(b *testing.B) {
		var dir string
		pdfs := func() int { m, _ := filepath.Glob(filepath.Join(dir, "*.pdf")); return len(m) }
		var before int
		benchOKToPrinter(b, func(cfg *config.Config) { dir = cfg.Printer.Dir },
			func() { before = pdfs() }, func() bool { return pdfs() > before })
	})
}

// benchOKToPrinter runs the issuances; mark is called before each, arrived says whether
// the document has reached the printer since.
func benchOKToPrinter(b *testing.B, setPrinter func(*config.Config), mark func(), arrived func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, c := newKioskDir(b, "bench-kiosk")
	cfg := config.Demo(dir)
	cfg.Kiosk.ID, cfg.Center.URL = "bench-kiosk", c.URL()
	setPrinter(cfg)
	parts, err := assemble(ctx, cfg, assembleOptions{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer parts.close()
	eng := parts.engine
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	vc := residentCard(b, c, 0, 3300, readertest.Options{})
	in := func(k kiosk.InputKind, arg int) { eng.Input(kiosk.Input{Kind: k, Arg: arg}) }
	var ds []time.Duration
	for b.Loop() {
		b.StopTimer()
		mark()
		waitState(b, eng, kiosk.StateIdle)
		in(kiosk.InputStart, 0)
		waitState(b, eng, kiosk.StateChoose)
		in(kiosk.InputSelect, 0)
		waitState(b, eng, kiosk.StateOptions)
		in(kiosk.InputNext, 0)
		waitState(b, eng, kiosk.StatePlaceCard)
		vc.Insert()
		eng.CardInserted(reader.New(vc))
		waitState(b, eng, kiosk.StatePIN)
		for _, d := range []int{1, 2, 3, 4} {
			in(kiosk.InputDigit, d)
		}
		b.StartTimer()
		t0 := time.Now()
		in(kiosk.InputNext, 0) // OK on the PIN pad
		awaitState(b, eng, kiosk.StateFee)
		in(kiosk.InputNext, 0) // the fee, confirmed at once
		for !arrived() {
			if time.Since(t0) > 30*time.Second {
				b.Fatalf("nothing reached the printer; state %s/%s", eng.View().State, eng.View().Problem)
			}
			time.Sleep(50 * time.Microsecond)
		}
		ds = append(ds, time.Since(t0))
		b.StopTimer()
		waitState(b, eng, kiosk.StateTake)
		vc.Remove()
		eng.CardRemoved()
		b.StartTimer()
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
}

// awaitState waits for the engine's state on its update channel (no polling delay).
func awaitState(tb testing.TB, eng *kiosk.Engine, st kiosk.State) {
	tb.Helper()
	deadline := time.After(30 * time.Second)
	for eng.View().State != st {
		select {
		case <-eng.Updates():
		case <-deadline:
			v := eng.View()
			tb.Fatalf("state %s (problem %s), want %s", v.State, v.Problem, st)
		}
	}
}
