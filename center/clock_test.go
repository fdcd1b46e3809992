package center_test

import (
	"context"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// TestUnsetClock: a kiosk whose clock reads 1970 (a Pi without RTC before NTP) still
// reaches the center over TLS, and from the first answer on trusts the center's time;
// when NTP sets the clock, its own clock is used again.
func TestUnsetClock(t *testing.T) {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := centertest.NewClock(time.Unix(0, 0).UTC())
	opts, err := c.ClientOptions("kiosk-clock")
	if err != nil {
		t.Fatal(err)
	}
	opts.Clock = local
	cl, err := center.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cl.Now(); ok {
		t.Fatal("an unset clock and no answer yet must give no time")
	}
	if _, err := cl.Challenge(ctx); err != nil {
		t.Fatalf("challenge with the clock at 1970: %v", err)
	}
	now, ok := cl.Now()
	if !ok || now.Sub(time.Now()).Abs() > 3*time.Second {
		t.Fatalf("after an answer Now = %v, %v; want the center's time (%v)", now, ok, time.Now())
	}
	set := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC) // NTP sets the clock (here: to a known value)
	local.Set(set)
	if now, ok := cl.Now(); !ok || !now.Equal(set) {
		t.Fatalf("with the clock set Now = %v, %v", now, ok)
	}
	if center.ClockSet(time.Unix(0, 0)) || !center.ClockSet(time.Now()) {
		t.Fatal("ClockSet")
	}
}

// TestCenterCertificateChecks: skipping the validity period while no time is known skips
// nothing else, and with the clock set the period is checked.
func TestCenterCertificateChecks(t *testing.T) {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	other, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tests := []struct {
		name  string
		clock time.Time
		pin   bool // pin the right CA
		ok    bool
	}{
		{"unset clock, pinned CA", time.Unix(0, 0), true, true},
		{"unset clock, foreign CA", time.Unix(0, 0), false, false},
		{"clock set, in validity", time.Now(), true, true},
		{"clock set past the certificate's end", time.Now().AddDate(30, 0, 0), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := c.ClientOptions("kiosk-clock")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.pin {
				o2, _ := other.ClientOptions("kiosk-clock")
				opts.CenterCAs = o2.CenterCAs
			}
			opts.Clock = centertest.NewClock(tt.clock)
			cl, err := center.NewClient(opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = cl.Challenge(ctx)
			if (err == nil) != tt.ok {
				t.Fatalf("challenge: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
