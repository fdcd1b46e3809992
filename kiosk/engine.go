package kiosk

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/printer"
	"madoguchi/reader"
)

// Defaults of Options.
const (
	DefaultIssueRetries = 2                      // extra attempts of an issuance on center.ErrRetryLater
	DefaultRetryDelay   = 500 * time.Millisecond // first pause between attempts; doubles
	eventQueue          = 64
)

// Options configure an Engine. Center, Store, Printer and at least one municipality are
// required; the zero value of every other field means its documented default.
type Options struct {
	Center  Center  // required
	Store   Store   // required
	Printer Printer // required; may implement PrinterChecker
	Payer   Payer   // nil: fee confirmation only

	// Municipalities whose certificates the kiosk issues (config [[municipality]]).
	Municipalities []config.Municipality
	// Timeouts per screen; a zero field takes its value from config.DefaultTimeouts.
	Timeouts config.Timeouts
	// Language of the idle screen; "" = LangJA.
	Language Lang
	// MaxCopies per request, 1..center.MaxCopies; 0 = center.MaxCopies.
	MaxCopies int
	// IssueRetries: extra attempts when the center says retry later; 0 = DefaultIssueRetries,
	// negative = none.
	IssueRetries int
	// RetryDelay before the first retry (doubling); 0 = DefaultRetryDelay.
	RetryDelay time.Duration
	// Clock for service hours and certificate validity; nil = the system clock.
	Clock Clock
	// Logger for state changes and problems; nil = discard. Nothing personal is logged: no
	// PIN, no certificate, no document content.
	Logger *slog.Logger
	// Technician enables technician mode (techmode.go); nil = disabled.
	Technician Technician
	// Indicator is the card LED and buzzer of the reminders (leftover.go); nil = none.
	Indicator Indicator
	// Reminder is when the reminders of a card or certificate left behind escalate; the
	// zero value is config.DefaultReminder (see reminderDefaults).
	Reminder config.Reminder
	// TextIssuerKey is J-LIS's key the card's four facts are checked with (forms.go);
	// required when a municipality has forms, and the Printer must be a FormPrinter.
	TextIssuerKey *rsa.PublicKey
}

