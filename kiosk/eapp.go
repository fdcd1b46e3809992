package kiosk

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"madoguchi/eapp"
	"madoguchi/forms"
	"madoguchi/printer"
	"madoguchi/printer/layout"
	"madoguchi/reader"
)

// Electronic applications (電子申請): an electronic form (forms.Form.Electronic) chosen
// on the forms screen goes, after the card's four facts were read with the 券面事項入力補助
// PIN as for a prefilled form, through the fields the resident enters on the screen
// (digits, kana, a date), a review of the whole application, and the signing password
// (署名用パスワード, 6–16 of A–Z 0–9, its own 5 tries read without spending one, stepSign).
// The card then signs the canonical encoding (package eapp) with its signing key; the
// SignedData is queued for the center (ApplicationStore, store-and-forward) and a
// receipt with the application number is printed (ApplicationPrinter). What the resident
// typed lives in the session only and is wiped with it; the password is zeroed right
// after the card saw it.

// SigningCard is what an e-application needs from a card besides Card and FactsCard;
// *reader.Card has it. The card gives the signing certificate only after the signing
// password was verified.
type SigningCard interface {
	SignCertificate(ctx context.Context) (*x509.Certificate, error)
}

// ApplicationStore is implemented by the Store when the kiosk offers electronic forms:
// it queues a signed application for the center (the offline outbox's application
// kind), durably before it returns.
type ApplicationStore interface {
	QueueApplication(ctx context.Context, number string, signedData []byte) error
}

// ApplicationPrinter is implemented by the Printer when the kiosk offers electronic
// forms: it prints the receipt of a queued application.
type ApplicationPrinter interface {
	PrintApplicationReceipt(ctx context.Context, job ApplicationReceiptJob) error
}

// ApplicationReceiptJob is the receipt of one application (printer.ApplicationReceiptJob).
type ApplicationReceiptJob = printer.ApplicationReceiptJob

// EntryView is one field of an electronic form on the entry and review screens.
type EntryView struct {
	Label, LabelEN string
	Input          forms.Input
	Value          string // as entered ("" before); a date as 2006-01-02
}

// The parts of the date picker (InputDatePart's Arg).
const (
	DateYear = iota
	DateMonth
	DateDay
)

// appSession is an e-application's part of the session.
type appSession struct {
	fields []int    // the form's fields entered on the screen, by index
	values []string // what was entered, one per fields
	at     int      // the field being entered
	edit   []rune   // its text while typed (digits, kana)
	date   time.Time
	number string // once signed
	signed time.Time
	queued bool
	failed bool // the receipt did not print
}

func (a *appSession) wipe() {
	clear(a.edit)
	clear(a.values)
	*a = appSession{}
}

func (e *Engine) electronic() bool { return e.sess != nil && e.sess.forms.on && e.form().Electronic }

// startEntries begins the fields of an electronic form after its four facts were read.
func (e *Engine) startEntries() {
	a := &e.sess.app
	for i, fd := range e.form().Fields {
		if fd.Input != forms.InputNone {
			a.fields = append(a.fields, i)
		}
	}
	a.values = make([]string, len(a.fields))
	if len(a.fields) == 0 {
		e.enter(StateAppReview)
		return
	}
	e.editField(0)
}

// editField shows field i with what was entered before.
func (e *Engine) editField(i int) {
	a := &e.sess.app
	a.at = i
	e.sess.page = 0
	clear(a.edit)
	a.edit = []rune(a.values[i])
	if e.field().Input == forms.InputDate {
		a.date = e.today()
		if d, err := time.ParseInLocation(time.DateOnly, a.values[i], forms.JST); err == nil {
			a.date = d
		}
	}
	e.enter(StateAppEntry)
}

func (e *Engine) field() forms.Field { return e.form().Fields[e.sess.app.fields[e.sess.app.at]] }

// today is the kiosk's date (JST midnight); the board's clock without a known one.
func (e *Engine) today() time.Time {
	now := e.o.Clock.Now()
	if now.IsZero() {
		now = time.Now()
	}
	y, m, d := now.In(forms.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, forms.JST)
}

