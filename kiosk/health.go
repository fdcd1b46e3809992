package kiosk

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotRunning: Ping found the engine loop stopped.
var ErrNotRunning = errors.New("kiosk: engine not running")

// Ping asks the engine loop to answer and waits for it: nil when the loop handled the
// request before ctx ended. The appliance's systemd watchdog pings with it, so that a
// loop stuck in a handler gets the kiosk restarted. It never changes the engine's state.
func (e *Engine) Ping(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case e.events <- loopEv{func() { close(done) }}:
	case <-e.stop:
		return ErrNotRunning
	case <-ctx.Done():
		return fmt.Errorf("kiosk: ping: %w", ctx.Err())
	}
	select {
	case <-done:
		return nil
	case <-e.stop:
		return ErrNotRunning
	case <-ctx.Done():
		return fmt.Errorf("kiosk: ping: %w", ctx.Err())
	}
}