func (o Options) withDefaults() (Options, error) {
	if o.Center == nil || o.Store == nil || o.Printer == nil {
		return o, errors.New("kiosk: options: center, store and printer are required")
	}
	if len(o.Municipalities) == 0 {
		return o, errors.New("kiosk: options: no municipality")
	}
	for i, m := range o.Municipalities {
		if len(m.Certificates) == 0 {
			return o, fmt.Errorf("kiosk: options: municipality %d (%s) offers no certificate", i, m.Name)
		}
	}
	if len(o.formList()) > 0 {
		if o.TextIssuerKey == nil {
			return o, errors.New("kiosk: options: forms need the text issuer key")
		}
		if _, ok := o.Printer.(FormPrinter); !ok {
			return o, errors.New("kiosk: options: forms need a printer that prints forms")
		}
	}
	if o.electronicForms() {
		if _, ok := o.Store.(ApplicationStore); !ok {
			return o, errors.New("kiosk: options: electronic forms need a store that queues applications")
		}
		if _, ok := o.Printer.(ApplicationPrinter); !ok {
			return o, errors.New("kiosk: options: electronic forms need a printer that prints their receipts")
		}
	}
	d := config.DefaultTimeouts
	t := &o.Timeouts
	for _, p := range []struct {
		v *time.Duration
		d time.Duration
	}{{&t.Idle, d.Idle}, {&t.Choose, d.Choose}, {&t.Card, d.Card}, {&t.PIN, d.PIN}, {&t.Center, d.Center},
		{&t.Fee, d.Fee}, {&t.Print, d.Print}, {&t.Take, d.Take}} {
		if *p.v <= 0 {
			*p.v = p.d
		}
	}
	switch o.Language {
	case "":
		o.Language = LangJA
	default:
		if !o.Language.Valid() {
			return o, fmt.Errorf("kiosk: options: language %q, want one of %v", o.Language, Langs)
		}
	}
	if o.MaxCopies <= 0 || o.MaxCopies > center.MaxCopies {
		o.MaxCopies = center.MaxCopies
	}
	if o.IssueRetries == 0 {
		o.IssueRetries = DefaultIssueRetries
	}
	if o.IssueRetries < 0 {
		o.IssueRetries = 0
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = DefaultRetryDelay
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	o.Reminder = reminderDefaults(o.Reminder)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o, nil
}

// Engine runs one session at a time. Inputs, card events, timers and the answers of the
// card, center, printer and payer all become events of one loop (Run), which alone owns
// the session and the journal. Slow work runs in goroutines bound to the session's
// context; their results are applied only if that session is still the current one.
type Engine struct {
	o   Options
	log *slog.Logger

	events  chan any
	stop    chan struct{}
	running atomic.Bool

	vmu     sync.Mutex
	view    View
	updates chan struct{}

	cardMu sync.Mutex // a card does one thing at a time, even across sessions

	// Owned by the loop.
	ctx        context.Context
	state      State
	lang       Lang
	picking    bool // the language picker is open
	problem    Problem
	refusal    center.Reason // with ProblemNotEligible: the center's reason, if it gave one
	kept       *keptAuth     // on the problem screen after a refusal: "another certificate"
	note       Note
	sess       *session
	slot       slot
	timer      *time.Timer
	timerGen   uint64
	deadline   time.Time
	screen     uint64 // counts enter: the screen generation inputs are stamped with
	nextID     uint64
	seq        uint64
	cardGone   bool
	tech       techState
	receipt    *receiptOffer // on the take screen after a fee was taken (receipt.go)
	tray       bool          // the paper-present sensor sees a sheet in the output tray
	left       leftWatch     // the reminder of a card or certificate left behind
	forms      []formRef     // the forms offered (forms.go), fixed at New
	appDone    *appDone      // on an e-application's take screen (eapp.go)
	appProblem bool          // on the problem screen: the session was an e-application's
	noReader   bool          // no card reader can be used now (ReaderAvailable)
}

type slot struct {
	card     Card
	present  bool
	leftover bool // its session ended while it stayed on the reader
}

// session is everything one resident's transaction holds. wipe clears it.
type session struct {
	id     uint64
	work   owner // its asynchronous work (card, center, payer, printer)
	cancel context.CancelFunc

	muni    int
	cert    center.CertType
	opts    center.Options
	copies  int
	journal Journal

	card     Card
	device   reader.Device     // what card is, once identified
	authCert *x509.Certificate // on an Android phone only after its PIN
	tries    int
	wrong    bool
	step     *secretStep // the card-and-PIN step the pad serves (secret.go)
	pin      pinPad      // the PIN or password while typed
	page     int         // the keyboard's page: the password's letters or digits, the kana row

	authenticated bool      // the card, certificate and PIN carried over from a refused request
	authUntil     time.Time // until then (monotonic)

	challenge string
	issueKey  string
	issued    *center.Issued
	payment   *Payment

	forms formsSession // a forms session (forms.go)
	app   appSession   // an e-application (eapp.go)
}

func (s *session) request() center.Request {
	return center.Request{Type: s.cert, Options: s.opts, Copies: s.copies}
}

func (s *session) wipe() {
	s.pin.wipe()
	s.card, s.authCert, s.issued, s.payment, s.journal = nil, nil, nil, nil, nil
	s.device = reader.DeviceNone
	s.challenge, s.issueKey = "", ""
	s.opts, s.cert, s.copies = center.Options{}, "", 0
	s.forms = formsSession{}
	s.app.wipe()
}

type (
	inputEv   struct{ in Input }
	cardInEv  struct{ card Card }
	cardOutEv struct{}
	timeoutEv struct{ gen uint64 }
	loopEv    struct{ fn func() } // runs fn on the loop (Ping, and internal tests)
)

// New validates the options and builds an engine; call Run to start it.
func New(opts Options) (*Engine, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{o: o, log: o.Logger, events: make(chan any, eventQueue), stop: make(chan struct{}),
		updates: make(chan struct{}, 1), lang: o.Language, tech: techState{pad: newPINPad(TechPINMax)}, forms: o.formList()}
	e.view = View{State: StateIdle, Lang: o.Language, MaxCopies: o.MaxCopies, Pays: o.Payer != nil}
	return e, nil
}

// View returns the latest snapshot for the screens.
func (e *Engine) View() View {
	e.vmu.Lock()
	defer e.vmu.Unlock()
	return e.view
}

// Updates is signalled (coalesced) after every change of View.
func (e *Engine) Updates() <-chan struct{} { return e.updates }

// Input delivers an input from the screens. It does not wait for the engine to act.
func (e *Engine) Input(in Input) { e.post(inputEv{in}) }

// CardInserted reports a card placed on the reader, as a session with it.
func (e *Engine) CardInserted(c Card) {
	if c != nil {
		e.post(cardInEv{c})
	}
}

// CardRemoved reports that the card left the reader.
func (e *Engine) CardRemoved() { e.post(cardOutEv{}) }

func (e *Engine) post(ev any) {
	select {
	case e.events <- ev:
	case <-e.stop:
	}
}

// Run runs the engine until ctx ends; a session in progress is then closed (voided when
// it had sent a request). It returns ctx.Err(). Run may be called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("kiosk: engine already running")
	}
	e.ctx = ctx
	defer close(e.stop)
	e.techLoad()
	e.enter(StateIdle)
	for {
		select {
		case <-ctx.Done():
			e.endSession("shutdown")
			e.stopLeft()
			if e.timer != nil {
				e.timer.Stop()
			}
			e.state = StateIdle
			e.publish()
			return ctx.Err()
		case ev := <-e.events:
			e.handle(ev)
		}
	}
}

