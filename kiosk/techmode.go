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
// After TechMaxFailures wrong PINs the gesture is ignored for TechLockout.

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
	pin    [TechPINMax]byte
	npin   int
	wrong  bool
	fails  int
	locked time.Time // gesture ignored until then (monotonic)
	lines  []string
	msg    string
	busy   bool
	gen    uint64 // results of work started before a newer request are dropped
	oos    bool   // out of service, set by the technician
}

func (t *techState) wipe() {
	clear(t.pin[:])
	t.npin = 0
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
	e.log.Info("kiosk: technician PIN pad")
	e.tech.wrong = false
	e.enter(StateTechPIN)
}

// techInput handles inputs in the technician states.
func (e *Engine) techInput(in Input) {
	t := &e.tech
	if e.state == StateTechPIN {
		switch in.Kind {
		case InputDigit:
			if in.Arg >= 0 && in.Arg <= 9 && t.npin < len(t.pin) {
				t.pin[t.npin] = byte('0' + in.Arg)
				t.npin++
			}
		case InputDelete:
			if t.npin > 0 {
				t.npin--
				t.pin[t.npin] = 0
			}
		case InputClear:
			t.wipe()
		case InputNext:
			ok := t.npin > 0 && e.o.Technician.CheckPIN(t.pin[:t.npin])
			t.wipe()
			if !ok {
				t.fails++
				t.wrong = true
				e.log.Warn("kiosk: wrong technician PIN", "failures", t.fails)
				if t.fails >= TechMaxFailures {
					t.fails = 0
					t.locked = time.Now().Add(TechLockout)
					e.enter(StateIdle)
					return
				}
				break
			}
			t.fails, t.wrong = 0, false
			t.lines, t.msg = nil, ""
			e.log.Info("kiosk: technician mode entered")
			e.enter(StateTech)
			e.techRun(TechDiagnostics)
			return
		case InputCancel, InputDone:
			e.enter(StateIdle)
			return
		}
		e.publish()
		return
	}
	switch in.Kind {
	case InputSelect:
		e.techRun(in.Arg)
		return
	case InputCancel, InputDone:
		e.log.Info("kiosk: technician mode left", "out_of_service", t.oos)
		e.enter(StateIdle)
		return
	}
	e.publish()
}

// techRun starts a menu action; its result is shown when it comes back, unless the
// technician has left the menu or asked for something else meanwhile.
func (e *Engine) techRun(action int) {
	t := &e.tech
	back := e.o.Technician
	t.gen++
	gen := t.gen
	finish := func(lines []string, msg string) func() {
		return func() {
			if e.state != StateTech || gen != t.gen {
				return
			}
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
	ctx := e.ctx
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		apply := work(ctx)
		e.post(probeEv{apply})
	}()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
