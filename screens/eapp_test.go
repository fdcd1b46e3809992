package screens

import (
	"strings"
	"testing"
	"testing/synctest"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
)

// TestFlowTouchApplication signs an e-application by taps, from the forms service to the
// take screen with the application number, through the screens and the engine: the
// date picker, the digit keypad, the kana keyboard (a row, then its letters and a mark),
// the review, and the signing password typed on the keyboard's two pages.
func TestFlowTouchApplication(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24, kiosktest.WithApplications)
		defer r.close()
		r.tap(kiosk.Input{Kind: kiosk.InputForms})
		r.shows("転出届（電子申請）", txtElectronicSub.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.tapTech(0)
		for _, d := range []int{1, 2, 3, 4} {
			r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
		}
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.want(kiosk.StateAppEntry)
		r.shows("転出予定日（1／3）", txtEntryDate.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputDatePart, Arg: kiosk.DateMonth, On: true})
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows("電話番号（2／3）")
		for _, d := range []int{0, 3, 1, 2, 3, 4} {
			r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
		}
		r.shows("031234＿")
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows("氏名のフリガナ（3／3）", "ア行")
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 5}) // ハ行
		r.tap(kiosk.Input{Kind: kiosk.InputChar, Arg: int('ハ')})
		r.tap(kiosk.Input{Kind: kiosk.InputChar, Arg: int(kiosk.KanaVoiced)})
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 4}) // ナ行
		r.tap(kiosk.Input{Kind: kiosk.InputChar, Arg: int('ナ')})
		r.shows("バナ＿")
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.want(kiosk.StateAppReview)
		r.shows(txtReview.ja, "見本 花子", "031234", "バナ")
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.want(kiosk.StateAppPassword)
		r.shows(txtPasswordPrompt.ja, "入力できる残り回数：5回")
		for _, c := range "ABC" {
			r.tap(kiosk.Input{Kind: kiosk.InputChar, Arg: int(c)})
		}
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 1}) // the digits page
		for _, c := range "123" {
			r.tap(kiosk.Input{Kind: kiosk.InputChar, Arg: int(c)})
		}
		if s := r.screen(); strings.Contains(s, "ABC1") || !strings.Contains(s, "＊＊＊＊＊＊＿") {
			t.Fatalf("the password is not masked:\n%s", s)
		}
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.want(kiosk.StateAppTake)
		v := r.Engine.View()
		r.shows(txtAppTakeBoth.ja, v.AppNumber)
		if jobs := r.Printer.ApplicationJobs(); len(jobs) != 1 || jobs[0].Number != v.AppNumber {
			t.Fatalf("receipts %+v", jobs)
		}
		r.tapTech(1)
		r.shows(txtTouch.ja)
	})
}
