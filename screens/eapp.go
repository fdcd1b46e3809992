package screens

// The screens of the e-applications (kiosk/eapp.go): one field at a time on its own
// keyboard (digits, a 50-on kana keyboard, a date picker), the review of the whole
// application, the signing password keyboard (A–Z, 0–9), signing, and the take screen
// with the application number. Every key is at least 3 rows by 6 columns with a free
// cell around it, so all of them fit 80×24 (the kana and password keyboards choose a
// row or a page first).

import (
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/forms"
	"madoguchi/kiosk"
)

var (
	txtElectronicSub = msg{"電子申請（カードで署名して送信）", "Online, signed with your card"}
	txtEntryDigits   = msg{"数字で入力してください", "Enter the digits"}
	txtEntryKana     = msg{"カタカナで入力してください。行を選んでから文字を選びます。", "Enter it in katakana: choose a row, then the letter."}
	txtEntryDate     = msg{"＋と－で日付を合わせてください", "Set the date with + and -"}
	txtEntryEmpty    = msg{"まだ入力されていません。", "Please enter it first."}
	txtReview        = msg{"この内容で申請します", "Your application"}
	txtReviewNext    = msg{"氏名と住所はカードの署名用電子証明書で送られます。よろしければ「署名へ進む」を押してください。",
		"Your name and address travel in the card's signing certificate. If all is right, choose Sign."}
	txtFromCardShort  = msg{"カードから", "From the card"}
	txtPasswordPrompt = msg{"署名用パスワードを入力してください", "Enter your signing password"}
	txtPasswordWhich  = msg{"英大文字と数字、6〜16文字です。カードを受け取ったときに決めました。",
		"6 to 16 capital letters and digits, set when you received the card."}
	txtPasswordWrong  = msg{"署名用パスワードが違います。", "Wrong password."}
	txtPasswordLast   = msg{"次に間違えると署名用パスワードがロックされます。", "One more wrong try locks it."}
	txtPasswordLength = msg{"6文字以上16文字以内で入力してください。", "Please enter 6 to 16 characters."}
	txtSignReading    = msg{"署名用電子証明書を確認しています", "Checking the signing certificate"}
	txtSigning        = msg{"カードで署名しています", "Signing with your card"}
	txtAppPrinting    = msg{"申請を送信の順番に入れ、受付控を印刷しています", "Sending your application and printing its receipt"}
	txtAppTakeBoth    = msg{"カードと受付控をお取りください", "Please take your card and the receipt"}
	txtAppTake        = msg{"受付控をお取りください", "Please take the receipt"}
	txtAppNext        = msg{"申請は市区町村に送られます（通信できないときは、つながりしだい送られます）。結果は市区町村からお知らせします。",
		"The application goes to the municipality (as soon as the line is up, if it is down now). The municipality will tell you the result."}
	txtAppNoReceipt = msg{"受付控を印刷できませんでした。申請は受け付けています。申請番号をお控えください。",
		"The receipt could not be printed. The application was accepted: please note its number."}
	txtAppNotSent = msg{"申請は送られていません。", "No application was sent."}
	fmtAppNumber  = msg{"申請番号　%s", "Application number  %s"}
	fmtEntryOf    = msg{"%s（%d／%d）", "%s (%d of %d)"}
	btnSign       = msg{"署名へ進む", "Sign"}
	btnLetters    = msg{"ABC", "ABC"}
	btnDigitsPage = msg{"123", "123"}
	btnSpace      = msg{"空白", "Space"}
	dateLabels    = [3]msg{{"年", "Year"}, {"月", "Month"}, {"日", "Day"}}
)

func (f *frame) entryLabel(e kiosk.EntryView) string {
	if f.l == kiosk.LangEN && e.LabelEN != "" {
		return e.LabelEN
	}
	return e.Label
}

// entryFooter is the footer of the entry screens: back (from the second field on),
// cancel, next.
func (f *frame) entryFooter(backOK bool, next msg) {
	left := []button{f.cancel()}
	if backOK {
		left = []button{f.back(), f.cancel()}
	}
	f.footer(left, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(next), st: stPrimary, primary: true})
}

func (f *frame) appEntry() {
	v := f.v
	if v.EntryAt < 0 || v.EntryAt >= len(v.Entries) {
		return
	}
	e := v.Entries[v.EntryAt]
	b := f.body
	f.c.text(2, b.y, f.w-4, fmtEntryOf.format(f.l, f.entryLabel(e), v.EntryAt+1, len(v.Entries)), stBold)
	switch e.Input {
	case forms.InputDigits:
		f.entryDigits()
	case forms.InputKana:
		f.entryKana()
	case forms.InputDate:
		f.entryDate()
	}
	if v.Note == kiosk.NoteEntryEmpty {
		f.c.para(rect{2, f.h - 4, f.w - 4, 1}, f.t(txtEntryEmpty), stWarn)
	}
	f.entryFooter(v.EntryAt > 0, btnNext)
}