func (e *Engine) handle(ev any) {
	switch ev := ev.(type) {
	case inputEv:
		e.input(ev.in)
	case cardInEv:
		e.cardIn(ev.card)
	case cardOutEv:
		e.cardOut()
	case timeoutEv:
		if ev.gen == e.timerGen {
			e.timeout()
		}
	case loopEv:
		ev.fn()
	case resultEv:
		if !ev.o.done && ev.op == ev.o.op {
			ev.apply()
		}
	case readerEv:
		e.readerChanged(ev.ok)
		return
	case trayEv:
		if e.tray != ev.present {
			e.tray = ev.present
			e.checkLeft()
			e.publish()
		}
		return
	case leftEv:
		if ev.gen == e.left.gen {
			e.stepLeft()
		}
	}
	e.checkLeft()
}

func (e *Engine) arm() {
	if e.timer != nil {
		e.timer.Stop()
	}
	e.timerGen++
	gen, d := e.timerGen, e.state.Timeout(e.o.Timeouts)
	e.deadline = time.Now().Add(d)
	e.timer = time.AfterFunc(d, func() { e.post(timeoutEv{gen}) })
}

func (e *Engine) enter(st State) {
	e.picking = false
	if st == StateIdle && e.state != StateIdle && !e.slot.leftover {
		// A card left on the reader keeps the session's language for the reminder to
		// take it; its removal (or the idle timeout) restores the default.
		e.lang = e.o.Language
	}
	if st != StateProblem {
		e.problem, e.refusal = ProblemNone, ""
		e.kept = nil
	}
	if st != StateTechPIN {
		e.tech.pad.wipe()
	}
	if st != StateTake {
		e.dropReceipt()
	}
	if st != StateTech {
		e.tech.leave()
	}
	if st != StateAppTake {
		e.appDone = nil
	}
	e.appProblem = false
	e.state, e.note = st, NoteNone
	e.screen++
	e.log.Debug("kiosk: state", "state", st.String())
	e.arm()
	e.publish()
}

// input handles one input: the language toggle on every screen, else the state's
// handler. A touch restarts the screen's timeout unless the machine is working.
func (e *Engine) input(in Input) {
	if in.Screen != 0 && in.Screen != e.screen {
		e.log.Debug("kiosk: input for a screen already left dropped", "input", in.Kind.String(), "state", e.state.String())
		return
	}
	if in.Kind == InputPickLanguage {
		switch {
		case in.Arg == 0:
			e.picking = true
		case in.Arg >= 1 && in.Arg <= len(Langs):
			e.lang, e.picking = Langs[in.Arg-1], false
		default:
			e.picking = false
		}
		if !e.state.MachineWorking() {
			e.arm()
		}
		e.publish()
		return
	}
	if in.Kind == InputLanguage {
		if e.lang == LangJA {
			e.lang = LangEN
		} else {
			e.lang = LangJA
		}
		if !e.state.MachineWorking() {
			e.arm()
		}
		e.publish()
		return
	}
	if e.picking && in.Kind != InputContinue && in.Kind != InputCancel && in.Kind != InputTech {
		// Meant for the screen under the picker, which the resident cannot see.
		e.log.Debug("kiosk: input under the language picker dropped", "input", in.Kind.String())
		return
	}
	if !e.state.MachineWorking() {
		e.arm()
	}
	if in.Kind == InputContinue { // only the time is extended
		e.publish()
		return
	}
	e.note = NoteNone
	if h := e.state.spec().input; h != nil && h(e, in) {
		return
	}
	e.publish()
}

func setOption(o *center.Options, t center.CertType, opt Option, on bool) {
	for _, a := range OptionsFor(t) {
		if a != opt {
			continue
		}
		switch opt {
		case OptHousehold:
			o.Household = on
		case OptDomicile:
			o.Domicile = on
		case OptRelationship:
			o.Relationship = on
		case OptIndividual:
			o.Individual = on
		}
	}
}

// certOpen says whether m issues t at now. With no known time (zero) the center decides:
// it checks the hours with its own clock and refuses with center.ErrClosed.
func certOpen(m config.Municipality, t center.CertType, now time.Time) bool {
	return now.IsZero() || m.CertificateOpenAt(t, now)
}

