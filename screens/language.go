package screens

import (
	"strings"

	"madoguchi/kiosk"
)

// The language picker, opened from the header of every screen (View.Picking).

// langButton is the header's button that opens the picker: the word in Japanese and in
// English, the two every resident of Japan is most likely to read.
const langButton = "言語 Language"

// languagePicker draws the picker over the body: why certificates stay Japanese, then
// one button per language in its own script (the screen's language marked), and Back.
func (f *frame) languagePicker() {
	b := f.body
	y := b.y + 1
	y += f.c.para(rect{2, y, f.w - 4, 1}, f.t(txtLangPick), stBold)
	y += f.c.para(rect{2, y, f.w - 4, 2}, f.t(txtJapaneseCerts), stBody) + 1
	const cols = 4
	bw := (f.w - 4 - (cols - 1)) / cols
	for i, l := range kiosk.Langs {
		st := stNormal
		if l == f.l {
			st = stPrimary
		}
		label, sub := l.Name(), ""
		if textWidth(label) > bw-2 { // Português (Brasil): the country on a second line
			if i := strings.Index(label, " ("); i > 0 {
				label, sub = label[:i], label[i+1:]
			}
		}
		r := rect{2 + (i%cols)*(bw+1), y + (i/cols)*4, bw, 3}
		f.add(button{r: r, in: kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: i + 1}, label: label, sub: sub, st: st, primary: l == f.l})
	}
	f.footer([]button{{in: kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: -1}, label: f.t(btnBack), st: stCancel}}, nil)
}