func (e *Engine) inputAppEntry(in Input) bool {
	a := &e.sess.app
	switch in.Kind {
	case InputDigit, InputChar, InputDelete, InputClear, InputDatePart:
		e.editEntry(in)
		return false
	case InputSelect: // the kana keyboard's row
		if in.Arg >= 0 && in.Arg < len(KanaRows) {
			e.sess.page = in.Arg
		}
		return false
	case InputNext:
		v := string(a.edit)
		if e.field().Input == forms.InputDate {
			v = a.date.Format(time.DateOnly)
		}
		if strings.TrimSpace(v) == "" {
			e.note = NoteEntryEmpty
			return false
		}
		a.values[a.at] = v
		if a.at+1 < len(a.fields) {
			e.editField(a.at + 1)
			return true
		}
		e.enter(StateAppReview)
		return true
	case InputBack:
		if a.at > 0 {
			e.editField(a.at - 1)
			return true
		}
		return false
	case InputCancel:
		e.fail(ProblemCancelled, "cancelled at application entry")
		return true
	}
	return false
}

// editEntry applies one key of the field's keyboard; keys of another keyboard are dropped.
func (e *Engine) editEntry(in Input) {
	a := &e.sess.app
	kind := e.field().Input
	switch {
	case in.Kind == InputDelete && len(a.edit) > 0:
		a.edit[len(a.edit)-1] = 0
		a.edit = a.edit[:len(a.edit)-1]
	case in.Kind == InputClear:
		clear(a.edit)
		a.edit = a.edit[:0]
	case kind == forms.InputDigits && in.Kind == InputDigit && in.Arg >= 0 && in.Arg <= 9 && len(a.edit) < forms.MaxDigits:
		a.edit = append(a.edit, rune('0'+in.Arg))
	case kind == forms.InputKana && in.Kind == InputChar:
		a.edit = typeKana(a.edit, rune(in.Arg))
	case kind == forms.InputDate && in.Kind == InputDatePart:
		a.date = stepDate(a.date, in.Arg, in.On)
	}
}

// The kana keyboard's marks: the voiced (゛) and semi-voiced (゜) marks change the last
// letter; the long-vowel mark and the letters are typed.
const (
	KanaVoiced     = '゛'
	KanaSemiVoiced = '゜'
	KanaSmall      = '小' // makes the last letter small (ツ→ッ) or large again
)

// KanaRows are the 50-on keyboard's rows (行): the screens show the row keys, and the
// letters of the row chosen (View.KeyPage, InputSelect).
var KanaRows = [...]string{"アイウエオ", "カキクケコ", "サシスセソ", "タチツテト", "ナニヌネノ", "ハヒフヘホ", "マミムメモ",
	"ヤユヨ", "ラリルレロ", "ワヲン"}

// KanaExtra are the keys besides the letters and marks: the long-vowel mark and a
// (full-width) space.
const KanaExtra = "ー　"

// KanaLetters are every letter key of the kana keyboard.
var KanaLetters = strings.Join(KanaRows[:], "") + KanaExtra

// The kana keyboard's letter pairs: plain → voiced, semi-voiced, small.
var (
	voicedOf     = pairs("カガキギクグケゲコゴサザシジスズセゼソゾタダチヂツヅテデトドハバヒビフブヘベホボウヴ")
	semiVoicedOf = pairs("ハパヒピフプヘペホポ")
	smallOf      = pairs("アァイィウゥエェオォツッヤャユュヨョ")
	plainOf      = func() map[rune]rune {
		m := map[rune]rune{}
		for _, of := range []map[rune]rune{voicedOf, semiVoicedOf, smallOf} {
			for p, q := range of {
				m[q] = p
			}
		}
		return m
	}()
)

func pairs(s string) map[rune]rune {
	r := []rune(s)
	m := make(map[rune]rune, len(r)/2)
	for i := 0; i+1 < len(r); i += 2 {
		m[r[i]] = r[i+1]
	}
	return m
}

