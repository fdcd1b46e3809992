package kiosk_test

import (
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader/readertest"
)

var _ kiosk.TechLockStore = (*kiosktest.Store)(nil)

// TestTechnicianLockoutSurvivesRestart: wrong technician PINs count across restarts of
// the engine (a power cycle), and a kiosk that restarts locked stays locked for
// TechLockout; the right PIN resets the count.
func TestTechnicianLockoutSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &kiosktest.Store{}
		ft := &fakeTech{}
		same := func(o *kiosk.Options, _ *readertest.Options) { o.Store = st }
		wrong := func(r *rig) {
			r.in(kiosk.InputTech, 0)
			r.want(kiosk.StateTechPIN)
			r.digits("111111")
			r.in(kiosk.InputNext, 0)
		}
		// Two wrong PINs, then a restart.
		r := newRig(t, withTech(ft), same)
		for range kiosk.TechMaxFailures - 1 {
			wrong(r)
			r.in(kiosk.InputCancel, 0)
		}
		r.Stop()
		// One more after the restart locks.
		r = newRig(t, withTech(ft), same)
		wrong(r)
		r.want(kiosk.StateIdle)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateIdle) // locked
		r.Stop()
		// Restarting does not lift the lock-out.
		r = newRig(t, withTech(ft), same)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateIdle)
		r.sleep(kiosk.TechLockout + time.Second)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateTechPIN)
		r.digits("246813")
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateTech)
		r.in(kiosk.InputDone, 0)
		r.Stop()
		if n, locked, _ := st.TechLockout(t.Context()); n != 0 || locked {
			t.Fatalf("after the right PIN the store holds %d failures, locked %v", n, locked)
		}
	})
}
