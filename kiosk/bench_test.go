package kiosk_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func waitState(tb testing.TB, e *kiosk.Engine, st kiosk.State) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if v := e.View(); v.State == st {
			return
		} else if v.State == kiosk.StateProblem {
			tb.Fatalf("problem %s while waiting for %s", v.Problem, st)
		}
		select {
		case <-e.Updates():
		case <-deadline:
			tb.Fatalf("state %s, waited for %s", e.View().State, st)
		}
	}
}

// BenchmarkOKToPrinter measures machine time from OK on the PIN pad to the job reaching
// the printer, with in-process doubles: PIN verify and signature on the virtual card
// (through the reader package), challenge and issuance at the in-process center, and
// the journal steps; the resident's fee confirmation is sent the instant the fee shows.
func BenchmarkOKToPrinter(b *testing.B) {
	c, st, pr := &kiosktest.Center{}, &kiosktest.Store{}, &kiosktest.Printer{}
	e, err := kiosk.New(kiosk.Options{Center: c, Store: st, Printer: pr, Municipalities: []config.Municipality{kiosktest.AllDay()},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx)
	started := pr.Started()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e.Input(kiosk.Input{Kind: kiosk.InputStart})
		e.Input(kiosk.Input{Kind: kiosk.InputSelect})
		e.Input(kiosk.Input{Kind: kiosk.InputNext})
		e.CardInserted(reader.New(vc))
		waitState(b, e, kiosk.StatePIN)
		for _, d := range []int{1, 2, 3, 4} {
			e.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
		}
		b.StartTimer()
		t0 := time.Now()
		e.Input(kiosk.Input{Kind: kiosk.InputNext})
		waitState(b, e, kiosk.StateFee)
		e.Input(kiosk.Input{Kind: kiosk.InputNext})
		<-started
		ds = append(ds, time.Since(t0))
		b.StopTimer()
		waitState(b, e, kiosk.StateTake)
		e.CardRemoved()
		waitState(b, e, kiosk.StateIdle)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
}