// typeKana applies one key of the kana keyboard to text: a letter is appended; a mark
// turns the last letter into its marked form, or back into the plain one when it has
// that mark already (カ゛→ガ, ガ゛→カ, バ゜→パ).
func typeKana(text []rune, k rune) []rune {
	var of map[rune]rune
	switch k {
	case KanaVoiced:
		of = voicedOf
	case KanaSemiVoiced:
		of = semiVoicedOf
	case KanaSmall:
		of = smallOf
	default:
		if strings.ContainsRune(KanaLetters, k) && len(text) < forms.MaxKana {
			return append(text, k)
		}
		return text
	}
	n := len(text)
	if n == 0 {
		return text
	}
	last := text[n-1]
	plain := last
	if p, ok := plainOf[last]; ok {
		plain = p
	}
	switch {
	case of[plain] == last:
		text[n-1] = plain
	case of[plain] != 0:
		text[n-1] = of[plain]
	}
	return text
}

// stepDate moves one part of d up or down, keeping a real date (the day is clamped to
// the month) within the years 1900 to 2100.
func stepDate(d time.Time, part int, up bool) time.Time {
	n := -1
	if up {
		n = 1
	}
	y, m, day := d.Date()
	switch part {
	case DateYear:
		y += n
	case DateMonth:
		m += time.Month(n)
		if m < time.January {
			m = time.December
		} else if m > time.December {
			m = time.January
		}
	case DateDay:
		last := time.Date(y, m+1, 0, 0, 0, 0, 0, forms.JST).Day()
		day += n
		if day < 1 {
			day = last
		} else if day > last {
			day = 1
		}
	default:
		return d
	}
	y = min(max(y, 1900), 2100)
	if last := time.Date(y, m+1, 0, 0, 0, 0, 0, forms.JST).Day(); day > last {
		day = last
	}
	return time.Date(y, m, day, 0, 0, 0, 0, forms.JST)
}

func (e *Engine) inputAppReview(in Input) bool {
	a := &e.sess.app
	switch in.Kind {
	case InputNext:
		e.readTries(stepSign)
		return true
	case InputBack:
		if len(a.fields) > 0 {
			e.editField(len(a.fields) - 1)
			return true
		}
	case InputCancel:
		e.fail(ProblemCancelled, "cancelled at application review")
		return true
	}
	return false
}

// application is the application the resident reviewed, to be signed at at.
func (e *Engine) application(at time.Time) eapp.Application {
	s := e.sess
	f := e.form()
	app := eapp.Application{Number: newAppNumber(at), Municipality: e.o.Municipalities[s.forms.ref.muni].Code,
		Form: f.ID, Kiosk: e.o.Center.KioskID(), Signed: at.Truncate(time.Second)}
	for i, fi := range s.app.fields {
		app.Entries = append(app.Entries, eapp.Entry{Label: f.Fields[fi].Label, Value: s.app.values[i]})
	}
	return app
}

// newAppNumber is a fresh application number: the JST date and 16 random hex digits.
func newAppNumber(at time.Time) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return at.In(forms.JST).Format("20060102") + "-" + strings.ToUpper(hex.EncodeToString(b))
}

// signApplication is stepSign's continuation: it presents the password once (the
// resident pressed OK), reads the signing certificate, and has the card sign the
// application's canonical encoding. The password is zeroed right after the card saw it.
func (e *Engine) signApplication(pw []byte) {
	s := e.sess
	card, ok := s.card.(SigningCard)
	if !ok {
		clear(pw)
		e.fail(ProblemCardUnreadable, "card cannot read the signing certificate")
		return
	}
	at := e.o.Clock.Now()
	if at.IsZero() {
		at = time.Now() // the signing time; without a known clock the board's
	}
	app := e.application(at)
	content, err := app.Canonical()
	if err != nil {
		clear(pw)
		e.log.Error("kiosk: application", "err", err)
		e.fail(ProblemCardUnreadable, "application cannot be encoded")
		return
	}
	signer := s.card
	e.enter(StateAppSigning)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		e.cardMu.Lock()
		defer e.cardMu.Unlock()
		err := signer.Verify(ctx, reader.SignPIN, pw)
		clear(pw)
		if err != nil {
			return func() { e.signFailed(err) }
		}
		cert, err := card.SignCertificate(ctx)
		if err != nil {
			return func() { e.cardFailed(err) }
		}
		sd, err := eapp.SignedData(content, cert, app.Signed, func(di []byte) ([]byte, error) {
			return signer.Sign(ctx, reader.SignKey, di)
		})
		if err != nil {
			return func() { e.cardFailed(err) }
		}
		return func() { e.applicationSigned(app, cert, sd) }
	})
}

