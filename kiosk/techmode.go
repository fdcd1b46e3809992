package kiosk

import (
	"context"
	"time"
)

// Technician mode: a field technician at the screen. A hidden gesture on the idle screen
// (the screens send InputTech) opens a PIN pad; the technician PIN opens a menu with a
// diagnostics summary, the queue status, a printer test page and the out-of-service
// switch. It is reachable only from the idle screen (never during a session), times out
// like every screen, and the PIN lives only in the loop's buffer until OK, which wipes it.
// After TechMaxFailures wrong PINs the gesture is ignored for TechLockout. When the Store
// implements TechLockStore the count and the lock-out survive a restart: a kiosk that
// restarts locked is locked for TechLockout from the start (the wall clock may be unset
// at boot, so no deadline is stored, only the flag).

// Technician is technician mode's back office, wired by cmd/kiosk. Options.Technician nil
// disables technician mode. Its methods may be slow (they run off the loop) and return
// only what a technician may see: no personal data.
type Technician interface {
	// CheckPIN compares a PIN entered on the screen with the configured one, in
	// constant time. It never logs or keeps pin.
	CheckPIN(pin []byte) bool
	// Diagnostics is a short health summary, one line per part.
	Diagnostics(ctx context.Context) []string
	// Queue is the state of the queue for the center, one line per fact.
	Queue(ctx context.Context) []string
	// TestPage prints a page that says it is not a certificate.
	TestPage(ctx context.Context) error
}

// Technician menu actions: Input{Kind: InputSelect, Arg: TechAction…} in StateTech.
const (
	TechDiagnostics = iota
	TechQueue
	TechTestPage
	TechOutOfService // toggles the switch
)

// Technician mode limits.
const (
	TechPINMax      = 12              // longest technician PIN
	TechMaxFailures = 3               // wrong PINs before the lockout
	TechLockout     = 5 * time.Minute // gesture ignored after TechMaxFailures wrong PINs
	TechMenuTimeout = 3 * time.Minute // the menu returns to idle after this long untouched
)

// techState is technician mode's part of the engine, owned by the loop.
type techState struct {
	pad    pinPad // the technician PIN while typed (TechPINMax digits at most)
	wrong  bool
	fails  int
	locked time.Time // gesture ignored until then (monotonic)
	saved  bool      // the store says locked (cleared when the lock-out has passed)
	lines  []string
	msg    string
	busy   bool
	job    *owner // the menu's actions, from entering the menu to leaving it
	oos    bool   // out of service, set by the technician
}

// leave drops the results of actions still running when the menu is left.
func (t *techState) leave() {
	if t.job != nil {
		t.job.done = true
		t.job = nil
	}
}

// techLoad restores the lock-out a previous run saved (TechLockStore); called once
// from Run, before the first input.
func (e *Engine) techLoad() {
	ls, ok := e.o.Store.(TechLockStore)
	if !ok || e.o.Technician == nil {
		return
	}
	fails, locked, err := ls.TechLockout(e.ctx)
	if err != nil {
		// Fail closed: an unreadable lock-out counts as one in force.
		e.log.Warn("kiosk: technician lock-out unreadable; locking", "err", err)
		fails, locked = 0, true
	}
	e.tech.fails, e.tech.saved = min(fails, TechMaxFailures-1), locked
	if locked {
		e.tech.locked = time.Now().Add(TechLockout)
		e.log.Warn("kiosk: technician mode locked after wrong PINs before the restart")
	}
}

// techSave saves the lock-out (TechLockStore); a failure is logged and the lock-out
// still holds in memory.
func (e *Engine) techSave() {
	ls, ok := e.o.Store.(TechLockStore)
	if !ok {
		return
	}
	if err := ls.SetTechLockout(e.ctx, e.tech.fails, e.tech.saved); err != nil {
		e.log.Warn("kiosk: save technician lock-out", "err", err)
	}
}

// techGesture opens the PIN pad from the idle screen.
func (e *Engine) techGesture() {
	if e.o.Technician == nil {
		return
	}
	if time.Now().Before(e.tech.locked) {
		e.log.Warn("kiosk: technician mode locked after wrong PINs")
		return
	}
	if e.tech.saved { // the lock-out has passed
		e.tech.saved = false
		e.techSave()
	}
	e.log.Info("kiosk: technician PIN pad")
	e.tech.wrong = false
	e.enter(StateTechPIN)
}

// inputTechPIN handles the technician's PIN pad.
func (e *Engine) inputTechPIN(in Input) bool {
	t := &e.tech
	if t.pad.edit(in) {
		return false
	}
	switch in.Kind {
	case InputNext:
		pin := t.pad.take()
		ok := len(pin) > 0 && e.o.Technician.CheckPIN(pin)
		clear(pin)
		if !ok {
			t.fails++
			t.wrong = true
			e.log.Warn("kiosk: wrong technician PIN", "failures", t.fails)
			if t.fails >= TechMaxFailures {
				t.fails, t.saved = 0, true
				t.locked = time.Now().Add(TechLockout)
				e.techSave()
				e.enter(StateIdle)
				return true
			}
			e.techSave()
			return false
		}
		if t.fails > 0 {
			t.fails = 0
			e.techSave()
		}
		t.wrong = false
		t.lines, t.msg = nil, ""
		e.log.Info("kiosk: technician mode entered")
		e.enter(StateTech)
		t.job = &owner{ctx: e.ctx}
		e.techRun(TechDiagnostics)
		return true
	case InputCancel, InputDone:
		e.enter(StateIdle)
		return true
	}
	return false
}

// inputTech handles the technician menu.
func (e *Engine) inputTech(in Input) bool {
	switch in.Kind {
	case InputSelect:
		e.techRun(in.Arg)
		return true
	case InputCancel, InputDone:
		e.log.Info("kiosk: technician mode left", "out_of_service", e.tech.oos)
		e.enter(StateIdle)
		return true
	}
	return false
}

// techRun starts a menu action; its result is shown when it comes back, unless the
// technician has left the menu or asked for something else meanwhile.
func (e *Engine) techRun(action int) {
	t := &e.tech
	back := e.o.Technician
	finish := func(lines []string, msg string) func() {
		return func() {
			t.busy = false
			if lines != nil {
				t.lines = lines
			}
			t.msg = msg
			e.publish()
		}
	}
	var work func(ctx context.Context) func()
	switch action {
	case TechDiagnostics:
		work = func(ctx context.Context) func() { return finish(nonNil(back.Diagnostics(ctx)), "") }
	case TechQueue:
		work = func(ctx context.Context) func() { return finish(nonNil(back.Queue(ctx)), "") }
	case TechTestPage:
		work = func(ctx context.Context) func() {
			if err := back.TestPage(ctx); err != nil {
				e.log.Warn("kiosk: test page", "err", err)
				return finish(nil, "test page failed: "+err.Error())
			}
			e.log.Info("kiosk: test page printed")
			return finish(nil, "test page printed")
		}
	case TechOutOfService:
		t.oos = !t.oos
		e.log.Warn("kiosk: out of service switched by the technician", "out_of_service", t.oos)
		e.publish()
		return
	default:
		e.publish()
		return
	}
	t.busy, t.msg = true, ""
	e.publish()
	e.spawn(t.job, TechActionTimeout, work)
}

func (e *Engine) viewTechPIN(v *View) { v.PINLength, v.WrongPIN = e.tech.pad.len(), e.tech.wrong }

func (e *Engine) viewTech(v *View) {
	v.TechLines, v.TechMessage, v.TechBusy = append([]string(nil), e.tech.lines...), e.tech.msg, e.tech.busy
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