// sameDay reports whether a and b fall on the same JST calendar day.
func sameDay(a, b time.Time) bool {
	a, b = a.In(config.JST), b.In(config.JST)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func (e *Engine) muniOpen(i int, now time.Time) bool {
	m := e.o.Municipalities[i]
	for _, c := range m.Certificates {
		if certOpen(m, c.Type, now) {
			return true
		}
	}
	return false
}

// start begins a session after a touch on the idle screen, unless the kiosk is out of
// service or closed.
func (e *Engine) start() {
	if !e.ready() {
		return
	}
	now, open := e.o.Clock.Now(), -1
	n := 0
	for i := range e.o.Municipalities {
		if e.muniOpen(i, now) {
			n++
			if open < 0 {
				open = i
			}
		}
	}
	if n == 0 {
		e.fail(ProblemClosed, "closed")
		return
	}
	e.newSession()
	if len(e.o.Municipalities) > 1 {
		e.enter(StateMunicipality)
		return
	}
	e.sess.muni = open
	e.enter(StateChoose)
}

// ready says whether a session may start (technician's switch, store, printer); when
// not, it shows "out of service".
func (e *Engine) ready() bool {
	if e.tech.oos {
		e.log.Info("kiosk: out of service: switched off by the technician")
		e.fail(ProblemOutOfService, "technician")
		return false
	}
	if err := e.o.Store.CanStartSession(e.ctx); err != nil {
		e.log.Warn("kiosk: out of service", "err", err)
		e.fail(ProblemOutOfService, "store")
		return false
	}
	if pc, ok := e.o.Printer.(PrinterChecker); ok {
		if err := pc.Check(e.ctx); err != nil {
			e.log.Warn("kiosk: out of service: printer", "err", err)
			e.fail(ProblemOutOfService, "printer")
			return false
		}
	}
	return true
}

// newSession makes the current session.
func (e *Engine) newSession() {
	e.nextID++
	ctx, cancel := context.WithCancel(e.ctx)
	e.sess = &session{id: e.nextID, work: owner{ctx: ctx}, cancel: cancel, copies: 1,
		step: stepAuth, pin: stepAuth.newPad()}
	e.log.Info("kiosk: session start", "session", e.nextID)
}

// order journals the resident's order and asks for the card; a resident choosing another
// certificate after a refusal goes straight to the center with the card still in place.
func (e *Engine) order() {
	s := e.sess
	if err := s.request().Validate(); err != nil {
		e.log.Error("kiosk: order", "err", err)
		e.note = NoteUnavailable
		e.publish()
		return
	}
	j, err := e.o.Store.BeginSession(e.ctx, Intent{CertType: string(s.cert), Copies: s.copies})
	if err != nil {
		e.log.Warn("kiosk: begin session", "err", err)
		e.fail(ProblemOutOfService, "begin session")
		return
	}
	s.journal = j
	if s.authenticated && time.Now().Before(s.authUntil) && e.slot.present && e.slot.card == s.card {
		if err := s.journal.CardChecked(); err != nil {
			e.log.Error("kiosk: journal card checked", "err", err)
			e.fail(ProblemStoreFailed, "journal")
			return
		}
		e.sign(nil)
		return
	}
	s.authenticated = false
	e.enter(StatePlaceCard)
	e.readCard()
}

// AnotherWindow is how long after a refusal the resident may choose another certificate
// without placing the card and typing the PIN again (the card still on the reader).
const AnotherWindow = time.Minute

// keptAuth is what a refused session leaves for "another certificate": the card that is
// still on the reader, its certificate and tries, the municipality. No PIN.
type keptAuth struct {
	card   Card
	device reader.Device
	cert   *x509.Certificate
	tries  int
	muni   int
	until  time.Time // monotonic
}

// another starts a session for another certificate with the kept card.
func (e *Engine) another() {
	k := e.kept
	e.kept = nil
	if k == nil || !e.slot.present || e.slot.card != k.card || time.Now().After(k.until) {
		e.enter(StateIdle)
		return
	}
	e.slot.leftover = false
	e.newSession()
	s := e.sess
	s.muni, s.card, s.device, s.authCert, s.tries = k.muni, k.card, k.device, k.cert, k.tries
	s.authenticated, s.authUntil = true, k.until
	e.log.Info("kiosk: another certificate for the same card", "session", s.id)
	e.enter(StateChoose)
}

func (e *Engine) audit(event string, detail map[string]any) {
	if s := e.sess; s != nil && s.journal != nil {
		if err := s.journal.Audit(event, detail); err != nil {
			e.log.Warn("kiosk: audit", "event", event, "err", err)
		}
	}
}

// endSession closes the journal (voiding a request without a print), cancels the
// session's work and wipes it. The card, if still on the reader, becomes a leftover.
func (e *Engine) endSession(reason string) {
	s := e.sess
	if s == nil {
		return
	}
	e.sess = nil
	s.work.done = true
	s.cancel()
	if s.journal != nil {
		if err := s.journal.Close(context.WithoutCancel(e.ctx), reason); err != nil {
			e.log.Error("kiosk: journal close", "err", err)
		}
	}
	if s.card != nil && e.slot.present && e.slot.card == s.card {
		e.slot.leftover = true
	}
	e.log.Info("kiosk: session end", "session", s.id, "reason", reason)
	s.wipe()
}

// quit ends the session and returns to idle (cancel or timeout before anything needs
// saying).
func (e *Engine) quit(reason string) {
	e.audit("ended", map[string]any{"state": e.state.String(), "reason": reason})
	e.endSession(reason)
	e.enter(StateIdle)
}

// fail ends the session and shows a problem.
func (e *Engine) fail(p Problem, reason string) {
	e.log.Info("kiosk: problem", "problem", p.String(), "state", e.state.String(), "reason", reason)
	// reason is for the technician: what the kiosk saw, never personal data.
	e.audit("problem", map[string]any{"problem": p.String(), "state": e.state.String(), "reason": reason})
	app := e.electronic()
	e.endSession(reason)
	e.problem = p
	e.enter(StateProblem)
	if app { // the problem screen says that no application was sent
		e.appProblem = true
		e.publish()
	}
}

func (e *Engine) timeout() {
	e.log.Info("kiosk: timeout", "state", e.state.String())
	e.state.spec().expire(e)
}

func (e *Engine) cardIn(c Card) {
	e.slot = slot{card: c, present: true}
	if f := e.state.spec().cardIn; f != nil {
		f(e)
		return
	}
	e.publish()
}

func (e *Engine) cardOut() {
	e.slot = slot{}
	e.kept = nil
	sp := e.state.spec()
	switch {
	case sp.needsCard:
		e.fail(ProblemCardRemoved, "card removed")
	case sp.cardOut != nil:
		sp.cardOut(e)
	default:
		e.publish()
	}
}

// readCard reads the card on the reader, if it is a fresh one: it identifies the device,
// then reads what that device gives before any PIN. A card: the authentication
// certificate and the remaining tries. An Android phone: the tries only (it shows its
// certificate after the PIN). An iPhone: the certificate, which it gives once the
// resident authorised it with Face ID on the phone; it takes no PIN at the kiosk.
func (e *Engine) readCard() {
	if !e.slot.present || e.slot.leftover {
		e.publish()
		return
	}
	e.useStep(stepAuth)
	s := e.sess
	s.card = e.slot.card
	card := s.card
	e.enter(StateReadingCard)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		e.cardMu.Lock()
		defer e.cardMu.Unlock()
		dev, err := card.Identify(ctx)
		if err != nil {
			return func() { e.cardFailed(err) }
		}
		var cert *x509.Certificate
		if dev != reader.DeviceAndroid {
			if cert, err = card.AuthCertificate(ctx); err != nil {
				return func() { s.device = dev; e.cardFailed(err) }
			}
		}
		n := -1 // an iPhone has no PIN counter for the kiosk
		if dev != reader.DeviceIPhone {
			if n, err = card.Tries(ctx, reader.AuthPIN); err != nil {
				return func() { s.device = dev; e.cardFailed(err) }
			}
		}
		return func() { e.cardRead(dev, cert, n) }
	})
}

