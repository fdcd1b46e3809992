package screens

// The screens of the card: place the card, type the PIN.

import (
	"fmt"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
	"madoguchi/reader"
)

func (f *frame) placeCard() {
	b := f.body
	place, how := txtPlaceCard, txtPlaceHow
	if f.v.FormsSession {
		// A form needs the card's 券面事項入力補助AP, which no phone carries.
		place, how = txtPlaceCardOnly, txtPlaceCardOnlyHow
	}
	f.c.para(rect{2, b.y + 1, f.w - 4, 2}, f.t(place), stBold)
	f.c.para(rect{2, b.y + 3, f.w - 4, 2}, f.t(how), stBody)
	// The card (and a phone, where one is taken) side by side, as they lie on the reader.
	cw, pw, gap, ch := 24, 16, 4, 5
	if b.h < 20 {
		ch = 4
	}
	x := (f.w - cw - gap - pw) / 2
	if f.v.FormsSession {
		x = (f.w - cw) / 2
	}
	card := rect{x, b.y + 6, cw, ch}
	f.c.fill(card, stCard)
	f.c.center(card, card.y+ch/2, f.t(txtCardShape), stCard)
	if !f.v.FormsSession {
		phone := rect{x + cw + gap, b.y + 6, pw, ch}
		f.c.fill(phone, stCard)
		f.c.center(phone, phone.y+ch/2, f.t(txtPhoneShape), stCard)
	}
	if f.v.CardLeftover {
		f.c.para(rect{2, card.y + ch + 1, f.w - 4, 2}, f.t(txtTakeAgain), stWarn)
	}
	f.footer([]button{f.back(), f.cancel()}, nil)
}

func (f *frame) pin() { f.pinFor(txtPINWhich) }

// pinFor is the 4-digit PIN pad; which says which of the card's PINs it asks for.
func (f *frame) pinFor(which msg) {
	b := f.body
	v := f.v
	kpw := min(3*12+4, max(31, f.w*2/5)) // keypad width
	kx := f.w - 2 - kpw
	left := rect{2, b.y + 1, kx - 4, b.h - 1}
	y := left.y
	y += f.c.para(rect{left.x, y, left.w, 2}, f.t(txtPINPrompt), stBold)
	if v.Device == reader.DeviceAndroid && which == txtPINWhich {
		which = txtPINPhone
	}
	y += f.c.para(rect{left.x, y, left.w, 2}, f.t(which), stBody) + 1
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
		if !v.Device.Phone() { // from the first wrong answer on, whatever tries the card had
			y += f.c.para(rect{left.x, y, left.w, 3}, f.t(txtNoPINCard), stBody)
		}
	}
	if v.TriesLeft == 1 {
		y += f.c.para(rect{left.x, y, left.w, 3}, f.t(txtLastTry), stWarn)
	}
	switch v.Note {
	case kiosk.NoteNeed4Digits:
		f.c.para(rect{left.x, y, left.w, 2}, f.t(txtNeed4), stWarn)
	case kiosk.NotePINAgain:
		f.c.para(rect{left.x, y, left.w, 3}, f.t(txtPINAgain), stWarn)
	}
	f.digitKeys(kx, b.y+1, kpw)
	f.footer([]button{f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnOK), st: stPrimary, primary: true})
}

// digitKeys is the 3×4 keypad (1–9, 訂正 0 全消去) kpw cells wide from (kx, ky), its keys 3
// or 4 rows high as the body allows.
func (f *frame) digitKeys(kx, ky, kpw int) {
	b := f.body
	kw := (kpw - 4) / 3
	kh := min(max((b.h-1-3)/4, 3), 4)
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
}
