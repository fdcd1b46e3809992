package main

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest/pcschost"
)

// TestNoReaderThroughPCSC: the card watch on a real pcscd whose readers none match the
// pattern (an unplugged reader, as pcscd sees it) tells the engine, whose idle screen
// then starts nothing; a watch that finds the reader tells it back. (pcscd lost is the
// same ReaderAvailable(false), from the watch's state machine: reader/pcsc's tests.)
func TestNoReaderThroughPCSC(t *testing.T) {
	h := pcschost.Start(t)
	dir, c := newKioskDir(t, "noreader-kiosk")
	cfg := config.Demo(dir)
	cfg.Kiosk.ID, cfg.Center.URL = "noreader-kiosk", c.URL()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	parts, err := assemble(ctx, cfg, assembleOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer parts.close()
	eng := parts.engine
	ran := make(chan struct{})
	go func() { eng.Run(ctx); close(ran) }()
	defer func() { cancel(); <-ran }()
	waitState(t, eng, kiosk.StateIdle)

	watch := func(pattern string) (stop func()) {
		wctx, wcancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- pcsc.WatchCards(wctx, regexp.MustCompile(pattern), engineCards{eng}, nil, log) }()
		return func() {
			wcancel()
			if err := <-done; err != nil {
				t.Errorf("card watch: %v", err)
			}
		}
	}
	noReader := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); eng.View().NoReader != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("NoReader %v, want %v", !want, want)
			}
		}
	}

	stop := watch(`^no such reader$`)
	noReader(true)
	eng.Input(kiosk.Input{Kind: kiosk.InputStart})
	time.Sleep(50 * time.Millisecond)
	if v := eng.View(); v.State != kiosk.StateIdle || !v.NoReader {
		t.Fatalf("started without a reader: state %s, NoReader %v", v.State, v.NoReader)
	}
	stop()

	stop = watch("^" + regexp.QuoteMeta(h.ReaderName(0)) + "$")
	defer stop()
	noReader(false)
	eng.Input(kiosk.Input{Kind: kiosk.InputStart})
	waitState(t, eng, kiosk.StateChoose)
}