// cardFailed ends the session with the problem the card's error stands for; the reason
// names it for the technician.
func (e *Engine) cardFailed(err error) {
	e.log.Info("kiosk: card", "err", err)
	var dev reader.Device
	if e.sess != nil {
		dev = e.sess.device
	}
	switch {
	case errors.Is(err, reader.ErrCardRemoved), errors.Is(err, reader.ErrNoCard):
		e.fail(ProblemCardRemoved, "card removed")
	case errors.Is(err, reader.ErrJukiCard):
		e.fail(ProblemJukiCard, "juki card (token "+reader.TokenJukiCard+")")
	case errors.Is(err, reader.ErrNotJPKI):
		e.fail(ProblemNotMyNumberCard, "not a my number card (no jpki application or unknown token)")
	case dev == reader.DeviceIPhone:
		// Whatever an iPhone refuses: how it answers a terminal is not published.
		e.fail(ProblemPhoneNotReady, "iphone refused: "+errorClass(err))
	case errors.Is(err, reader.ErrPINNotSet):
		e.fail(ProblemNoPIN, "no pin set on the card (face-authentication card?)")
	case errors.Is(err, reader.ErrPINBlocked):
		e.fail(ProblemPINLocked, "pin blocked")
	default:
		e.fail(ProblemCardUnreadable, "card unreadable: "+errorClass(err))
	}
}

