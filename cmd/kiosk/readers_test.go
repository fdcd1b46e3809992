package main

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// TestFlowThroughPCSCReaders runs an issuance through a private pcscd with vpcd — the
// kiosk's card watch, its PC/SC transport and allow-list — with the card behaving as the
// reader variants that can be played through vpcd (which passes every APDU): extended
// length taken, refused (67 00, as a short-APDU reader's answer reaches the kiosk), a slow
// link. The kiosk falls back where it must; `kiosk diag`'s reader section says so.
func TestFlowThroughPCSCReaders(t *testing.T) {
	h := pcschost.Start(t)
	tests := []struct {
		name    string
		opts    readertest.Options
		wantExt bool
	}{
		{"extended", readertest.Options{ExtendedAPDUs: true}, true},
		{"no-extended", readertest.Options{}, false},
		{"slow", readertest.Options{ExtendedAPDUs: true, Delay: 20 * time.Millisecond}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, c := newKioskDir(t, "pcsc-kiosk")
			cfg := config.Demo(dir)
			cfg.Kiosk.ID, cfg.Center.URL = "pcsc-kiosk", c.URL()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			parts, err := assemble(ctx, cfg, assembleOptions{Log: log})
			if err != nil {
				t.Fatal(err)
			}
			defer parts.close()
			eng := parts.engine
			done := make(chan struct{}, 2)
			go func() { eng.Run(ctx); done <- struct{}{} }()
			pattern := regexp.MustCompile("^" + regexp.QuoteMeta(h.ReaderName(0)) + "$")
			go func() { _ = pcsc.WatchCards(ctx, pattern, engineCards{eng}, nil, log); done <- struct{}{} }()
			stopped := false
			stop := func() {
				if !stopped {
					cancel()
					<-done
					<-done
					stopped = true
				}
			}
			defer stop()

			vc := residentCard(t, c, 0, 3600+i, tt.opts)
			defer h.Remove()
			issueToTake(t, eng, func() {
				if err := h.Insert(vc); err != nil {
					t.Fatal(err)
				}
			})
			extSeen, extOK := false, false
			for _, l := range vc.Log() {
				if len(l.Cmd) >= 7 && l.Cmd[4] == 0 {
					extSeen, extOK = true, extOK || l.SW().OK()
				}
			}
			if !extSeen || extOK != tt.wantExt {
				t.Fatalf("extended READ BINARY tried %v, answered ok %v; want tried, ok %v", extSeen, extOK, tt.wantExt)
			}
			if err := h.Remove(); err != nil {
				t.Fatal(err)
			}
			waitState(t, eng, kiosk.StateIdle)

			// The technician's view of the same reader and card, with the kiosk stopped (it
			// holds the card while it runs).
			stop()
			if err := h.Insert(vc); err != nil {
				t.Fatal(err)
			}
			if err := h.WaitPresence(0, true, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer dcancel()
			d := pcsc.Diagnose(dctx, pattern, time.Now())
			noted := strings.Contains(strings.Join(d.Notes, "|"), pcsc.NoExtendedNote)
			if noted == tt.wantExt || !d.Healthy() {
				t.Fatalf("diag notes %q (problems %q); want the no-extended note: %v", d.Notes, d.Problems, !tt.wantExt)
			}
		})
	}
}
