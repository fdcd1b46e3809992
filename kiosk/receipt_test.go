package kiosk_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader/readertest"
)

// TestReceipt: the take screen offers a receipt only where a fee was taken; asked for, it
// prints once with the amount, type, copies, date, issuance number and kiosk, and
// nothing personal.
func TestReceipt(t *testing.T) {
	tests := []struct {
		name     string
		payer    bool
		fee      int // yen per copy
		fail     error
		ask      int // taps on the receipt button
		want     kiosk.ReceiptState
		receipts int
	}{
		{"no payer: paid at the counter, no offer", false, 200, nil, 1, kiosk.ReceiptNone, 0},
		{"free: no offer", true, 0, nil, 1, kiosk.ReceiptNone, 0},
		{"offered, not asked", true, 200, nil, 0, kiosk.ReceiptOffered, 0},
		{"asked", true, 200, nil, 1, kiosk.ReceiptPrinted, 1},
		{"asked twice prints once", true, 200, nil, 2, kiosk.ReceiptPrinted, 1},
		{"printer fails", true, 200, errors.New("jam"), 1, kiosk.ReceiptFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) {
					if tt.payer {
						o.Payer = &kiosktest.Payer{}
					}
				})
				start := time.Now()
				r.Center.UnitFee = tt.fee
				if tt.fee == 0 {
					r.Center.UnitFee = -1
				}
				defer r.close()
				r.in(kiosk.InputStart, 0)
				r.in(kiosk.InputSelect, 0)
				r.in(kiosk.InputCopies, 1) // 2 copies
				r.in(kiosk.InputNext, 0)
				r.insert()
				r.pin("1234")
				r.want(kiosk.StateFee)
				r.in(kiosk.InputNext, 0)
				r.want(kiosk.StateTake)
				r.remove() // the card first: an offer stays on the screen
				if tt.want == kiosk.ReceiptNone {
					r.want(kiosk.StateIdle)
				} else {
					r.want(kiosk.StateTake)
				}
				r.Printer.Fail(tt.fail)
				r.in(kiosk.InputPickLanguage, slices.Index(kiosk.Langs, kiosk.LangPtBR)+1) // the receipt's second language
				for range tt.ask {
					r.in(kiosk.InputReceipt, 0)
				}
				v := r.view()
				if tt.want == kiosk.ReceiptNone {
					r.want(kiosk.StateIdle)
				} else if v.Receipt != tt.want {
					t.Fatalf("receipt %v, want %v", v.Receipt, tt.want)
				}
				got := r.Printer.Receipts()
				if len(got) != tt.receipts {
					t.Fatalf("%d receipts printed, want %d", len(got), tt.receipts)
				}
				if len(got) == 1 {
					doc := r.Printer.Jobs()[0].Document
					at := got[0].At
					if at.Location() != config.JST || at.Before(start) || at.After(start.Add(time.Minute)) {
						t.Fatalf("receipt dated %v, want the time of payment in JST (from %v)", at, start)
					}
					want := kiosk.Receipt{Type: center.ResidentRecord, Copies: 2, Amount: 400, At: at,
						IssuedOn: doc.Content.IssuedOn, IssuanceNumber: doc.Content.IssuanceNumber,
						KioskID: r.Center.KioskID(), Municipality: kiosktest.AllDay().Name, Lang: kiosk.LangPtBR}
					if g := got[0]; g != want || g.IssuanceNumber == "" {
						t.Fatalf("receipt %+v, want %+v", g, want)
					}
				}
				if tt.want != kiosk.ReceiptNone {
					r.in(kiosk.InputDone, 0)
					r.want(kiosk.StateIdle)
					if v := r.view(); v.Receipt != kiosk.ReceiptNone {
						t.Fatalf("the idle screen still offers a receipt: %v", v.Receipt)
					}
				}
			})
		})
	}
}
