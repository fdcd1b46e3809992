package kiosk_test

import (
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/kiosk"
)

// FuzzEngine plays a resident (and the world) at random: any input on any screen, the
// card placed and pulled at any moment, time passing, the printer running out of paper.
// Whatever the order, the engine must not panic, must never read the My Number or open
// the text application, must close every session it opened, and must be back at the idle
// screen once the card is gone and the timeouts have run.
//
// The script is read two bytes at a time: an action and its argument.
func FuzzEngine(f *testing.F) {
	in := func(k kiosk.InputKind, arg byte) []byte { return []byte{byte(k), arg} }
	var happy []byte
	for _, step := range [][]byte{
		in(kiosk.InputStart, 0), in(kiosk.InputSelect, 0), in(kiosk.InputNext, 0), {actInsert, 0},
		in(kiosk.InputDigit, 1), in(kiosk.InputDigit, 2), in(kiosk.InputDigit, 3), in(kiosk.InputDigit, 4),
		in(kiosk.InputNext, 0), in(kiosk.InputNext, 0), {actRemove, 0},
	} {
		happy = append(happy, step...)
	}
	f.Add(happy)
	f.Add(append(append([]byte{}, happy[:16]...), actRemove, 0, actSleep, 200, actInsert, 0))
	f.Add([]byte{actInsert, 0, byte(kiosk.InputStart), 0, actPaper, 1, byte(kiosk.InputNext), 0, actSleep, 90})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 240 {
			script = script[:240]
		}
		bubble(t, func(t *testing.T) {
			r := newRig(t)
			placed := false
			for i := 0; i+1 < len(script); i += 2 {
				op, arg := script[i], script[i+1]
				switch {
				case op < byte(kiosk.InputTech)+1:
					r.Engine.Input(kiosk.Input{Kind: kiosk.InputKind(op), Arg: int(arg%16) - 2, On: arg&0x80 != 0})
				case op == actInsert && !placed:
					r.InsertCard()
					placed = true
				case op == actRemove && placed:
					r.RemoveCard()
					placed = false
				case op == actSleep:
					time.Sleep(time.Duration(arg) * time.Second)
				case op == actPaper:
					r.Printer.PaperOut(arg&1 == 1)
				}
				synctest.Wait()
			}
			if placed {
				r.RemoveCard()
			}
			r.Printer.PaperOut(false)
			r.sleep(time.Hour)
			if v := r.view(); v.State != kiosk.StateIdle {
				t.Errorf("an hour after the card was taken: %s (problem %s)", v.State, v.Problem)
			}
			r.close()
		})
	})
}

// Actions of FuzzEngine's script besides the inputs (whose kinds are the bytes below
// these).
const (
	actInsert = 0x20 + iota
	actRemove
	actSleep
	actPaper
)