// errorClass names the kind of a card error for the journal without quoting the card.
func errorClass(err error) string {
	var se *reader.StatusError
	switch {
	case errors.As(err, &se):
		return "status " + se.SW.String()
	case errors.Is(err, reader.ErrPINRequired):
		return "pin or authorisation required"
	case errors.Is(err, reader.ErrBadCard):
		return "bad answer"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	}
	return "error"
}

// certProblem says what is wrong with cert at the kiosk's time, if anything. A zero time
// is unknown: the center checks validity with its own clock.
func (e *Engine) certProblem(cert *x509.Certificate) (Problem, string) {
	now := e.o.Clock.Now()
	switch {
	case now.IsZero():
	case now.After(cert.NotAfter):
		return ProblemCertExpired, "certificate expired"
	case now.Before(cert.NotBefore):
		return ProblemCertNotYetValid, "certificate not yet valid"
	}
	return ProblemNone, ""
}

func (e *Engine) cardRead(dev reader.Device, cert *x509.Certificate, tries int) {
	s := e.sess
	s.device = dev
	if cert != nil {
		if p, why := e.certProblem(cert); p != ProblemNone {
			e.fail(p, why)
			return
		}
	}
	if dev != reader.DeviceIPhone && tries <= 0 {
		e.fail(ProblemPINLocked, "pin blocked")
		return
	}
	s.authCert, s.tries = cert, tries
	if cert != nil {
		if err := s.journal.CardChecked(); err != nil {
			e.log.Error("kiosk: journal card checked", "err", err)
			e.fail(ProblemStoreFailed, "journal")
			return
		}
	}
	if dev == reader.DeviceIPhone {
		e.sign(nil) // Face ID on the phone stands for the PIN
		return
	}
	e.padReady(tries)
}

// verify presents the PIN once (the resident pressed OK: stepAuth's continuation), then
// has the card sign the center's challenge. pin is the one copy taken out of the pad; it
// is zeroed right after the card saw it.
func (e *Engine) verify(pin []byte) {
	s := e.sess
	if s.device == reader.DeviceAndroid && s.authCert == nil {
		e.verifyPhone(pin)
		return
	}
	e.sign(pin)
}

// verifyPhone presents the PIN to an Android phone once, then reads the certificate it
// shows only now, and goes on to the center as for a card.
func (e *Engine) verifyPhone(pin []byte) {
	s := e.sess
	card := s.card
	e.enter(StateCenter)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		e.cardMu.Lock()
		defer e.cardMu.Unlock()
		err := card.Verify(ctx, reader.AuthPIN, pin)
		clear(pin)
		if err != nil {
			return func() { e.verifyFailed(err) }
		}
		cert, err := card.AuthCertificate(ctx)
		if err != nil {
			return func() { e.cardFailed(err) }
		}
		return func() { e.phoneCertRead(cert) }
	})
}

// phoneCertRead checks and journals the certificate an Android phone showed after its
// PIN, then has it sign the center's challenge (the PIN stays verified on the phone).
func (e *Engine) phoneCertRead(cert *x509.Certificate) {
	s := e.sess
	if p, why := e.certProblem(cert); p != ProblemNone {
		e.fail(p, why)
		return
	}
	if err := s.journal.CardChecked(); err != nil {
		e.log.Error("kiosk: journal card checked", "err", err)
		e.fail(ProblemStoreFailed, "journal")
		return
	}
	s.authCert = cert
	e.sign(nil)
}

// sign has the card sign a fresh challenge of the center over this session's request,
// after presenting pin once; a nil pin signs under the PIN verified for an earlier
// request of the same resident (another certificate), and falls back to the PIN pad
// when the card asks for it again.
func (e *Engine) sign(pin []byte) {
	s := e.sess
	card, req, kiosk := s.card, s.request(), e.o.Center.KioskID()
	e.enter(StateCenter)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		if pin != nil {
			e.cardMu.Lock()
			err := card.Verify(ctx, reader.AuthPIN, pin)
			clear(pin)
			e.cardMu.Unlock()
			if err != nil {
				return func() { e.verifyFailed(err) }
			}
		}
		ch, err := e.o.Center.Challenge(ctx)
		if err != nil {
			return func() { e.centerFailed(err) }
		}
		di, err := reader.DigestInfo(crypto.SHA256, center.Digest(ch.Challenge, kiosk, req))
		if err != nil {
			return func() { e.centerFailed(err) }
		}
		e.cardMu.Lock()
		sig, err := card.Sign(ctx, reader.AuthKey, di)
		e.cardMu.Unlock()
		if pin == nil && errors.Is(err, reader.ErrPINRequired) && s.device != reader.DeviceIPhone {
			return func() { e.pinAgain() }
		}
		if err != nil {
			return func() { e.cardFailed(err) }
		}
		return func() { e.signed(ch.Challenge, sig) }
	})
}

