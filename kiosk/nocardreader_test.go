package kiosk_test

import (
	"testing"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
)

// TestNoCardReader: with no reader (unplugged, PC/SC lost) the idle screen says so and
// starts neither certificates nor forms; the reader back, it starts again. Lost during
// a session, the card goes with it and the session ends as a removed card does.
func TestNoCardReader(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   func(r *rig) // where the reader goes away
		then kiosk.State  // the state right after
	}{
		{"idle", func(r *rig) {}, kiosk.StateIdle},
		{"mid-session", func(r *rig) { r.toPIN(); r.remove() }, kiosk.StateProblem},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, kiosktest.WithForms)
				defer r.close()
				if r.view().NoReader {
					t.Fatal("NoReader before the reader was reported lost")
				}
				tc.at(r)
				r.Engine.ReaderAvailable(false)
				r.settle()
				r.want(tc.then)
				if tc.then == kiosk.StateProblem {
					r.wantProblem(kiosk.ProblemCardRemoved) // as a card taken away
					r.in(kiosk.InputDone, 0)
					r.want(kiosk.StateIdle)
				}
				sessions := len(r.Store.Sessions())
				for _, k := range []kiosk.InputKind{kiosk.InputStart, kiosk.InputForms, kiosk.InputStart} {
					r.in(k, 0)
					r.want(kiosk.StateIdle)
					if v := r.view(); !v.NoReader {
						t.Fatalf("after %v without a reader: NoReader false", k)
					}
				}
				if n := len(r.Store.Sessions()); n != sessions {
					t.Fatalf("%d sessions without a reader, want %d", n, sessions)
				}
				r.Engine.ReaderAvailable(false) // told twice: no change
				r.Engine.ReaderAvailable(true)
				r.settle()
				if r.view().NoReader {
					t.Fatal("NoReader after the reader came back")
				}
				r.in(kiosk.InputStart, 0)
				if v := r.view(); v.State == kiosk.StateIdle {
					t.Fatalf("start refused with the reader back (note %v)", v.Note)
				}
				r.in(kiosk.InputCancel, 0)
				r.want(kiosk.StateIdle)
			})
		})
	}
}
