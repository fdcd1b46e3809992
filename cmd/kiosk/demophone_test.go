package main

import (
	"strings"
	"testing"
	"time"

	"madoguchi/kiosk"
)

// TestDemoPhones: in `kiosk demo`, F3 (the technician bar's "next resident") reaches a
// resident with an Android phone, who types the phone's PIN and gets the certificate, and
// then one with an iPhone authorised with Face ID, who types no PIN. In-process, on tcell's
// simulation screen, through the bar's own actions.
func TestDemoPhones(t *testing.T) {
	d, bar := demoOnScreen(t)
	e := d.parts.engine
	wait := func(st kiosk.State, within time.Duration) kiosk.View {
		t.Helper()
		return waitStateWithin(t, e, st, within)
	}
	wait(kiosk.StateIdle, 10*time.Second)
	next := func(label string) {
		t.Helper()
		for range d.cards.Len() {
			if strings.Contains(d.cards.Current(), label) {
				return
			}
			// F3's card change, without its label update: the bar's labels belong to the
			// UI goroutine, which draws them.
			d.cards.Next()
		}
		t.Fatalf("F3 never reached %q", label)
	}
	order := func() {
		e.Input(kiosk.Input{Kind: kiosk.InputStart})
		wait(kiosk.StateChoose, 5*time.Second)
		e.Input(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		wait(kiosk.StateOptions, 5*time.Second)
		e.Input(kiosk.Input{Kind: kiosk.InputNext})
		wait(kiosk.StatePlaceCard, 5*time.Second)
	}
	finish := func() {
		t.Helper()
		wait(kiosk.StateFee, 20*time.Second)
		e.Input(kiosk.Input{Kind: kiosk.InputNext})
		wait(kiosk.StateTake, 20*time.Second)
		bar[0].Do() // F2: take the phone
		// The demo takes a fee, so the take screen offers a receipt and stays until the
		// resident is done with it.
		if v := wait(kiosk.StateTake, 10*time.Second); v.Receipt == kiosk.ReceiptNone {
			t.Fatalf("no receipt offered after a fee: %+v", v)
		}
		e.Input(kiosk.Input{Kind: kiosk.InputDone})
		wait(kiosk.StateIdle, 10*time.Second)
	}

	next("Android phone")
	order()
	bar[0].Do() // F2: place it (made in the background since start-up)
	if v := wait(kiosk.StatePIN, 2*time.Minute); v.Device.String() != "android" || v.TriesLeft != 3 {
		t.Fatalf("PIN pad for the phone: %+v", v)
	}
	for _, c := range "1234" {
		e.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(c - '0')})
	}
	e.Input(kiosk.Input{Kind: kiosk.InputNext})
	finish()

	next("iPhone")
	order()
	bar[0].Do()
	finish() // no PIN pad on the way
}
