package screens

// The screens that end a session: take the card and certificate, a problem.

import (
	"madoguchi/kiosk"
)

func (f *frame) take() {
	m := txtTakeBoth
	if f.v.CardGone {
		m = txtTakeCert
	}
	f.message(m, txtThanks)
	f.footer(nil, &button{in: kiosk.Input{Kind: kiosk.InputDone}, label: f.t(btnDone), st: stPrimary, primary: true})
	f.receipt()
}

// receipt is the take screen's offer of a receipt for the fee: a button on the left of
// the footer (again after a failure) and a line that says where it is.
func (f *frame) receipt() {
	var line msg
	st := stBody
	switch f.v.Receipt {
	case kiosk.ReceiptNone:
		return
	case kiosk.ReceiptOffered:
		line = txtReceiptAsk
	case kiosk.ReceiptPrinting:
		line = txtReceiptBusy
	case kiosk.ReceiptPrinted:
		line, st = txtReceiptDone, stBold
	case kiosk.ReceiptFailed:
		line, st = txtReceiptFail, stWarn
	}
	f.c.para(rect{2, f.h - 5, f.w - 4, 1}, f.t(line), st)
	if f.v.Receipt == kiosk.ReceiptOffered || f.v.Receipt == kiosk.ReceiptFailed {
		label := f.t(btnReceipt)
		f.add(button{r: rect{1, f.h - 3, max(f.footerWidth(), textWidth(label)+4), 3},
			in: kiosk.Input{Kind: kiosk.InputReceipt}, label: label, st: stNormal})
	}
}

func (f *frame) problem() {
	b := f.body
	title, next := problemTextFor(f.v)
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
	if f.v.Another { // as wide as its words, on the left
		label := f.t(btnAnother)
		f.add(button{r: rect{1, f.h - 3, max(f.footerWidth(), textWidth(label)+4), 3},
			in: kiosk.Input{Kind: kiosk.InputAnother}, label: label, st: stNormal})
	}
}