// pinAgain: the card no longer holds the earlier verification; the resident types the
// PIN once more (the remaining tries are those read before).
func (e *Engine) pinAgain() {
	e.log.Info("kiosk: card asks for the PIN again for another certificate")
	e.enter(StatePIN)
	e.note = NotePINAgain
	e.publish()
}

func (e *Engine) verifyFailed(err error) {
	if !e.secretRefused(err) {
		e.cardFailed(err)
	}
}

func (e *Engine) signed(challenge string, sig []byte) {
	s := e.sess
	key, err := s.journal.RequestSent(context.WithoutCancel(e.ctx))
	if err != nil {
		e.log.Error("kiosk: journal request sent", "err", err)
		e.fail(ProblemStoreFailed, "journal")
		return
	}
	s.challenge, s.issueKey = challenge, key
	in := center.Issue{Key: key, Challenge: challenge, AuthCert: s.authCert.Raw, Signature: sig, Request: s.request()}
	retries, delay := e.o.IssueRetries, e.o.RetryDelay
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		for attempt := 0; ; attempt++ {
			doc, err := e.o.Center.Issue(ctx, in)
			if err == nil {
				return func() { e.issued(doc) }
			}
			if !errors.Is(err, center.ErrRetryLater) || attempt >= retries {
				return func() { e.centerFailed(err) }
			}
			t := time.NewTimer(delay << attempt)
			select {
			case <-ctx.Done():
				t.Stop()
				return func() { e.centerFailed(ctx.Err()) }
			case <-t.C:
			}
		}
	})
}

// keep remembers the session's card for "another certificate" (a refusal of this one
// certificate); fail then ends the session as usual.
func (e *Engine) keep() {
	if s := e.sess; s != nil && s.card != nil && s.authCert != nil && e.slot.present && e.slot.card == s.card {
		until := time.Now().Add(AnotherWindow)
		if s.authenticated && s.authUntil.Before(until) {
			until = s.authUntil // the window counts from the PIN, not from each refusal
		}
		e.kept = &keptAuth{card: s.card, device: s.device, cert: s.authCert, tries: s.tries, muni: s.muni, until: until}
	}
}

func (e *Engine) centerFailed(err error) {
	e.log.Info("kiosk: center", "err", err)
	p := ProblemCenterError
	switch {
	case errors.Is(err, center.ErrRetryLater), errors.Is(err, context.DeadlineExceeded):
		p = ProblemCenterUnreachable
	case errors.Is(err, center.ErrRevoked):
		p = ProblemCardSuspended
	case errors.Is(err, center.ErrCertExpired):
		p = ProblemCertExpired
	case errors.Is(err, center.ErrCertNotYetValid):
		p = ProblemCertNotYetValid
	case errors.Is(err, center.ErrUntrustedCert), errors.Is(err, center.ErrBadSignature):
		p = ProblemCardNotAccepted
	case errors.Is(err, center.ErrResidentNotFound):
		p = ProblemResidentNotFound
	case errors.Is(err, center.ErrMovedOut):
		p = ProblemMovedOut
	case errors.Is(err, center.ErrNotEligible):
		p = ProblemNotEligible
		e.refusal = center.ReasonOf(err)
		e.keep()
	case errors.Is(err, center.ErrClosed):
		p = ProblemClosed
	}
	e.fail(p, "center: "+p.String())
}

// issued checks the document against this session once more (the center client has
// verified its signature and binding) and shows the fee.
func (e *Engine) issued(doc *center.Issued) {
	s := e.sess
	if doc == nil {
		e.fail(ProblemCenterError, "no document")
		return
	}
	d := doc.Document
	if d.Key != s.issueKey || d.Request != s.request() || d.CardFingerprint != center.Fingerprint(s.authCert.Raw) || d.Fee < 0 {
		e.fail(ProblemCenterError, "document not bound to this session")
		return
	}
	if err := s.journal.DocumentReceived(int64(d.Fee)); err != nil {
		e.log.Error("kiosk: journal document", "err", err)
		e.fail(ProblemStoreFailed, "journal")
		return
	}
	s.issued = doc
	e.enter(StateFee)
}

