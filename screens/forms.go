package screens

// The screens of the prefilled forms (kiosk/forms.go): choose the form, the text AP's
// PIN, confirm the card's facts, take the card and the form.

import (
	"madoguchi/kiosk"
)

var (
	txtFormService  = msg{"申請書作成サービス", "Application Form Service"}
	txtFormsButton  = msg{"申請書をつくる", "Make a form"}
	txtFormsSub     = msg{"住所・氏名などを記入済みで印刷", "With your details filled in"}
	txtCertsSub     = msg{"住民票などの証明書", "Juminhyo and others"}
	txtChooseForm   = msg{"つくる申請書を選んでください", "Choose the form to make"}
	txtFormPINWhich = msg{"券面事項入力補助用の暗証番号です。",
		"The 4-digit PIN for your card's personal details (券面事項入力補助)."}
	txtFormReading  = msg{"カードの記載事項を読み取っています", "Reading your details from the card"}
	txtFormConfirm  = msg{"この内容で申請書を印刷します", "The form will be printed with these details"}
	txtFormFromCard = msg{"カードから読み取った内容です。その他の欄は、印刷のあと手書きでご記入ください。",
		"These come from your card. Fill in the other boxes by hand after printing."}
	txtFormPrinting = msg{"申請書を印刷しています", "Printing the form"}
	txtFormTakeBoth = msg{"カードと申請書をお取りください", "Please take your card and the form"}
	txtFormTake     = msg{"申請書をお取りください", "Please take the form"}
	txtFormNext     = msg{"空欄をご記入のうえ、窓口にお出しください。二次元コードは本日のみ有効です。",
		"Fill in the blank boxes and hand the form in at the counter. Its QR code is valid today only."}
	btnPrint = msg{"印刷する", "Print"}
	btnCerts = msg{"証明書をとる", "Get a certificate"}
)

// idleWithForms is the idle screen's pair of services: certificates and forms.
func (f *frame) idleWithForms(by, bh int) {
	bw := min(36, (f.w-8)/2)
	gap := 4
	x := (f.w - 2*bw - gap) / 2
	f.add(button{r: rect{x, by, bw, bh}, in: kiosk.Input{Kind: kiosk.InputStart}, label: f.t(btnCerts), sub: f.t(txtCertsSub),
		st: stPrimary, primary: true})
	f.add(button{r: rect{x + bw + gap, by, bw, bh}, in: kiosk.Input{Kind: kiosk.InputForms}, label: f.t(txtFormsButton),
		sub: f.t(txtFormsSub), st: stPrimary})
}

func (f *frame) formTitle() string {
	if f.l == kiosk.LangEN && f.v.FormTitleEN != "" {
		return f.v.FormTitleEN
	}
	return f.v.FormTitle
}

func (f *frame) formChoose() {
	b := f.body
	f.c.text(2, b.y+1, f.w-4, f.t(txtChooseForm), stBold)
	items := make([]gridItem, len(f.v.Forms))
	for i, fm := range f.v.Forms {
		label := fm.Title
		if f.l == kiosk.LangEN && fm.TitleEN != "" {
			label = fm.TitleEN
		}
		st, sub := stNormal, ""
		if fm.Electronic {
			sub = f.t(txtElectronicSub)
		}
		if len(f.v.Municipalities) > 1 && fm.Municipality >= 0 && fm.Municipality < len(f.v.Municipalities) {
			sub = muniName(f.v.Municipalities[fm.Municipality], f.l)
		}
		if !fm.Available {
			st, sub = stDisabled, f.t(txtNotNow)
		}
		items[i] = gridItem{label: label, sub: sub, st: st}
	}
	f.grid(items)
	f.note()
	f.footer([]button{f.cancel()}, nil)
}

func (f *frame) formPIN() { f.pinFor(txtFormPINWhich) }

func (f *frame) formConfirm() {
	b := f.body
	y := b.y + 1
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.formTitle(), stBold)
	y += f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtFormConfirm), stBold) + 1
	lw := 18
	for _, fc := range f.v.Facts {
		label := fc.Label
		if f.l == kiosk.LangEN && fc.LabelEN != "" {
			label = fc.LabelEN
		}
		if y >= f.h-5 {
			f.c.overflow = append(f.c.overflow, label)
			break
		}
		f.c.text(4, y, lw-1, label, stBody)
		for _, line := range wrap(fc.Value, f.w-6-lw) {
			f.c.text(4+lw, y, f.w-6-lw, line, stBold)
			y++
		}
	}
	f.c.para(rect{2, y + 1, f.w - 4, 2}, f.t(txtFormFromCard), stBody)
	f.footer([]button{f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnPrint), st: stPrimary, primary: true})
}

func (f *frame) formTake() {
	m := txtFormTakeBoth
	if f.v.CardGone {
		m = txtFormTake
	}
	f.message(m, txtFormNext)
	f.footer(nil, &button{in: kiosk.Input{Kind: kiosk.InputDone}, label: f.t(btnDone), st: stPrimary, primary: true})
}
