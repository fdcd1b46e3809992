package kiosk

import (
	"context"
	"errors"

	"madoguchi/reader"
)

// The card-and-PIN sub-flow every service shares: identify the card, read the remaining
// tries of one of its PINs without spending one, show the pad with them, and present the
// secret once when the resident pressed OK. Which PIN, its rules, the states it shows and
// what follows OK are a secretStep; the certificate flow (the authentication PIN), the
// prefilled forms and the e-applications (the 券面事項入力補助 PIN) and the e-application's
// signature (the signing password) each have one. The invariants live here once:
//
//   - the tries are read with reader's empty VERIFY (Card.Tries), which spends none, and
//     shown on the pad; the last one is warned about (View.TriesLeft == 1);
//   - a try is spent only by the continuation ok, which runs only on InputNext with a
//     complete secret and gets the one copy of it (the pad is zeroed by take); ok clears
//     it right after the card saw it;
//   - a wrong secret shows the pad again with the card's new count; no tries left, or the
//     card saying blocked, ends on the step's own locked problem.

// secretStep is one use of the sub-flow.
type secretStep struct {
	name    string     // in reasons and the pin_wrong audit event ("pin" for the authentication PIN)
	pin     reader.PIN // the PIN whose tries are read and which ok presents
	reading State      // identifying the card and reading the tries
	pad     State      // the pad
	phone   Problem    // a phone placed: what to show (ProblemNone: the caller reads phones itself)
	locked  Problem    // no tries left
	short   Note       // OK pressed with the secret incomplete
	newPad  func() pinPad
	// ok presents secret once (the resident pressed OK); it owns secret and clears it.
	ok func(e *Engine, secret []byte)
}

// The steps.
var (
	stepAuth = &secretStep{name: "pin", pin: reader.AuthPIN, reading: StateReadingCard, pad: StatePIN,
		locked: ProblemPINLocked, short: NoteNeed4Digits, newPad: func() pinPad { return newPINPad(4) },
		ok: (*Engine).verify}
	stepFormText = &secretStep{name: "text pin", pin: reader.TextPIN, reading: StateFormReading, pad: StateFormPIN,
		phone: ProblemFormNeedsCard, locked: ProblemPINLocked, short: NoteNeed4Digits,
		newPad: func() pinPad { return newPINPad(4) }, ok: (*Engine).readFacts}
	stepSign = &secretStep{name: "signing password", pin: reader.SignPIN, reading: StateAppPasswordReading,
		pad: StateAppPassword, locked: ProblemPasswordLocked, short: NotePasswordLength,
		newPad: newPasswordPad, ok: (*Engine).signApplication}
)

// auditName is the "pin" detail of the pin_wrong audit event ("" for the authentication
// PIN, whose event has none, as before the sub-flow was shared).
func (st *secretStep) auditName() string {
	switch st.pin {
	case reader.TextPIN:
		return "text"
	case reader.SignPIN:
		return "sign"
	}
	return ""
}

// useStep makes st the session's step with a fresh, zeroed pad.
func (e *Engine) useStep(st *secretStep) {
	s := e.sess
	s.pin.wipe()
	s.step, s.pin, s.wrong, s.page = st, st.newPad(), false, 0
}

// readTries identifies the card on the reader (unless the session already did) and reads
// the remaining tries of the step's PIN without spending one; then the pad.
func (e *Engine) readTries(st *secretStep) {
	if !e.slot.present || e.slot.leftover {
		e.publish()
		return
	}
	e.useStep(st)
	s := e.sess
	s.card = e.slot.card
	card, known := s.card, s.device
	e.enter(st.reading)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		e.cardMu.Lock()
		defer e.cardMu.Unlock()
		dev := known
		if dev == reader.DeviceNone {
			var err error
			if dev, err = card.Identify(ctx); err != nil {
				return func() { e.cardFailed(err) }
			}
		}
		if dev != reader.DeviceCard && st.phone != ProblemNone {
			return func() { e.fail(st.phone, st.name+": "+dev.String()+" not taken") }
		}
		n, err := card.Tries(ctx, st.pin)
		if err != nil {
			return func() { s.device = dev; e.cardFailed(err) }
		}
		return func() { s.device = dev; e.padReady(n) }
	})
}

// padReady shows the step's pad with the tries read, or the locked problem.
func (e *Engine) padReady(tries int) {
	st := e.sess.step
	if tries <= 0 {
		e.fail(st.locked, st.name+" blocked")
		return
	}
	e.sess.tries = tries
	e.enter(st.pad)
}

// inputSecret is the pad's input handler: edit, OK (the step's continuation, with the one
// copy of a complete secret), cancel.
func (e *Engine) inputSecret(in Input) bool {
	s := e.sess
	if s.pin.edit(in) {
		return false
	}
	switch in.Kind {
	case InputSelect: // the password keyboard's page: 0 letters, 1 digits
		if s.pin.letters && (in.Arg == 0 || in.Arg == 1) {
			s.page = in.Arg
		}
		return false
	case InputNext:
		if !s.pin.complete() {
			e.note = s.step.short
			return false
		}
		s.step.ok(e, s.pin.take())
		return true
	case InputCancel:
		e.fail(ProblemCancelled, "cancelled at "+s.step.name)
		return true
	}
	return false
}

// secretRefused handles the card refusing the step's secret: wrong (one try spent, the
// pad again with the new count, locked after the last) or blocked. It reports whether err
// was one of them.
func (e *Engine) secretRefused(err error) bool {
	s := e.sess
	st := s.step
	var wrong *reader.WrongPINError
	switch {
	case errors.As(err, &wrong):
		s.tries, s.wrong = wrong.Left, true
		detail := map[string]any{"left": wrong.Left}
		if n := st.auditName(); n != "" {
			detail["pin"] = n
		}
		e.audit("pin_wrong", detail)
		if wrong.Left <= 0 {
			e.fail(st.locked, st.name+" blocked by last try")
			return true
		}
		e.enter(st.pad)
		return true
	case errors.Is(err, reader.ErrPINBlocked):
		e.fail(st.locked, st.name+" blocked")
		return true
	}
	return false
}