// entryBox is the text typed so far, with a cursor.
func (f *frame) entryBox(r rect) {
	f.c.fill(r, stPIN)
	f.c.text(r.x+1, r.y+r.h/2, r.w-2, f.v.EntryText+"＿", stPIN)
}

func (f *frame) entryDigits() {
	b := f.body
	kpw := min(3*12+4, max(31, f.w*2/5))
	kx := f.w - 2 - kpw
	lw := kx - 4
	f.c.para(rect{2, b.y + 2, lw, 2}, f.t(txtEntryDigits), stBody)
	f.entryBox(rect{2, b.y + 5, min(lw, forms.MaxDigits+4), 3})
	f.digitKeys(kx, b.y+1, kpw)
}

// entryKana is the 50-on keyboard: the ten rows (ア…ワ), the letters of the row chosen
// with the marks, and the editing keys.
func (f *frame) entryKana() {
	b := f.body
	v := f.v
	f.c.text(2, b.y+1, f.w-4, f.t(txtEntryKana), stBody)
	f.c.fill(rect{2, b.y + 2, f.w - 4, 1}, stPIN)
	f.c.text(3, b.y+2, f.w-6, v.EntryText+"＿", stPIN)
	kw := min((f.w-4)/10-1, 9)
	key := func(col, y int, label string, in kiosk.Input, st tcell.Style) {
		f.add(button{r: rect{2 + col*(kw+1), y, kw, 3}, in: in, label: label, st: st})
	}
	y := b.y + 4
	for i, row := range kiosk.KanaRows {
		st := stNormal
		if i == v.KeyPage {
			st = stPrimary
		}
		key(i, y, string([]rune(row)[0])+"行", kiosk.Input{Kind: kiosk.InputSelect, Arg: i}, st)
	}
	y += 4
	page := min(max(v.KeyPage, 0), len(kiosk.KanaRows)-1)
	col := 0
	for _, r := range kiosk.KanaRows[page] {
		key(col, y, string(r), kiosk.Input{Kind: kiosk.InputChar, Arg: int(r)}, stNormal)
		col++
	}
	marks := []struct {
		label string
		r     rune
	}{{"゛", kiosk.KanaVoiced}, {"゜", kiosk.KanaSemiVoiced}, {"小", kiosk.KanaSmall}, {"ー", 'ー'}}
	col = 10 - len(marks)
	for _, m := range marks {
		key(col, y, m.label, kiosk.Input{Kind: kiosk.InputChar, Arg: int(m.r)}, stNormal)
		col++
	}
	y += 4
	wide := 2*kw + 1
	f.add(button{r: rect{2, y, wide, 3}, in: kiosk.Input{Kind: kiosk.InputChar, Arg: int('　')}, label: f.t(btnSpace), st: stNormal})
	f.add(button{r: rect{2 + 6*(kw+1), y, wide, 3}, in: kiosk.Input{Kind: kiosk.InputDelete}, label: f.t(btnDelete), st: stCancel})
	f.add(button{r: rect{2 + 8*(kw+1), y, wide, 3}, in: kiosk.Input{Kind: kiosk.InputClear}, label: f.t(btnClear), st: stCancel})
}

// entryDate is the date picker: year, month and day, each with ＋ above and － below.
func (f *frame) entryDate() {
	b := f.body
	d := f.v.EntryDate
	if d.IsZero() {
		return
	}
	f.c.text(2, b.y+1, f.w-4, f.t(txtEntryDate), stBody)
	cw, gap := 14, 4
	x0 := (f.w - 3*cw - 2*gap) / 2
	vals := [3]int{d.Year(), int(d.Month()), d.Day()}
	for part := range 3 {
		x := x0 + part*(cw+gap)
		name := f.t(dateLabels[part])
		f.add(button{r: rect{x, b.y + 3, cw, 3}, in: kiosk.Input{Kind: kiosk.InputDatePart, Arg: part, On: true},
			label: "＋ " + name, st: stNormal})
		box := rect{x, b.y + 7, cw, 1}
		f.c.fill(box, stPIN)
		f.c.center(box, box.y, fmt.Sprint(vals[part]), stPIN)
		f.add(button{r: rect{x, b.y + 9, cw, 3}, in: kiosk.Input{Kind: kiosk.InputDatePart, Arg: part, On: false},
			label: "－ " + name, st: stNormal})
	}
	f.c.center(rect{2, 0, f.w - 4, 1}, b.y+13, dateText(d, f.l), stBold)
}

// dateText is a date as the review and the picker show it: 2026年12月20日(日) / Sun 20 Dec 2026 /
// 2026-12-20 (weekday) in the other languages.
func dateText(d time.Time, l kiosk.Lang) string {
	switch l {
	case kiosk.LangEN:
		return d.Format("Mon 2 Jan 2006")
	case kiosk.LangJA:
		return fmt.Sprintf("%d年%d月%d日(%s)", d.Year(), int(d.Month()), d.Day(), weekdays[d.Weekday()].in(l))
	}
	// Other languages: the ISO date every resident's country reads, the weekday in their words.
	return fmt.Sprintf("%s (%s)", d.Format(time.DateOnly), weekdays[d.Weekday()].in(l))
}

