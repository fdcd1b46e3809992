package kiosk_test

import (
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/reader/readertest"
)

// TestFlowOnEveryReader runs the whole walk-up flow — an issuance, then a card taken off
// the PIN pad — on each virtual reader variant and on a card that itself refuses
// extended-length APDUs: every one issues, extended length is used exactly where both
// reader and card take it, and a removal (reported late or not) cancels without a spent
// try.
func TestFlowOnEveryReader(t *testing.T) {
	type variant struct {
		reader      readertest.ReaderVariant
		cardExt     bool // the card takes extended-length APDUs
		wantExtSeen bool // the card saw an extended READ BINARY
	}
	var vs []variant
	for _, v := range readertest.ReaderVariants {
		vs = append(vs, variant{v, true, !v.NoExtended})
	}
	vs = append(vs, variant{readertest.ReaderVariant{Name: "card-without-extended"}, false, true})
	for _, v := range vs {
		t.Run(v.reader.String(), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(_ *kiosk.Options, o *readertest.Options) { o.ExtendedAPDUs = v.cardExt })
				r.Reader = v.reader
				defer r.close()
				r.toFee()
				r.in(kiosk.InputNext, 0)
				r.want(kiosk.StateTake)
				if n := len(r.Printer.Jobs()); n != 1 {
					t.Fatalf("%d documents printed", n)
				}
				extSeen, extOK := false, false
				for _, l := range r.Card.Log() {
					if len(l.Cmd) >= 7 && l.Cmd[4] == 0 {
						extSeen = true
						extOK = extOK || l.SW().OK()
					}
				}
				if extSeen != v.wantExtSeen || extOK != (v.wantExtSeen && v.cardExt) {
					t.Fatalf("extended READ BINARY seen by the card %v (answered ok %v), want %v (%v)", extSeen, extOK, v.wantExtSeen, v.wantExtSeen && v.cardExt)
				}
				r.remove()
				r.sleep(v.reader.LateRemoval + time.Second)
				r.want(kiosk.StateIdle)

				// The second resident takes the card off the PIN pad and presses OK: the
				// card is gone before the reader says so; no try is spent.
				r.toPIN()
				r.Engine.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: 1})
				r.remove()
				r.pin("234")
				r.sleep(v.reader.LateRemoval + time.Second)
				r.wantProblem(kiosk.ProblemCardRemoved)
				if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 {
					t.Fatalf("a try was spent on a card that had left: %d left", n)
				}
			})
		})
	}
}
