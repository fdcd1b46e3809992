package screens

import (
	"fmt"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// Colours: dark text on white, white text on strong colours; contrast for a public
// terminal read from standing and seated positions.
var (
	colNavy   = tcell.NewRGBColor(0x10, 0x2a, 0x5c)
	colBlue   = tcell.NewRGBColor(0x00, 0x46, 0xa0)
	colGreen  = tcell.NewRGBColor(0x00, 0x6e, 0x32)
	colTeal   = tcell.NewRGBColor(0x00, 0x6a, 0x7a)
	colGray   = tcell.NewRGBColor(0x5a, 0x5a, 0x5a)
	colLight  = tcell.NewRGBColor(0xdc, 0xdc, 0xdc)
	colDim    = tcell.NewRGBColor(0x6e, 0x6e, 0x6e)
	colRed    = tcell.NewRGBColor(0xb4, 0x00, 0x00)
	colCream  = tcell.NewRGBColor(0xff, 0xf4, 0xc8)
	colCardBg = tcell.NewRGBColor(0xc8, 0xdc, 0xf0)
	colBlack  = tcell.NewRGBColor(0x00, 0x00, 0x00)
	colWhite  = tcell.NewRGBColor(0xff, 0xff, 0xff)

	stBody     = tcell.StyleDefault.Background(colWhite).Foreground(colBlack)
	stBold     = stBody.Bold(true)
	stWarn     = stBody.Foreground(colRed).Bold(true)
	stHeader   = tcell.StyleDefault.Background(colNavy).Foreground(colWhite).Bold(true)
	stLang     = tcell.StyleDefault.Background(colTeal).Foreground(colWhite).Bold(true)
	stPrimary  = tcell.StyleDefault.Background(colGreen).Foreground(colWhite).Bold(true)
	stNormal   = tcell.StyleDefault.Background(colBlue).Foreground(colWhite).Bold(true)
	stCancel   = tcell.StyleDefault.Background(colGray).Foreground(colWhite).Bold(true)
	stOff      = tcell.StyleDefault.Background(colLight).Foreground(colBlack)
	stDisabled = tcell.StyleDefault.Background(colLight).Foreground(colDim)
	stPIN      = tcell.StyleDefault.Background(colCream).Foreground(colBlack).Bold(true)
	stCard     = tcell.StyleDefault.Background(colCardBg).Foreground(colNavy).Bold(true)
	stTech     = tcell.StyleDefault.Background(colBlack).Foreground(tcell.NewRGBColor(0xff, 0xd2, 0x00))
)

// button is a touch target: a filled rectangle with one or two centred lines.
type button struct {
	r       rect
	in      kiosk.Input
	label   string
	sub     string
	st      tcell.Style
	primary bool // Enter activates it
	tech    int  // index+1 of a technician action; 0 for the resident's buttons
	bg      bool // the background of a screen (idle): lowest priority, not focusable
}

// frame lays out one screen.
type frame struct {
	c       *canvas
	v       kiosk.View
	l       kiosk.Lang
	w, h    int // the resident's area (the technician bar is below it)
	body    rect
	buttons []button
}

func (f *frame) t(m msg) string { return m.in(f.l) }

func (f *frame) add(b button) {
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
	bw := min(max(f.w/5, 12), 20)
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

func (f *frame) cancel() button {
	return button{in: kiosk.Input{Kind: kiosk.InputCancel}, label: f.t(btnCancel), st: stCancel}
}

func (f *frame) back() button {
	return button{in: kiosk.Input{Kind: kiosk.InputBack}, label: f.t(btnBack), st: stCancel}
}

// CountdownFrom is how many seconds before a screen's timeout the countdown appears.
const CountdownFrom = 10

// countdownStates are the screens waiting for the resident, where a countdown helps.
func countdownState(st kiosk.State) bool {
	switch st {
	case kiosk.StateMunicipality, kiosk.StateChoose, kiosk.StateOptions, kiosk.StatePlaceCard, kiosk.StatePIN,
		kiosk.StateFee, kiosk.StateTake, kiosk.StateProblem:
		return true
	}
	return false
}

// render draws v and returns its touch targets. remain > 0 shows "ending in remain
// seconds" in the footer.
func render(scr tcell.Screen, v kiosk.View, tech []TechAction, focus, remain int) ([]button, []string) {
	w, h := scr.Size()
	if len(tech) > 0 {
		h--
	}
	c := &canvas{s: scr}
	f := &frame{c: c, v: v, l: v.Lang, w: w, h: h, body: rect{0, 3, w, h - 6}}
	if f.l != kiosk.LangEN {
		f.l = kiosk.LangJA
	}
	scr.SetStyle(stBody)
	c.fill(rect{0, 0, w, h}, stBody)

	// Header with the language switch, on every screen.
	c.fill(rect{0, 0, w, 3}, stHeader)
	title := f.t(txtService)
	if len(v.Municipalities) > 0 && v.State != kiosk.StateIdle && v.State != kiosk.StateMunicipality {
		title = v.Municipalities[min(max(v.Municipality, 0), len(v.Municipalities)-1)].Name + "  " + title
	}
	c.text(2, 1, w-20, title, stHeader)
	f.add(button{r: rect{w - 16, 0, 16, 3}, in: kiosk.Input{Kind: kiosk.InputLanguage}, label: f.t(txtLangButton), st: stLang})

	switch v.State {
	case kiosk.StateIdle:
		f.idle()
	case kiosk.StateMunicipality:
		f.municipality()
	case kiosk.StateChoose:
		f.choose()
	case kiosk.StateOptions:
		f.options()
	case kiosk.StatePlaceCard:
		f.placeCard()
	case kiosk.StateReadingCard:
		f.message(txtReading, txtDontMove)
	case kiosk.StatePIN:
		f.pin()
	case kiosk.StateCenter:
		f.message(txtCenter, txtKeepCard)
	case kiosk.StateFee:
		f.fee()
	case kiosk.StatePaying:
		f.paying()
	case kiosk.StatePrinting:
		f.message(txtPrinting, txtPrintWait)
	case kiosk.StateTake:
		f.take()
	case kiosk.StateProblem:
		f.problem()
	case kiosk.StateTechPIN:
		f.techPIN()
	case kiosk.StateTech:
		f.techMenu()
	}
	if remain > 0 && countdownState(v.State) {
		f.c.center(rect{0, 0, w, 1}, h-2, countdownText(remain, f.l), stWarn)
	}
	if len(tech) > 0 {
		f.techBar(tech, h)
	}
	for i, b := range f.buttons {
		f.drawButton(b, i == focus)
	}
	return f.buttons, c.overflow
}

func (f *frame) techBar(tech []TechAction, y int) {
	f.c.fill(rect{0, y, f.w, 1}, stTech)
	x := 1
	for i, a := range tech {
		label := a.Label
		if name := keyName(a.Key); name != "" {
			label = name + " " + label
		}
		bw := textWidth(label) + 2
		if x+bw > f.w {
			f.c.overflow = append(f.c.overflow, label)
			break
		}
		f.add(button{r: rect{x, y, bw, 1}, label: label, st: stTech.Reverse(true), tech: i + 1})
		x += bw + 1
	}
}

func keyName(k tcell.Key) string {
	if k >= tcell.KeyF1 && k <= tcell.KeyF12 {
		return fmt.Sprintf("F%d", int(k-tcell.KeyF1)+1)
	}
	return ""
}

// message is a screen of one bold line and one explanation, centred.
func (f *frame) message(title, sub msg) {
	b := f.body
	y := b.y + b.h/2 - 2
	n := f.c.para(rect{2, y, f.w - 4, 2}, f.t(title), stBold)
	f.c.para(rect{4, y + n + 1, f.w - 8, 3}, f.t(sub), stBody)
}

func (f *frame) idle() {
	b := f.body
	v := f.v
	open := false
	y := b.y + 1
	for _, m := range v.Municipalities {
		line := fmt.Sprintf("%s  %s %s", m.Name, f.t(txtHours), m.Hours)
		f.c.center(rect{2, 0, f.w - 4, 1}, y, line, stBold)
		y++
		open = open || m.Open
		if y > b.y+3 {
			break
		}
	}
	bw, bh := min(40, f.w-8), 3
	if b.h >= 20 {
		bh = 5
	}
	by := b.y + (b.h-bh)/2 + 1
	if !open {
		f.c.para(rect{2, by - 2, f.w - 4, 1}, f.t(txtClosedNow), stWarn)
	} else {
		f.c.para(rect{2, by - 2, f.w - 4, 1}, f.t(txtTouch), stBold)
		f.add(button{r: rect{(f.w - bw) / 2, by, bw, bh}, in: kiosk.Input{Kind: kiosk.InputStart}, label: f.t(txtStart), st: stPrimary, primary: true})
	}
	if v.CardLeftover {
		f.c.para(rect{2, by + bh + 1, f.w - 4, 2}, f.t(txtLeftover), stWarn)
	}
	// Anywhere on the body starts, like the real terminals' attract screen.
	f.add(button{r: rect{0, b.y, f.w, b.h + 3}, in: kiosk.Input{Kind: kiosk.InputStart}, bg: true})
}

func (f *frame) note() {
	var m msg
	switch f.v.Note {
	case kiosk.NoteUnavailable:
		m = txtUnavail
	case kiosk.NoteNeed4Digits:
		m = txtNeed4
	default:
		return
	}
	f.c.para(rect{2, f.h - 4, f.w - 4, 1}, f.t(m), stWarn)
}

func (f *frame) municipality() {
	b := f.body
	f.c.text(2, b.y+1, f.w-4, f.t(txtChooseMuni), stBold)
	y := b.y + 3
	for i, m := range f.v.Municipalities {
		if y+3 > f.h-4 {
			f.c.overflow = append(f.c.overflow, m.Name)
			break
		}
		st, sub := stNormal, f.t(txtHours)+" "+m.Hours
		if !m.Open {
			st, sub = stDisabled, f.t(txtNotNow)
		}
		f.add(button{r: rect{2, y, f.w - 4, 3}, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: i}, label: m.Name, sub: sub, st: st})
		y += 4
	}
	f.note()
	f.footer([]button{f.cancel()}, nil)
}

func (f *frame) choose() {
	b := f.body
	f.c.text(2, b.y+1, f.w-4, f.t(txtChooseCert), stBold)
	certs := f.v.Certificates
	cols := 2
	rows := (len(certs) + cols - 1) / cols
	avail := b.h - 3 - 1 // below the prompt, above the note row
	bh := 3
	if rows > 0 {
		bh = min(max((avail-(rows-1))/rows, 3), 5)
	}
	cw := (f.w - 4 - 2) / cols
	for i, c := range certs {
		x := 2 + (i%cols)*(cw+2)
		y := b.y + 3 + (i/cols)*(bh+1)
		st, sub := stNormal, yen(c.FeeYen, f.l)
		if !c.Available {
			st = stDisabled
			when := c.Hours
			if c.WeekdaysOnly {
				when = f.t(txtWeekdays) + " " + when
			}
			sub = f.t(txtOutOfHours) + " (" + when + ")"
		}
		f.add(button{r: rect{x, y, cw, bh}, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: i}, label: certTitle(c.Type, f.l), sub: sub, st: st})
	}
	f.note()
	f.footer([]button{f.back(), f.cancel()}, nil)
}

