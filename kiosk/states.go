package kiosk

import (
	"context"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// State is the screen the kiosk is on. Every state has a timeout (Options.Timeouts).
type State int

// The states of the walk-up flow, in order; Problem and the Take screen end every session.
// Everything the engine and the screens know about a state is its entry in the table
// below (stateTable); adding a state means adding a constant here and an entry there.
const (
	StateIdle               State = iota // attract screen: hours, "touch to start"
	StateMunicipality                    // choose the municipality (only when there are several)
	StateChoose                          // choose the certificate
	StateOptions                         // options and copies, then confirm the order
	StatePlaceCard                       // "place your card"
	StateReadingCard                     // reading the card (certificate, tries)
	StatePIN                             // PIN pad
	StateCenter                          // verifying the PIN, asking the center
	StateFee                             // fee confirmation
	StatePaying                          // taking the fee (only with a Payer)
	StatePrinting                        // printing
	StateTake                            // "take your card and certificate"
	StateProblem                         // an error screen: View.Problem says which
	StateTechPIN                         // technician mode: PIN pad (see techmode.go)
	StateTech                            // technician mode: menu
	StateFormChoose                      // prefilled forms (forms.go): choose the form
	StateFormCard                        // forms: place your card
	StateFormReading                     // forms: identifying the card, reading the text PIN's tries
	StateFormPIN                         // forms: the 券面事項入力補助AP PIN pad
	StateFormFacts                       // forms: verifying the PIN, reading and checking the four facts
	StateFormConfirm                     // forms: the facts to confirm
	StateFormPrinting                    // forms: printing the form
	StateFormTake                        // forms: "take your card and the form"
	StateAppEntry                        // e-applications (eapp.go): entering one field (digits, kana, date)
	StateAppReview                       // e-applications: the whole application to review
	StateAppPasswordReading              // e-applications: reading the signing password's tries
	StateAppPassword                     // e-applications: the signing password keyboard
	StateAppSigning                      // e-applications: verifying the password, signing on the card
	StateAppPrinting                     // e-applications: queued; printing the receipt
	StateAppTake                         // e-applications: "take your card and the receipt"
	stateCount
)

// stateSpec is everything the kiosk knows about one state.
type stateSpec struct {
	name string
	// limit is the state's timeout.
	limit func(t config.Timeouts) time.Duration
	// machine: the machine is working (card, center, payment, printer); a touch does
	// not restart the timeout and only the card's removal or the timeout ends it.
	machine bool
	// waits: the screen waits for the resident in a session; the screens show a
	// countdown before its timeout.
	waits bool
	// needsCard: removing the card fails the session (ProblemCardRemoved).
	needsCard bool
	// input handles one input (the language toggle and the timeout restart are done
	// before it). It returns true when it has entered another state or published; false
	// makes the caller publish. nil: inputs are ignored.
	input func(e *Engine, in Input) bool
	// expire is what the timeout does.
	expire func(e *Engine)
	// cardIn, when set, is what a card placed on the reader does (it publishes); nil: the
	// screen is redrawn.
	cardIn func(e *Engine)
	// cardOut, when set, is what the card's removal does in a state that does not need
	// the card (it publishes); nil: the screen is redrawn.
	cardOut func(e *Engine)
	// view adds the state's own fields to the published View; nil: none.
	view func(e *Engine, v *View)
}

func (s stateSpec) with(input func(*Engine, Input) bool) stateSpec {
	s.input = input
	return s
}

func (s stateSpec) onCardIn(f func(*Engine)) stateSpec {
	s.cardIn = f
	return s
}

func (s stateSpec) card() stateSpec {
	s.needsCard = true
	return s
}

// stateTable is filled by init: its handlers refer back to it (through enter), which a
// package-level initialiser may not do.
var stateTable [stateCount]stateSpec

func init() {
	resident := func(limit func(config.Timeouts) time.Duration, input func(*Engine, Input) bool) stateSpec {
		return stateSpec{limit: limit, waits: true, input: input, expire: (*Engine).expireQuit}
	}
	working := func(limit func(config.Timeouts) time.Duration, expire func(*Engine)) stateSpec {
		return stateSpec{limit: limit, machine: true, needsCard: true, expire: expire}
	}
	idle := func(t config.Timeouts) time.Duration { return t.Idle }
	choose := func(t config.Timeouts) time.Duration { return t.Choose }
	card := func(t config.Timeouts) time.Duration { return t.Card }
	pin := func(t config.Timeouts) time.Duration { return t.PIN }
	fee := func(t config.Timeouts) time.Duration { return t.Fee }
	take := func(t config.Timeouts) time.Duration { return t.Take }

	t := [stateCount]stateSpec{
		StateIdle: {limit: idle, input: (*Engine).inputIdle, expire: (*Engine).expireIdleScreen,
			cardOut: (*Engine).cardTakenAtIdle},
		StateMunicipality: resident(choose, (*Engine).inputMunicipality),
		StateChoose:       resident(choose, (*Engine).inputChoose),
		StateOptions:      resident(choose, (*Engine).inputOptions),
		StatePlaceCard:    resident(card, (*Engine).inputPlaceCard).onCardIn((*Engine).readCard),
		StateReadingCard: working(card, func(e *Engine) {
			e.fail(ProblemCardUnreadable, "timeout reading card")
		}),
		StatePIN: resident(pin, (*Engine).inputSecret).card(),
		StateCenter: working(func(t config.Timeouts) time.Duration { return t.Center }, func(e *Engine) {
			e.fail(ProblemCenterUnreachable, "timeout waiting for center")
		}),
		StateFee: resident(fee, (*Engine).inputFee).card(),
		StatePaying: working(fee, func(e *Engine) {
			e.fail(ProblemPaymentFailed, "timeout paying")
		}).with((*Engine).inputPaying),
		StatePrinting: {limit: func(t config.Timeouts) time.Duration { return t.Print }, machine: true,
			expire: (*Engine).expirePrinting, cardOut: (*Engine).cardGoneWhilePrinting, view: (*Engine).viewCardGone},
		StateTake: {limit: take, waits: true, input: (*Engine).inputTake, expire: (*Engine).expireToIdle,
			cardOut: (*Engine).cardTaken, view: (*Engine).viewCardGone},
		StateProblem: {limit: take, waits: true, input: (*Engine).inputProblem, expire: (*Engine).expireToIdle},
		StateTechPIN: {limit: pin, input: (*Engine).inputTechPIN, expire: (*Engine).expireToIdle,
			view: (*Engine).viewTechPIN},
		StateTech: {limit: func(config.Timeouts) time.Duration { return TechMenuTimeout },
			input: (*Engine).inputTech, expire: (*Engine).expireToIdle, view: (*Engine).viewTech},
		StateFormChoose: resident(choose, (*Engine).inputFormChoose),
		StateFormCard:   resident(card, (*Engine).inputFormCard).onCardIn((*Engine).formReadCard),
		StateFormReading: working(card, func(e *Engine) {
			e.fail(ProblemCardUnreadable, "timeout reading card")
		}),
		StateFormPIN: resident(pin, (*Engine).inputSecret).card(),
		StateFormFacts: working(card, func(e *Engine) {
			e.fail(ProblemCardUnreadable, "timeout reading the four facts")
		}),
		StateFormConfirm: resident(fee, (*Engine).inputFormConfirm),
		StateFormPrinting: {limit: func(t config.Timeouts) time.Duration { return t.Print }, machine: true,
			expire:  func(e *Engine) { e.fail(ProblemPrinterFailed, "form print timeout") },
			cardOut: (*Engine).cardGoneWhilePrinting, view: (*Engine).viewCardGone},
		StateFormTake: {limit: take, waits: true, input: (*Engine).inputDone, expire: (*Engine).expireToIdle,
			cardOut: (*Engine).cardTaken, view: (*Engine).viewCardGone},
		StateAppEntry:  resident(choose, (*Engine).inputAppEntry).card(),
		StateAppReview: resident(fee, (*Engine).inputAppReview).card(),
		StateAppPasswordReading: working(card, func(e *Engine) {
			e.fail(ProblemCardUnreadable, "timeout reading the signing password's tries")
		}),
		StateAppPassword: resident(pin, (*Engine).inputSecret).card(),
		StateAppSigning: working(func(t config.Timeouts) time.Duration { return t.Center }, func(e *Engine) {
			e.fail(ProblemCardUnreadable, "timeout signing the application")
		}),
		StateAppPrinting: {limit: func(t config.Timeouts) time.Duration { return t.Print }, machine: true,
			expire: (*Engine).expireAppPrinting, cardOut: (*Engine).cardGoneWhilePrinting, view: (*Engine).viewCardGone},
		StateAppTake: {limit: take, waits: true, input: (*Engine).inputDone, expire: (*Engine).expireToIdle,
			cardOut: (*Engine).cardTaken, view: (*Engine).viewCardGone},
	}
	names := [stateCount]string{"idle", "municipality", "choose", "options", "place-card", "reading-card",
		"pin", "center", "fee", "paying", "printing", "take", "problem", "tech-pin", "tech",
		"form-choose", "form-card", "form-reading", "form-pin", "form-facts", "form-confirm", "form-printing", "form-take",
		"app-entry", "app-review", "app-password-reading", "app-password", "app-signing", "app-printing", "app-take"}
	for i := range t {
		t[i].name = names[i]
		if t[i].limit == nil || t[i].expire == nil {
			panic("kiosk: state " + names[i] + " has no timeout") // a programming error, caught by every test
		}
	}
	stateTable = t
}

// States lists every state, in the order of the flow.
var States = func() []State {
	s := make([]State, stateCount)
	for i := range s {
		s[i] = State(i)
	}
	return s
}()

func (s State) spec() *stateSpec {
	if s >= 0 && s < stateCount {
		return &stateTable[s]
	}
	return nil
}

func (s State) String() string {
	if p := s.spec(); p != nil {
		return p.name
	}
	return "state(?)"
}

// WaitsForResident reports whether the screen waits for the resident during a session
// (choosing, placing the card, typing the PIN, confirming the fee, taking the paper, a
// problem): the screens show a countdown before its timeout.
func (s State) WaitsForResident() bool {
	p := s.spec()
	return p != nil && p.waits
}

// MachineWorking reports whether the machine is working (reading the card, asking the
// center, taking the fee, printing): touches do not restart the timeout.
func (s State) MachineWorking() bool {
	p := s.spec()
	return p != nil && p.machine
}

// NeedsCard reports whether removing the card in this state cancels the session.
func (s State) NeedsCard() bool {
	p := s.spec()
	return p != nil && p.needsCard
}

// Timeout is the state's timeout under t (t's zero fields are not defaulted here).
func (s State) Timeout(t config.Timeouts) time.Duration {
	if p := s.spec(); p != nil {
		return p.limit(t)
	}
	return 0
}

// The input handlers, one per state.

func (e *Engine) inputIdle(in Input) bool {
	switch in.Kind {
	case InputStart, InputForms:
		if e.noReader { // the idle screen says so; nothing that needs the card starts
			return false
		}
	}
	switch in.Kind {
	case InputStart:
		if e.anyLeft() { // the next resident waits until the last one's things are taken
			e.note = NoteTakeFirst
			return false
		}
		e.start()
		return true
	case InputTech:
		e.techGesture()
		return true
	case InputForms:
		e.startForms()
		return true
	}
	return false
}

func (e *Engine) inputMunicipality(in Input) bool {
	switch in.Kind {
	case InputSelect:
		if in.Arg >= 0 && in.Arg < len(e.o.Municipalities) && e.muniOpen(in.Arg, e.o.Clock.Now()) {
			e.sess.muni = in.Arg
			e.enter(StateChoose)
			return true
		}
		e.note = NoteUnavailable
	case InputBack, InputCancel:
		e.quit("cancelled")
		return true
	}
	return false
}

func (e *Engine) inputChoose(in Input) bool {
	s := e.sess
	switch in.Kind {
	case InputSelect:
		m := e.o.Municipalities[s.muni]
		if in.Arg >= 0 && in.Arg < len(m.Certificates) {
			c := m.Certificates[in.Arg]
			if certOpen(m, c.Type, e.o.Clock.Now()) {
				if c.Type != s.cert { // the same one again (back from options) keeps the choices
					s.cert, s.opts, s.copies = c.Type, center.Options{}, 1
				}
				e.enter(StateOptions)
				return true
			}
		}
		e.note = NoteUnavailable
	case InputBack:
		if len(e.o.Municipalities) > 1 {
			e.enter(StateMunicipality)
			return true
		}
		e.quit("cancelled")
		return true
	case InputCancel:
		e.quit("cancelled")
		return true
	}
	return false
}

func (e *Engine) inputOptions(in Input) bool {
	s := e.sess
	switch in.Kind {
	case InputOption:
		setOption(&s.opts, s.cert, Option(in.Arg), in.On)
	case InputCopies:
		if s.copies+in.Arg > e.o.MaxCopies {
			e.note = NoteMaxCopies
		}
		s.copies = min(max(s.copies+in.Arg, 1), e.o.MaxCopies)
	case InputBack:
		e.enter(StateChoose)
		return true
	case InputCancel:
		e.quit("cancelled")
		return true
	case InputNext:
		e.order()
		return true
	}
	return false
}

func (e *Engine) inputPlaceCard(in Input) bool {
	s := e.sess
	switch in.Kind {
	case InputBack:
		if err := s.journal.Close(context.WithoutCancel(e.ctx), "back to options"); err != nil {
			e.log.Warn("kiosk: journal close", "err", err)
		}
		s.journal = nil
		e.enter(StateOptions)
		return true
	case InputCancel:
		e.quit("cancelled")
		return true
	}
	return false
}

func (e *Engine) inputFee(in Input) bool {
	switch in.Kind {
	case InputNext:
		e.confirmFee()
		return true
	case InputCancel:
		e.fail(ProblemCancelled, "cancelled at fee")
		return true
	}
	return false
}

// inputPaying is the one input a working state takes: cancelling a payment.
func (e *Engine) inputPaying(in Input) bool {
	if in.Kind == InputCancel {
		e.fail(ProblemPaymentFailed, "payment cancelled")
		return true
	}
	return false
}

// inputProblem leaves the problem screen, or after a refusal starts another certificate.
func (e *Engine) inputProblem(in Input) bool {
	if in.Kind == InputAnother && e.kept != nil {
		e.another()
		return true
	}
	return e.inputDone(in)
}

// inputTake leaves the take screen, or prints the receipt it offers.
func (e *Engine) inputTake(in Input) bool {
	if in.Kind == InputReceipt {
		e.printReceipt()
		return false
	}
	return e.inputDone(in)
}

// inputDone leaves the take and problem screens.
func (e *Engine) inputDone(in Input) bool {
	if in.Kind == InputDone {
		e.enter(StateIdle)
		return true
	}
	return false
}

// The timeout handlers that more than one state shares.

// expireIdleScreen: the idle screen's timeout only resets the language.
func (e *Engine) expireIdleScreen() {
	e.lang, e.picking = e.o.Language, false
	e.deadline = time.Time{}
	e.publish()
}

// expireQuit: a resident who walked away or could not finish in time. The session ends
// with a short screen that says so and that nothing was issued.
func (e *Engine) expireQuit() { e.fail(ProblemTimedOut, "timeout") }

// expireToIdle returns to the idle screen (take, problem, technician mode).
func (e *Engine) expireToIdle() { e.enter(StateIdle) }

func (e *Engine) expirePrinting() {
	if err := e.sess.journal.PrintFailed(context.WithoutCancel(e.ctx), "print timeout"); err != nil {
		e.log.Error("kiosk: journal print failed", "err", err)
	}
	e.fail(ProblemPrinterFailed, "print timeout")
}

// The card-removal handlers of states that do not need the card.

// cardGoneWhilePrinting: the paper is on its way, printing goes on.
func (e *Engine) cardGoneWhilePrinting() {
	e.cardGone = true
	e.publish()
}

// cardTakenAtIdle: the last resident's card is gone; the idle screen speaks the default
// language again.
func (e *Engine) cardTakenAtIdle() {
	e.lang, e.picking = e.o.Language, false
	e.publish()
}

// cardTaken: the resident took the card from the take screen; a screen that offers a
// receipt stays until it is asked for, done or timed out.
func (e *Engine) cardTaken() {
	if r := e.receipt; r != nil && r.state != ReceiptPrinted {
		e.publish()
		return
	}
	e.enter(StateIdle)
}

func (e *Engine) viewCardGone(v *View) { v.CardGone = e.cardGone || !e.slot.present }
