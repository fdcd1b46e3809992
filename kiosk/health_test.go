package kiosk_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
)

func TestPing(t *testing.T) {
	e, err := kiosk.New(kiosk.Options{Center: &kiosktest.Center{}, Store: &kiosktest.Store{}, Printer: &kiosktest.Printer{},
		Municipalities: []config.Municipality{kiosktest.AllDay()}, Timeouts: config.DefaultTimeouts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if err := e.Ping(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ping before Run = %v, want a deadline error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	pctx, cancelP := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelP()
	if err := e.Ping(pctx); err != nil {
		t.Fatalf("ping while running = %v", err)
	}
	if v := e.View(); v.State != kiosk.StateIdle {
		t.Fatalf("ping changed the state: %v", v.State)
	}
	cancel()
	<-done
	if err := e.Ping(pctx); !errors.Is(err, kiosk.ErrNotRunning) {
		t.Fatalf("ping after Run = %v, want ErrNotRunning", err)
	}
}