func (f *frame) options() {
	b := f.body
	v := f.v
	f.c.text(2, b.y+1, f.w-4, certTitle(v.Cert, f.l), stBold)
	lw := 16
	tw := min(20, (f.w-4-lw-2)/2)
	y := b.y + 3
	gap := 1
	opts := kiosk.OptionsFor(v.Cert)
	for _, o := range opts {
		label, off, on := optionText(o)
		f.c.text(2, y+1, lw-1, f.t(label), stBold)
		isOn := optionOn(v, o)
		for k, choice := range []struct {
			m  msg
			on bool
		}{{off, false}, {on, true}} {
			st, mark := stOff, "[ ] "
			if choice.on == isOn {
				st, mark = stPrimary, "[x] "
			}
			f.add(button{r: rect{2 + lw + k*(tw+2), y, tw, 3}, in: kiosk.Input{Kind: kiosk.InputOption, Arg: int(o), On: choice.on},
				label: mark + f.t(choice.m), st: st})
		}
		y += 3 + gap
	}
	// Copies: － n ＋, and the fee.
	f.c.text(2, y+1, lw-1, f.t(txtCopies), stBold)
	x := 2 + lw
	f.add(button{r: rect{x, y, 8, 3}, in: kiosk.Input{Kind: kiosk.InputCopies, Arg: -1}, label: f.t(btnMinus), st: stNormal})
	f.c.center(rect{x + 8, y, 12, 3}, y+1, copiesText(v.Copies, f.l), stBold)
	f.add(button{r: rect{x + 20, y, 8, 3}, in: kiosk.Input{Kind: kiosk.InputCopies, Arg: +1}, label: f.t(btnPlus), st: stNormal})
	unit := 0
	for _, c := range v.Certificates {
		if c.Type == v.Cert {
			unit = c.FeeYen
		}
	}
	if fx := x + 30; fx < f.w-2 {
		f.c.para(rect{fx, y + 1, f.w - 2 - fx, 2}, feeLine(unit, v.Copies, f.l), stBody)
	}
	f.note()
	f.footer([]button{f.back(), f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnNext), st: stPrimary, primary: true})
}

