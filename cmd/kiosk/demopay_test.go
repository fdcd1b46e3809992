package main

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/kiosk"
)

// The demo's cash machine takes the fee after its delay; a payment cancelled before
// that takes nothing.
func TestDemoPayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := demoPayer{2 * time.Second}
		start := time.Now()
		pay, err := p.Pay(context.Background(), 450)
		if err != nil || pay.Amount != 450 || pay.Method != "cash" || time.Since(start) != 2*time.Second {
			t.Fatalf("Pay = %+v, %v after %v", pay, err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if pay, err := p.Pay(ctx, 450); !errors.Is(err, kiosk.ErrPaymentCancelled) || pay.Amount != 0 {
			t.Fatalf("cancelled Pay = %+v, %v", pay, err)
		}
	})
}
