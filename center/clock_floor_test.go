package center_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// TestUnsetClockRefusesExpiredCenter: while the kiosk's clock is unset and no answer gave
// a time, the center's certificate is checked at the release's ClockFloor at the earliest
// (never at its own NotBefore), so a certificate that expired before this release — a
// leaked key of a retired center, say — is refused, and its Date header never becomes
// the kiosk's time.
func TestUnsetClockRefusesExpiredCenter(t *testing.T) {
	ctx := context.Background()
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // the center's certificates: 1999-12-31 .. 2010-01-01
	pki, err := centertest.NewPKI(past)
	if err != nil {
		t.Fatal(err)
	}
	c, err := centertest.New(ctx, centertest.Options{PKI: pki, Clock: centertest.NewClock(past.AddDate(5, 0, 0))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	opts, err := c.ClientOptions("kiosk-clock")
	if err != nil {
		t.Fatal(err)
	}
	opts.Clock = centertest.NewClock(time.Unix(0, 0).UTC())
	cl, err := center.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = cl.Challenge(ctx)
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("challenge to a center whose certificate expired in 2010: %v", err)
	}
	if now, ok := cl.Now(); ok {
		t.Fatalf("the refused center's time was taken: %v", now)
	}
}