// entryValue is an entry's value as the review shows it.
func entryValue(e kiosk.EntryView, l kiosk.Lang) string {
	if e.Input == forms.InputDate {
		if d, err := time.ParseInLocation(time.DateOnly, e.Value, forms.JST); err == nil {
			return dateText(d, l)
		}
	}
	return e.Value
}

func (f *frame) appReview() {
	b := f.body
	v := f.v
	y := b.y
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.formTitle(), stBold)
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtReview), stBold)
	lw := min(20, f.w/4)
	row := func(label, value string, st tcell.Style) {
		if y >= f.h-6 {
			f.c.overflow = append(f.c.overflow, label)
			return
		}
		f.c.text(4, y, lw-1, label, stBody)
		for _, line := range wrap(value, f.w-6-lw) {
			f.c.text(4+lw, y, f.w-6-lw, line, st)
			y++
		}
	}
	for _, fc := range v.Facts {
		label := fc.Label
		if f.l == kiosk.LangEN && fc.LabelEN != "" {
			label = fc.LabelEN
		}
		row(label, fc.Value, stBold)
	}
	for _, e := range v.Entries {
		row(f.entryLabel(e), entryValue(e, f.l), stBold)
	}
	f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtReviewNext), stBody)
	f.entryFooter(len(v.Entries) > 0, btnSign)
}

// appPassword is the signing password keyboard: the masked password, the tries left
// (read without spending one), and a page of letters or of digits.
func (f *frame) appPassword() {
	b := f.body
	v := f.v
	y := b.y
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtPasswordPrompt), stBold)
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtPasswordWhich), stBody)
	mask := ""
	for i := range kiosk.PasswordMax {
		if i < v.PINLength {
			mask += "＊"
		} else if i < kiosk.PasswordMin || i == v.PINLength {
			mask += "＿"
		}
	}
	box := rect{2, y, 2*kiosk.PasswordMax + 2, 1}
	f.c.fill(box, stPIN)
	f.c.text(3, y, box.w-1, mask, stPIN)
	f.c.text(box.x+box.w+2, y, f.w-box.w-6, triesText(v.TriesLeft, f.l), stBold)
	y++
	var warn []msg
	if v.WrongPIN {
		warn = append(warn, txtPasswordWrong)
	}
	if v.TriesLeft == 1 {
		warn = append(warn, txtPasswordLast)
	}
	if v.Note == kiosk.NotePasswordLength {
		warn = append(warn, txtPasswordLength)
	}
	line := ""
	for _, m := range warn {
		if line != "" && f.l == kiosk.LangEN {
			line += " "
		}
		line += f.t(m)
	}
	if line != "" {
		f.c.para(rect{2, y, f.w - 4, 1}, line, stWarn)
	}
	// Keys from b.y+4: ten columns, three rows of letters (or one of digits).
	kw := min((f.w-4)/10-1, 9)
	ky := b.y + 4
	slot := func(i int) rect { return rect{2 + (i%10)*(kw+1), ky + (i/10)*4, kw, 3} }
	var chars string
	toggle, tin := btnDigitsPage, 1
	if v.KeyPage == 1 {
		chars, toggle, tin = "1234567890", btnLetters, 0
	} else {
		chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	}
	for i, c := range chars {
		f.add(button{r: slot(i), in: kiosk.Input{Kind: kiosk.InputChar, Arg: int(c)}, label: string(c), st: stNormal})
	}
	tr := slot(26)
	tr.w = 2*kw + 1
	f.add(button{r: tr, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: tin}, label: f.t(toggle), st: stPrimary})
	dr := slot(28)
	dr.w = 2*kw + 1
	f.add(button{r: dr, in: kiosk.Input{Kind: kiosk.InputDelete}, label: f.t(btnDelete), st: stCancel})
	f.footer([]button{f.cancel(), {in: kiosk.Input{Kind: kiosk.InputClear}, label: f.t(btnClear), st: stCancel}},
		&button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnOK), st: stPrimary, primary: true})
}

func (f *frame) appTake() {
	v := f.v
	m := txtAppTakeBoth
	if v.CardGone {
		m = txtAppTake
	}
	b := f.body
	y := b.y + b.h/2 - 3
	y += f.c.para(rect{2, y, f.w - 4, 2}, f.t(m), stBold) + 1
	y += f.c.para(rect{2, y, f.w - 4, 1}, fmtAppNumber.format(f.l, v.AppNumber), stBold) + 1
	next, st := txtAppNext, stBody
	if v.AppReceiptFailed {
		next, st = txtAppNoReceipt, stWarn
	}
	f.c.para(rect{4, y, f.w - 8, 3}, f.t(next), st)
	f.footer(nil, &button{in: kiosk.Input{Kind: kiosk.InputDone}, label: f.t(btnDone), st: stPrimary, primary: true})
}
