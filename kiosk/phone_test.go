package kiosk_test

import (
	"slices"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestPhones walks each device through an issuance: an Android phone takes its PIN
// first and shows its certificate after it; an iPhone authorised with Face ID takes no
// PIN at the kiosk; an iPhone that was not authorised gets its own screen. No try is
// ever spent but by a wrong PIN on OK, and the journal keeps its order.
func TestPhones(t *testing.T) {
	steps := []string{"intent", "card_checked", "request_sent", "document_received", "print_started", "printed", "closed"}
	for _, tc := range []struct {
		name     string
		opts     readertest.Options
		pinPad   bool          // the PIN pad is shown
		wrong    bool          // a wrong PIN first
		want     kiosk.State   // where the session ends up after the PIN (or the card)
		problem  kiosk.Problem // with StateProblem
		verifies int           // VERIFY commands with a PIN the card saw
	}{
		{"android phone", readertest.Options{Device: reader.DeviceAndroid}, true, false, kiosk.StateFee, 0, 1},
		{"android phone, wrong PIN first", readertest.Options{Device: reader.DeviceAndroid}, true, true, kiosk.StateFee, 0, 2},
		{"android phone, certificate expired (seen after the PIN)", readertest.Options{Device: reader.DeviceAndroid,
			Now: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), NotBefore: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter: time.Date(1999, 6, 1, 0, 0, 0, 0, time.UTC)}, true, false, kiosk.StateProblem, kiosk.ProblemCertExpired, 1},
		{"iphone authorised with face id", readertest.Options{Device: reader.DeviceIPhone, PhoneApproved: true}, false, false, kiosk.StateFee, 0, 0},
		{"iphone not authorised", readertest.Options{Device: reader.DeviceIPhone}, false, false, kiosk.StateProblem, kiosk.ProblemPhoneNotReady, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(_ *kiosk.Options, o *readertest.Options) { *o = tc.opts })
				defer r.close()
				r.in(kiosk.InputStart, 0)
				r.in(kiosk.InputSelect, 0)
				r.in(kiosk.InputNext, 0)
				r.want(kiosk.StatePlaceCard)
				r.insert()
				if tc.pinPad {
					r.want(kiosk.StatePIN)
					if v := r.view(); v.Device != reader.DeviceAndroid || v.TriesLeft != 3 {
						t.Fatalf("pin pad: device %v tries %d", v.Device, v.TriesLeft)
					}
					// The certificate is not read before the PIN.
					for _, l := range r.Card.Log() {
						if len(l.Cmd) == 7 && l.Cmd[1] == reader.INSSelect && l.Cmd[5] == 0x00 && l.Cmd[6] == 0x0A {
							t.Fatal("the phone's certificate was asked for before the PIN")
						}
					}
					if tc.wrong {
						r.pin("9999")
						r.want(kiosk.StatePIN)
						if v := r.view(); v.TriesLeft != 2 || !v.WrongPIN {
							t.Fatalf("after a wrong PIN: %+v", v)
						}
					}
					r.pin("1234")
				}
				if tc.want == kiosk.StateProblem {
					r.wantProblem(tc.problem)
				} else {
					r.want(tc.want)
					r.in(kiosk.InputNext, 0)
					r.want(kiosk.StateTake)
					r.remove()
					if got := r.Store.Last().Steps(); !slices.Equal(got, steps) {
						t.Errorf("journal %v, want %v", got, steps)
					}
					if len(r.Printer.Jobs()) != 1 {
						t.Errorf("%d print jobs", len(r.Printer.Jobs()))
					}
				}
				if n := verifies(r.Card); n != tc.verifies {
					t.Errorf("%d PIN VERIFYs reached the phone, want %d", n, tc.verifies)
				}
				if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 {
					t.Errorf("%d tries left, want 3", n)
				}
			})
		})
	}
}