func (f *frame) placeCard() {
	b := f.body
	f.c.para(rect{2, b.y + 1, f.w - 4, 2}, f.t(txtPlaceCard), stBold)
	f.c.para(rect{2, b.y + 3, f.w - 4, 2}, f.t(txtPlaceHow), stBody)
	cw, ch := 28, 5
	if b.h < 20 {
		ch = 4
	}
	card := rect{(f.w - cw) / 2, b.y + 6, cw, ch}
	f.c.fill(card, stCard)
	f.c.center(card, card.y+ch/2, f.t(msg{"マイナンバーカード", "My Number Card"}), stCard)
	if f.v.CardLeftover {
		f.c.para(rect{2, card.y + ch + 1, f.w - 4, 2}, f.t(txtTakeAgain), stWarn)
	}
	f.footer([]button{f.back(), f.cancel()}, nil)
}

func (f *frame) pin() {
	b := f.body
	v := f.v
	kpw := min(3*12+4, max(31, f.w*2/5)) // keypad width
	kx := f.w - 2 - kpw
	left := rect{2, b.y + 1, kx - 4, b.h - 1}
	y := left.y
	y += f.c.para(rect{left.x, y, left.w, 2}, f.t(txtPINPrompt), stBold)
	y += f.c.para(rect{left.x, y, left.w, 2}, f.t(txtPINWhich), stBody) + 1
	// Masked digits: ＊ for entered, ＿ for the rest.
	mask := ""
	for i := range 4 {
		if i > 0 {
			mask += "  "
		}
		if i < v.PINLength {
			mask += "＊"
		} else {
			mask += "＿"
		}
	}
	box := rect{left.x + (left.w-20)/2, y, 20, 3}
	f.c.fill(box, stPIN)
	f.c.center(box, y+1, mask, stPIN)
	y += 4
	f.c.para(rect{left.x, y, left.w, 1}, triesText(v.TriesLeft, f.l), stBold)
	y++
	if v.WrongPIN {
		y += f.c.para(rect{left.x, y, left.w, 2}, f.t(txtPINWrong), stWarn)
	}
	if v.TriesLeft == 1 {
		y += f.c.para(rect{left.x, y, left.w, 3}, f.t(txtLastTry), stWarn)
	}
	if v.Note == kiosk.NoteNeed4Digits {
		f.c.para(rect{left.x, y, left.w, 2}, f.t(txtNeed4), stWarn)
	}
	// Keypad on the right half.
	kw := (kpw - 4) / 3
	kh := min(max((b.h-1-3)/4, 3), 4)
	ky := b.y + 1
	keys := []struct {
		label string
		in    kiosk.Input
		st    tcell.Style
	}{}
	for d := 1; d <= 9; d++ {
		keys = append(keys, struct {
			label string
			in    kiosk.Input
			st    tcell.Style
		}{fmt.Sprint(d), kiosk.Input{Kind: kiosk.InputDigit, Arg: d}, stNormal})
	}
	keys = append(keys,
		struct {
			label string
			in    kiosk.Input
			st    tcell.Style
		}{f.t(btnDelete), kiosk.Input{Kind: kiosk.InputDelete}, stCancel},
		struct {
			label string
			in    kiosk.Input
			st    tcell.Style
		}{"0", kiosk.Input{Kind: kiosk.InputDigit, Arg: 0}, stNormal},
		struct {
			label string
			in    kiosk.Input
			st    tcell.Style
		}{f.t(btnClear), kiosk.Input{Kind: kiosk.InputClear}, stCancel})
	for i, k := range keys {
		r := rect{kx + (i%3)*(kw+2), ky + (i/3)*(kh+1), kw, kh}
		f.add(button{r: r, in: k.in, label: k.label, st: k.st})
	}
	f.footer([]button{f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnOK), st: stPrimary, primary: true})
}

