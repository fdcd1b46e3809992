package screens

import (
	"testing"
	"testing/synctest"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
)

// TestFlowTouchForm prints a prefilled form by taps, from the idle screen's second
// service to the take screen, through the screens and the engine.
func TestFlowTouchForm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 100, 30, kiosktest.WithForms)
		defer r.close()
		r.shows(txtTouch.ja, btnCerts.ja, txtFormsButton.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputForms})
		r.shows(txtChooseForm.ja, "転入届", txtFormService.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.shows(txtPlaceCardOnly.ja)
		r.tapTech(0)
		r.shows(txtPINPrompt.ja, txtFormPINWhich.ja, "入力できる残り回数：3回")
		for _, d := range []int{1, 2, 3, 4} {
			r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
		}
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows(txtFormConfirm.ja, "見本 花子", "1990年1月2日", "東京都千代田区霞が関二丁目1番2号")
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows(txtFormTakeBoth.ja)
		r.tapTech(1)
		r.shows(txtTouch.ja)
		if jobs := r.Printer.FormJobs(); len(jobs) != 1 || jobs[0].Form.ID != "tennyu" {
			t.Fatalf("form jobs %+v", jobs)
		}
	})
}