func (e *Engine) confirmFee() {
	s := e.sess
	fee := int64(s.issued.Document.Fee)
	if e.o.Payer == nil || fee == 0 {
		e.print(nil)
		return
	}
	e.enter(StatePaying)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		p, err := e.o.Payer.Pay(ctx, fee)
		if err != nil {
			return func() {
				e.log.Info("kiosk: payment", "err", err)
				e.fail(ProblemPaymentFailed, "payment")
			}
		}
		return func() { e.print(&p) }
	})
}

// print journals "print started" (with the payment) and sends the job.
func (e *Engine) print(pay *Payment) {
	s := e.sess
	if err := s.journal.PrintStarted(context.WithoutCancel(e.ctx), pay); err != nil {
		e.log.Error("kiosk: journal print started", "err", err)
		e.fail(ProblemStoreFailed, "journal")
		return
	}
	s.payment = pay
	job := PrintJob{Session: s.journal.ID(), Document: s.issued.Document, Payload: s.issued.Payload, Signature: s.issued.Signature}
	e.cardGone = !e.slot.present
	e.enter(StatePrinting)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		err := e.o.Printer.Print(ctx, job)
		return func() { e.printed(err) }
	})
}

func (e *Engine) printed(err error) {
	s := e.sess
	ctx := context.WithoutCancel(e.ctx)
	if err != nil {
		e.log.Warn("kiosk: print failed", "err", err)
		p := ProblemPrinterFailed
		if errors.Is(err, ErrPaperOut) || errors.Is(err, printer.ErrPaperOut) {
			p = ProblemPaperOut
		}
		reason := string(printer.ReasonOf(err))
		if errors.Is(err, ErrPaperOut) {
			reason = string(printer.ReasonPaperOut)
		}
		if jerr := s.journal.PrintFailed(ctx, reason); jerr != nil {
			e.log.Error("kiosk: journal print failed", "err", jerr)
		}
		e.fail(p, "print failed")
		return
	}
	if jerr := s.journal.Printed(ctx); jerr != nil {
		// The paper is out; the journal's close below still records the session.
		e.log.Error("kiosk: journal printed", "err", jerr)
	}
	e.offerReceipt()
	e.endSession("done")
	e.cardGone = !e.slot.present
	e.enter(StateTake)
}

func (e *Engine) publish() {
	now := e.o.Clock.Now()
	v := View{State: e.state, Screen: e.screen, Lang: e.lang, Picking: e.picking, Problem: e.problem, Refusal: e.refusal, Another: e.kept != nil, Note: e.note, MaxCopies: e.o.MaxCopies,
		Pays: e.o.Payer != nil, CardPresent: e.slot.present, CardLeftover: e.slot.present && e.slot.leftover, Deadline: e.deadline,
		TechEnabled: e.o.Technician != nil, OutOfService: e.tech.oos, NoReader: e.noReader}
	if s := e.sess; s != nil {
		v.Device = s.device
	}
	v.Municipalities = make([]MunicipalityView, len(e.o.Municipalities))
	for i, m := range e.o.Municipalities {
		v.Municipalities[i] = MunicipalityView{Code: m.Code, Name: m.Name, NameEN: m.NameEN, Open: e.muniOpen(i, now), Hours: m.Hours.String()}
	}
	if s := e.sess; s != nil {
		m := e.o.Municipalities[s.muni]
		v.Municipality = s.muni
		v.Certificates = make([]CertView, len(m.Certificates))
		for i, c := range m.Certificates {
			h := c.Hours
			if h.IsZero() {
				h = m.Hours
			}
			v.Certificates[i] = CertView{Type: c.Type, FeeYen: c.FeeYen, Available: certOpen(m, c.Type, now),
				Hours: h.String(), WeekdaysOnly: c.WeekdaysOnly}
			if cv := &v.Certificates[i]; !cv.Available {
				if from, ok := m.CertificateNextOpen(c.Type, now); ok {
					cv.From, cv.FromToday = from, sameDay(from, now)
				}
			}
		}
		v.Cert, v.Options, v.Copies = s.cert, s.opts, s.copies
		v.PINLength, v.TriesLeft, v.WrongPIN, v.KeyPage = s.pin.len(), s.tries, s.wrong, s.page
		if s.issued != nil {
			v.Fee, v.UnitFee = s.issued.Document.Fee, s.issued.Document.UnitFee
		}
	}
	_, v.PaperLeft = e.leftNow()
	if e.receipt != nil {
		v.Receipt = e.receipt.state
	}
	e.viewForms(&v)
	e.viewApp(&v)
	v.AppProblem = e.state == StateProblem && e.appProblem
	if f := e.state.spec().view; f != nil {
		f(e, &v)
	}
	e.vmu.Lock()
	e.seq++
	v.Seq = e.seq
	e.view = v
	e.vmu.Unlock()
	select {
	case e.updates <- struct{}{}:
	default:
	}
}
