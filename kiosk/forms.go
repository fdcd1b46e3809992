package kiosk

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"time"

	"madoguchi/forms"
	"madoguchi/printer"
	"madoguchi/reader"
)

// Prefilled forms (申請書作成): the second service of the idle screen. The resident picks
// a form the municipality defined (config [[municipality.form]]), places the card, types
// the 4-digit PIN of the 券面事項入力補助AP (its own counter, read without spending a try),
// and the card's four facts are read and checked against the card's signature
// (reader.Card.ReadFourFacts with Options.TextIssuerKey). The resident confirms them and
// the kiosk prints the form (FormPrinter) with a QR code signed by the kiosk's key. No
// center is asked and nothing personal is journaled: only the audit event
// "form_printed" with the form's id, the municipality and the time (AuditStore). The
// facts live in the session until it ends, when it is wiped like every session.

// FactsCard is what the forms service needs from a card besides Card; *reader.Card has
// it. Its one method verifies the text AP's PIN (one try, spent only because the resident
// pressed OK) and reads the four facts, checked against the card's signature.
type FactsCard interface {
	ReadFourFacts(ctx context.Context, pin []byte, jlis *rsa.PublicKey) (*reader.FourFacts, error)
}

// FormPrinter is optionally implemented by the Printer: it prints a prefilled form. The
// errors are those of Printer.Print.
type FormPrinter interface {
	PrintForm(ctx context.Context, job FormJob) error
}

// FormJob is one prefilled form to print (printer.FormJob).
type FormJob = printer.FormJob

// AuditStore is optionally implemented by the Store: an audit event outside a certificate
// session (a printed form). The detail never holds personal data.
type AuditStore interface {
	Audit(ctx context.Context, event string, detail map[string]any) error
}

// EventFormPrinted is the audit event of a printed form: detail "form" (its id),
// "municipality" (code) and "at" (RFC 3339). Nothing else.
const EventFormPrinted = "form_printed"

// FormView is one form on the form-choose screen.
type FormView struct {
	Title, TitleEN string
	Municipality   int  // index into View.Municipalities
	Available      bool // its municipality is open now
	Electronic     bool // an electronic application, signed at the kiosk (eapp.go)
}

// FactView is one of the four facts on the confirm screen: the label of the form's
// field and the value as it will be printed.
type FactView struct {
	Label, LabelEN string
	Value          string
}

// formRef names one form of the configuration.
type formRef struct{ muni, form int }

// formList lists every form the kiosk offers, in the configuration's order.
func (o Options) formList() []formRef {
	var refs []formRef
	for i, m := range o.Municipalities {
		for j := range m.Forms {
			refs = append(refs, formRef{i, j})
		}
	}
	return refs
}

// formsSession is a forms session's part of the session.
type formsSession struct {
	on    bool // this session is a forms session
	ref   formRef
	facts *forms.Facts // read and checked; nil before
}

func (e *Engine) form() forms.Form {
	r := e.sess.forms.ref
	return e.o.Municipalities[r.muni].Forms[r.form]
}

// startForms begins a forms session from the idle screen.
func (e *Engine) startForms() {
	if len(e.forms) == 0 {
		return
	}
	if !e.ready() {
		return
	}
	now := e.o.Clock.Now()
	open := false
	for _, r := range e.forms {
		open = open || e.muniOpen(r.muni, now)
	}
	if !open {
		e.fail(ProblemClosed, "closed")
		return
	}
	e.newSession()
	e.sess.forms.on = true
	e.enter(StateFormChoose)
}

func (e *Engine) inputFormChoose(in Input) bool {
	switch in.Kind {
	case InputSelect:
		if in.Arg >= 0 && in.Arg < len(e.forms) && e.muniOpen(e.forms[in.Arg].muni, e.o.Clock.Now()) {
			s := e.sess
			s.forms.ref = e.forms[in.Arg]
			s.muni = s.forms.ref.muni
			e.enter(StateFormCard)
			e.formReadCard()
			return true
		}
		e.note = NoteUnavailable
	case InputBack, InputCancel:
		e.quit("cancelled")
		return true
	}
	return false
}

func (e *Engine) inputFormCard(in Input) bool {
	switch in.Kind {
	case InputBack:
		e.enter(StateFormChoose)
		return true
	case InputCancel:
		e.quit("cancelled")
		return true
	}
	return false
}

// formReadCard identifies the card on the reader (phones carry no 券面事項入力補助AP) and
// reads the text AP PIN's remaining tries without spending one (secret.go).
func (e *Engine) formReadCard() { e.readTries(stepFormText) }