func (f *frame) feeBox(y int) int {
	box := rect{(f.w - 36) / 2, y, 36, 3}
	f.c.fill(box, stPIN)
	f.c.center(box, y+1, f.t(txtFee)+"  "+yen(f.v.Fee, f.l), stPIN)
	return 3
}

func (f *frame) fee() {
	b := f.body
	v := f.v
	y := b.y + 1
	f.c.center(rect{2, 0, f.w - 4, 1}, y, certTitle(v.Cert, f.l)+"  "+copiesText(v.Copies, f.l), stBold)
	y += 2
	y += f.feeBox(y) + 1
	copies := max(v.Copies, 1)
	f.c.para(rect{2, y, f.w - 4, 1}, feeLine(v.UnitFee, copies, f.l), stBody)
	y += 2
	ask, label := txtFeeAsk, btnConfirm
	if v.Pays && v.Fee > 0 {
		ask, label = txtFeeAskPay, btnPay
	}
	f.c.para(rect{2, y, f.w - 4, 2}, f.t(ask), stBold)
	f.footer([]button{f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(label), st: stPrimary, primary: true})
}

func (f *frame) paying() {
	b := f.body
	y := b.y + 2
	f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtPaying), stBold)
	f.feeBox(y + 3)
	f.footer([]button{f.cancel()}, nil)
}

func (f *frame) take() {
	m := txtTakeBoth
	if f.v.CardGone {
		m = txtTakeCert
	}
	f.message(m, txtThanks)
	f.footer(nil, &button{in: kiosk.Input{Kind: kiosk.InputDone}, label: f.t(btnDone), st: stPrimary, primary: true})
}

func (f *frame) problem() {
	b := f.body
	title, next := problemText(f.v.Problem)
	y := b.y + 2
	y += f.c.para(rect{2, y, f.w - 4, 2}, f.t(title), stWarn) + 1
	y += f.c.para(rect{6, y, f.w - 12, 4}, f.t(next), stBody) + 1
	if f.v.Problem.Voided() {
		y += f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtNoCharge), stBold)
	}
	if f.v.CardPresent {
		f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtTakeCard), stBold)
	}
	f.footer(nil, &button{in: kiosk.Input{Kind: kiosk.InputDone}, label: f.t(btnTop), st: stPrimary, primary: true})
}
