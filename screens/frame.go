package screens

// The frame every screen is laid out in: header, body, footer buttons, the countdown,
// and the table of which screen each engine state shows.

import (
	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// button is a touch target: a filled rectangle with one or two centred lines.
type button struct {
	r       rect
	in      kiosk.Input
	label   string
	sub     string
	st      tcell.Style
	primary bool  // Enter activates it
	tech    int   // index+1 of a technician action; 0 for the resident's buttons
	bg      bool  // the background of a screen (idle): lowest priority, not focusable
	act     uiAct // a screen's own button (voice, volume): no engine input
	header  bool  // in the header: last in the keypad's focus order
}

// frame lays out one screen.
type frame struct {
	c       *canvas
	v       kiosk.View
	l       kiosk.Lang
	w, h    int // the resident's area (the technician bar is below it)
	body    rect
	buttons []button
	vs      uiModes
}

func (f *frame) t(m msg) string {
	if f.easy() {
		if e, ok := easyTexts[m.ja]; ok {
			return e
		}
	}
	return m.in(f.l)
}

func (f *frame) add(b button) {
	if f.easy() && b.sub == "" {
		b.sub = furigana[b.label]
	}
	f.buttons = append(f.buttons, b)
}

func (f *frame) drawButton(b button, focused bool) {
	st := b.st
	if focused {
		st = st.Underline(true).Reverse(true)
	}
	if b.bg {
		return
	}
	f.c.fill(b.r, st)
	inner := rect{b.r.x + 1, b.r.y, b.r.w - 2, b.r.h}
	mid := b.r.y + (b.r.h-1)/2
	if b.sub != "" && b.r.h >= 2 {
		mid = b.r.y + (b.r.h-2)/2
		if b.r.h >= 3 && (b.r.h-2)%2 == 1 {
			mid = b.r.y + (b.r.h-1)/2
			if mid+1 >= b.r.y+b.r.h {
				mid--
			}
		}
		f.c.center(inner, mid, b.label, st)
		f.c.center(inner, mid+1, b.sub, st.Bold(false))
		return
	}
	f.c.center(inner, mid, b.label, st)
}

// footer places up to two buttons on the left and one on the right, 3 rows high.
func (f *frame) footer(left []button, right *button) {
	y := f.h - 3
	bw := f.footerWidth()
	x := 1
	for _, b := range left {
		b.r = rect{x, y, bw, 3}
		f.add(b)
		x += bw + 2
	}
	if right != nil {
		right.r = rect{f.w - 1 - bw, y, bw, 3}
		f.add(*right)
	}
}

// footerWidth is the width of a footer button.
func (f *frame) footerWidth() int { return min(max(f.w/5, 12), 24) }

// footerMiddle places one button in the middle of the footer row, as wide as the
// footer's other buttons.
func (f *frame) footerMiddle(b button) {
	bw := f.footerWidth()
	b.r = rect{(f.w - bw) / 2, f.h - 3, bw, 3}
	f.add(b)
}

func (f *frame) cancel() button {
	return button{in: kiosk.Input{Kind: kiosk.InputCancel}, label: f.t(btnCancel), st: stCancel}
}

func (f *frame) back() button {
	return button{in: kiosk.Input{Kind: kiosk.InputBack}, label: f.t(btnBack), st: stCancel}
}

// message is a screen of one bold line and one explanation, centred.
func (f *frame) message(title, sub msg) {
	b := f.body
	y := b.y + b.h/2 - 2
	n := f.c.para(rect{2, y, f.w - 4, 2}, f.t(title), stBold)
	f.c.para(rect{4, y + n + 1, f.w - 8, 3}, f.t(sub), stBody)
}

func (f *frame) note() {
	var m msg
	switch f.v.Note {
	case kiosk.NoteUnavailable:
		m = txtUnavail
	case kiosk.NoteNeed4Digits:
		m = txtNeed4
	case kiosk.NoteMaxCopies:
		f.c.para(rect{2, f.h - 4, f.w - 4, 1}, fmtMaxCopies.format(f.l, f.v.MaxCopies), stWarn)
		return
	default:
		return
	}
	f.c.para(rect{2, f.h - 4, f.w - 4, 1}, f.t(m), stWarn)
}

// CountdownFrom is how many seconds before a screen's timeout the countdown appears.
const CountdownFrom = 10

// screenOf is the screen each engine state shows; every kiosk.State has one (tested).
var screenOf = map[kiosk.State]func(*frame){
	kiosk.StateIdle:         (*frame).idle,
	kiosk.StateMunicipality: (*frame).municipality,
	kiosk.StateChoose:       (*frame).choose,
	kiosk.StateOptions:      (*frame).options,
	kiosk.StatePlaceCard:    (*frame).placeCard,
	kiosk.StateReadingCard:  func(f *frame) { f.message(txtReading, txtDontMove) },
	kiosk.StatePIN:          (*frame).pin,
	kiosk.StateCenter:       func(f *frame) { f.message(txtCenter, txtKeepCard) },
	kiosk.StateFee:          (*frame).fee,
	kiosk.StatePaying:       (*frame).paying,
	kiosk.StatePrinting:     func(f *frame) { f.message(txtPrinting, txtPrintWait) },
	kiosk.StateTake:         (*frame).take,
	kiosk.StateProblem:      (*frame).problem,
	kiosk.StateTechPIN:      (*frame).techPIN,
	kiosk.StateTech:         (*frame).techMenu,
	kiosk.StateFormChoose:   (*frame).formChoose,
	kiosk.StateFormCard:     (*frame).placeCard,
	kiosk.StateFormReading:  func(f *frame) { f.message(txtReading, txtDontMove) },
	kiosk.StateFormPIN:      (*frame).formPIN,
	kiosk.StateFormFacts:    func(f *frame) { f.message(txtFormReading, txtDontMove) },
	kiosk.StateFormConfirm:  (*frame).formConfirm,
	kiosk.StateFormPrinting: func(f *frame) { f.message(txtFormPrinting, txtPrintWait) },
	kiosk.StateFormTake:     (*frame).formTake,

	kiosk.StateAppEntry:           (*frame).appEntry,
	kiosk.StateAppReview:          (*frame).appReview,
	kiosk.StateAppPasswordReading: func(f *frame) { f.message(txtSignReading, txtDontMove) },
	kiosk.StateAppPassword:        (*frame).appPassword,
	kiosk.StateAppSigning:         func(f *frame) { f.message(txtSigning, txtDontMove) },
	kiosk.StateAppPrinting:        func(f *frame) { f.message(txtAppPrinting, txtPrintWait) },
	kiosk.StateAppTake:            (*frame).appTake,
}

// render draws v and returns its touch targets. remain > 0 shows "ending in remain
// seconds" and a 続ける button in the header, on the screens that wait for the resident.
func render(scr tcell.Screen, v kiosk.View, tech []TechAction, focus, remain int) ([]button, []string) {
	return renderWith(scr, v, tech, focus, remain, uiModes{})
}

// renderWith is render with the UI's own modes (the voice guide's buttons, the display
// switches and modes).
func renderWith(scr tcell.Screen, v kiosk.View, tech []TechAction, focus, remain int, vs uiModes) ([]button, []string) {
	sw, sh := scr.Size()
	h := sh
	if len(tech) > 0 {
		h--
	}
	c := &canvas{s: scr, contrast: vs.Contrast}
	scr.SetStyle(c.style(stBody))
	c.fill(rect{0, 0, sw, sh}, stBody)
	if sw < MinWidth || h < MinHeight {
		tooSmall(c, sw, sh)
		return nil, nil
	}
	// The layout is made for MinWidth×MinHeight up to MaxWidth×MaxHeight; a larger panel
	// gets it centred, with its background and header across the whole screen.
	w, hh := min(sw, MaxWidth), min(h, MaxHeight)
	c.ox, c.oy = (sw-w)/2, (h-hh)/2
	h = hh
	f := &frame{c: c, v: v, l: v.Lang, w: w, h: h, body: rect{0, 3, w, h - 6}, vs: vs}
	if !f.l.Valid() {
		f.l = kiosk.LangJA
	}

	// Header with the language switch, on every screen.
	c.fill(rect{-c.ox, 0, sw, 3}, stHeader)
	title := f.t(txtService)
	if v.FormsSession {
		title = f.t(txtFormService)
	}
	if len(v.Municipalities) > 0 && v.State != kiosk.StateIdle && v.State != kiosk.StateMunicipality {
		title = muniName(v.Municipalities[min(max(v.Municipality, 0), len(v.Municipalities)-1)], f.l) + "  " + title
	}
	f.add(button{r: rect{w - 16, 0, 16, 3}, in: kiosk.Input{Kind: kiosk.InputPickLanguage}, label: langButton, st: stLang, header: true})
	x := f.contrastButton(w - 16 - 1) // the header's buttons end at x, leftwards
	if remain > 0 && v.State.WaitsForResident() {
		// The countdown's own place: the header, instead of the title, with 続ける
		// beside it (any touch extends the time too).
		bw := f.footerWidth()
		f.add(button{r: rect{x - bw, 0, bw, 3}, in: kiosk.Input{Kind: kiosk.InputContinue}, label: f.t(btnContinue), st: stPrimary, header: true})
		c.text(2, 1, x-bw-3, countdownText(remain, f.l), stCountdown)
	} else {
		x = f.volumeButtons(x)
		if textWidth(title) > x-3 { // a crowded header keeps the service's name only
			title = f.t(txtService)
		}
		c.text(2, 1, x-3, title, stHeader)
	}

	if v.Picking {
		f.languagePicker()
	} else if draw, ok := screenOf[v.State]; ok {
		draw(f)
	}
	// From here on, screen coordinates: the buttons for hit-testing, the technician bar
	// along the screen's last row.
	for i := range f.buttons {
		f.buttons[i].r.x += c.ox
		f.buttons[i].r.y += c.oy
	}
	c.ox, c.oy, f.w = 0, 0, sw
	if len(tech) > 0 {
		f.techBar(tech, sh-1)
	}
	for i, b := range f.buttons {
		f.drawButton(b, i == focus)
	}
	return f.buttons, c.overflow
}

// The sizes the layout is made for, in cells. Below the minimum the screen says so (to
// the technician who set the terminal up) and offers no button; above the maximum the
// layout is centred.
const (
	MinWidth, MinHeight = 80, 23 // 80×24 with the demo's technician bar
	MaxWidth, MaxHeight = 120, 40
)

// tooSmall fills the screen with what is wrong, in both languages.
func tooSmall(c *canvas, w, h int) {
	lines := append(wrap(fmtTooSmall.format(kiosk.LangJA, w, h, MinWidth, MinHeight), w),
		wrap(fmtTooSmall.format(kiosk.LangEN, w, h, MinWidth, MinHeight), w)...)
	for i, l := range lines {
		if i < h {
			c.text(0, i, w, l, stWarn)
		}
	}
	c.overflow = nil
}
