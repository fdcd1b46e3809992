package screens

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/gdamore/tcell/v2"
)

// FuzzUI taps and types at random on the kiosk screen — anywhere, including outside the
// screen, any key, the technician bar's card buttons, a resize — with time passing. The
// UI must not panic, the engine's invariants must hold, and every frame drawn must be one
// the golden tests' width check accepts.
//
// The script is read three bytes at a time: an action and two arguments.
func FuzzUI(f *testing.F) {
	f.Add([]byte{0, 50, 15, 0, 20, 10, 3, 0, 0, 1, '1', 0, 1, '2', 0, 1, '3', 0, 1, '4', 0, 2, 0, 0})
	f.Add([]byte{4, 80, 24, 0, 200, 200, 1, 'x', 0, 5, 30, 0})
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) > 240 {
			script = script[:240]
		}
		synctest.Test(t, func(t *testing.T) {
			r := newURig(t, 100, 30)
			for i := 0; i+2 < len(script); i += 3 {
				op, a, b := script[i], script[i+1], script[i+2]
				switch op % 6 {
				case 0: // a tap at (a, b), off the screen too
					x, y := int(a)-8, int(b)-4
					r.sim.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
					r.sim.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
				case 1: // a typed character
					r.sim.InjectKey(tcell.KeyRune, rune(a), tcell.ModNone)
				case 2: // a special key: Enter, Backspace, arrows, Tab, Esc, F-keys…
					r.sim.InjectKey(tcell.Key(256+int(a)%80), 0, tcell.ModNone)
				case 3: // the technician bar: place or take the card
					r.tech[int(a)%len(r.tech)].Do()
				case 4: // the terminal is resized
					r.sim.SetSize(20+int(a)%120, 8+int(b)%40)
				case 5: // time passes
					time.Sleep(time.Duration(a) * time.Second)
				}
				synctest.Wait()
				checkWidths(t, r.sim)
			}
			r.close()
		})
	})
}
