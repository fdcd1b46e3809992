package screens

// The screens of the fee: confirmation and payment.

import (
	"madoguchi/kiosk"
)

func (f *frame) feeBox(y int) int {
	box := rect{(f.w - 36) / 2, y, 36, 3}
	f.c.fill(box, stPIN)
	f.c.center(box, y+1, f.t(txtFee)+"  "+yen(f.v.Fee, f.l), stPIN)
	return 3
}

func (f *frame) fee() {
	b := f.body
	v := f.v
	// What is bought, once each: the certificate, every option as chosen, the copies
	// and fee per copy, the total.
	y := b.y + 1
	f.c.center(rect{2, 0, f.w - 4, 1}, y, certTitle(v.Cert, f.l), stBold)
	y += 2
	for _, line := range chosenOptions(v, f.l) {
		f.c.center(rect{2, 0, f.w - 4, 1}, y, line, stBody)
		y++
	}
	if len(kiosk.OptionsFor(v.Cert)) > 0 {
		y++
	}
	f.c.center(rect{2, 0, f.w - 4, 1}, y, feeLine(v.UnitFee, max(v.Copies, 1), f.l), stBody)
	y += 2
	y += f.feeBox(y) + 1
	ask, label := txtFeeAsk, btnConfirm
	if v.Pays && v.Fee > 0 {
		ask, label = txtFeeAskPay, btnPay
		y += f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtPayNext), stBody)
	}
	f.c.para(rect{2, y, f.w - 4, 2}, f.t(ask), stBold)
	// The confirmation sits in the middle of the footer: the PIN pad's 確認, a moment
	// earlier, was at the right, and a second tap meant for it must not land on this one.
	f.footer([]button{f.cancel()}, nil)
	f.footerMiddle(button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(label), st: stPrimary, primary: true})
}

func (f *frame) paying() {
	b := f.body
	y := b.y + 2
	f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtPaying), stBold)
	f.feeBox(y + 3)
	f.footer([]button{f.cancel()}, nil)
}