func (e *Engine) signFailed(err error) {
	if !e.secretRefused(err) {
		e.cardFailed(err)
	}
}

// applicationSigned queues the signed application and prints its receipt.
func (e *Engine) applicationSigned(app eapp.Application, cert *x509.Certificate, sd []byte) {
	s := e.sess
	if p, why := e.certProblem(cert); p != ProblemNone {
		e.fail(p, "signing "+why)
		return
	}
	st, ok := e.o.Store.(ApplicationStore)
	if !ok {
		e.fail(ProblemStoreFailed, "no application store")
		return
	}
	if err := st.QueueApplication(context.WithoutCancel(e.ctx), app.Number, sd); err != nil {
		e.log.Error("kiosk: queue application", "err", err)
		e.fail(ProblemStoreFailed, "queue application")
		return
	}
	s.app.number, s.app.signed, s.app.queued = app.Number, app.Signed, true
	e.log.Info("kiosk: application queued", "form", app.Form, "number", app.Number)
	m := e.o.Municipalities[s.forms.ref.muni]
	job := ApplicationReceiptJob{Number: app.Number, MunicipalityName: m.Name, Kiosk: app.Kiosk, Form: e.form(), Signed: app.Signed}
	for _, en := range app.Entries {
		job.Entries = append(job.Entries, layout.FormRow{Label: en.Label, Value: en.Value, Lines: 1})
	}
	pr, _ := e.o.Printer.(ApplicationPrinter) // checked by New
	e.cardGone = !e.slot.present
	e.enter(StateAppPrinting)
	e.spawn(&s.work, untilStateTimeout, func(ctx context.Context) func() {
		err := pr.PrintApplicationReceipt(ctx, job)
		return func() { e.receiptPrinted(err) }
	})
}

// receiptPrinted ends the session: the application is queued whether or not its
// receipt printed; without one the take screen shows the number to note.
func (e *Engine) receiptPrinted(err error) {
	s := e.sess
	if err != nil {
		e.log.Warn("kiosk: application receipt failed", "err", err)
	}
	number, failed := s.app.number, err != nil
	e.endSession("application queued")
	e.appDone = &appDone{number: number, failed: failed}
	e.cardGone = !e.slot.present
	e.enter(StateAppTake)
}

// appDone is what the take screen of an e-application shows after its session ended.
type appDone struct {
	number string
	failed bool // the receipt did not print
}

func (e *Engine) expireAppPrinting() {
	e.receiptPrinted(errors.New("receipt print timeout"))
}

// viewApp adds an e-application's fields to the View.
func (e *Engine) viewApp(v *View) {
	if e.state == StateAppTake {
		if d := e.appDone; d != nil {
			v.AppNumber, v.AppReceiptFailed = d.number, d.failed
		}
		return
	}
	s := e.sess
	if s == nil || !e.electronic() {
		return
	}
	v.Electronic = true
	f := e.form()
	a := &s.app
	for i, fi := range a.fields {
		fd := f.Fields[fi]
		v.Entries = append(v.Entries, EntryView{Label: fd.Label, LabelEN: fd.LabelEN, Input: fd.Input, Value: a.values[i]})
	}
	switch e.state {
	case StateAppEntry:
		v.EntryAt = a.at
		v.EntryText = string(a.edit)
		if e.field().Input == forms.InputDate {
			v.EntryDate = a.date
		}
	case StateAppReview:
		if fs := s.forms.facts; fs != nil {
			for _, fd := range f.Fields {
				if fd.Source != forms.SourceNone {
					v.Facts = append(v.Facts, FactView{Label: fd.Label, LabelEN: fd.LabelEN, Value: fs.Value(fd.Source)})
				}
			}
		}
	}
}

// electronicForms reports whether a municipality offers an electronic form.
func (o Options) electronicForms() bool {
	for _, r := range o.formList() {
		if o.Municipalities[r.muni].Forms[r.form].Electronic {
			return true
		}
	}
	return false
}