// readFacts presents the PIN once and reads the four facts; the PIN is zeroed right
// after the card saw it.
func (e *Engine) readFacts(pin []byte) {
	s := e.sess
	card, ok := s.card.(FactsCard)
	if !ok {
		clear(pin)
		e.fail(ProblemCardUnreadable, "card cannot read the four facts")
		return
	}
	key := e.o.TextIssuerKey
	e.enter(StateFormFacts)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		e.cardMu.Lock()
		f, err := card.ReadFourFacts(ctx, pin, key)
		clear(pin)
		e.cardMu.Unlock()
		if err != nil {
			return func() { e.factsFailed(err) }
		}
		facts := forms.Facts{Name: f.Name, Address: f.Address, BirthDate: f.BirthDate, Sex: f.Sex}
		*f = reader.FourFacts{}
		return func() { e.factsRead(facts) }
	})
}

func (e *Engine) factsFailed(err error) {
	switch {
	case e.secretRefused(err):
	case errors.Is(err, reader.ErrSignatureInvalid):
		e.log.Warn("kiosk: the card's four facts do not verify")
		e.fail(ProblemCardNotAccepted, "four facts signature")
	default:
		e.cardFailed(err)
	}
}

func (e *Engine) factsRead(f forms.Facts) {
	if err := f.Check(); err != nil {
		e.log.Warn("kiosk: the card's four facts cannot be printed")
		e.fail(ProblemCardUnreadable, "four facts unprintable")
		return
	}
	e.sess.forms.facts = &f
	if e.form().Electronic {
		e.startEntries()
		return
	}
	e.enter(StateFormConfirm)
}

func (e *Engine) inputFormConfirm(in Input) bool {
	switch in.Kind {
	case InputNext:
		e.printForm()
		return true
	case InputCancel:
		e.fail(ProblemCancelled, "cancelled at form confirm")
		return true
	}
	return false
}

// printForm sends the form to the printer.
func (e *Engine) printForm() {
	s := e.sess
	fp, ok := e.o.Printer.(FormPrinter)
	if !ok || s.forms.facts == nil {
		e.fail(ProblemPrinterFailed, "no form printer")
		return
	}
	m := e.o.Municipalities[s.forms.ref.muni]
	at := e.o.Clock.Now()
	if at.IsZero() {
		at = time.Now() // the form says when it was made; without a known clock this is the board's
	}
	job := FormJob{Session: newFormID(), MunicipalityCode: m.Code, MunicipalityName: m.Name,
		Kiosk: e.o.Center.KioskID(), Form: e.form(), Facts: *s.forms.facts, At: at}
	e.cardGone = !e.slot.present
	e.enter(StateFormPrinting)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		err := fp.PrintForm(ctx, job)
		return func() { e.formPrinted(job, err) }
	})
}

func (e *Engine) formPrinted(job FormJob, err error) {
	if err != nil {
		e.log.Warn("kiosk: form print failed", "err", err)
		p := ProblemPrinterFailed
		if errors.Is(err, ErrPaperOut) || errors.Is(err, printer.ErrPaperOut) {
			p = ProblemPaperOut
		}
		e.fail(p, "form print failed")
		return
	}
	detail := map[string]any{"form": job.Form.ID, "municipality": job.MunicipalityCode,
		"at": job.At.In(forms.JST).Format(time.RFC3339)}
	if as, ok := e.o.Store.(AuditStore); ok {
		if err := as.Audit(context.WithoutCancel(e.ctx), EventFormPrinted, detail); err != nil {
			e.log.Warn("kiosk: audit form printed", "err", err)
		}
	}
	e.log.Info("kiosk: form printed", "form", job.Form.ID)
	e.endSession("form printed")
	e.cardGone = !e.slot.present
	e.enter(StateFormTake)
}

// newFormID names one form's print job (the printer's transaction id).
func newFormID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// viewForms adds the forms to every View.
func (e *Engine) viewForms(v *View) {
	now := e.o.Clock.Now()
	for _, r := range e.forms {
		f := e.o.Municipalities[r.muni].Forms[r.form]
		v.Forms = append(v.Forms, FormView{Title: f.Title, TitleEN: f.TitleEN, Municipality: r.muni,
			Available: e.muniOpen(r.muni, now), Electronic: f.Electronic})
	}
	s := e.sess
	if s == nil || !s.forms.on {
		return
	}
	v.FormsSession = true
	if e.state == StateFormChoose {
		return
	}
	f := e.form()
	v.FormTitle, v.FormTitleEN = f.Title, f.TitleEN
	if e.state == StateFormConfirm && s.forms.facts != nil {
		for _, fd := range f.Fields {
			if fd.Source != forms.SourceNone {
				v.Facts = append(v.Facts, FactView{Label: fd.Label, LabelEN: fd.LabelEN, Value: s.forms.facts.Value(fd.Source)})
			}
		}
	}
}
