package screens

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"madoguchi/center"
	"madoguchi/config"
	formsmodel "madoguchi/forms"
	"madoguchi/internal/i18n"
	"madoguchi/kiosk"
	"madoguchi/reader"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var sizes = []struct{ w, h int }{{80, 24}, {100, 30}, {160, 48}}

func sampleMunis() []kiosk.MunicipalityView {
	return []kiosk.MunicipalityView{{Code: "139998", Name: "見本市", NameEN: "Mihon City", Open: true, Hours: "06:30-23:00"}}
}

func sampleCerts() []kiosk.CertView {
	return []kiosk.CertView{
		{Type: center.ResidentRecord, FeeYen: 200, Available: true, Hours: "06:30-23:00"},
		{Type: center.ResidentRecordItems, FeeYen: 200, Available: true, Hours: "06:30-23:00"},
		{Type: center.SealRegistration, FeeYen: 200, Available: true, Hours: "06:30-23:00"},
		{Type: center.FamilyRegister, FeeYen: 350, Available: false, Hours: "09:00-17:00", WeekdaysOnly: true},
		{Type: center.FamilyRegisterAnnex, FeeYen: 200, Available: false, Hours: "09:00-17:00", WeekdaysOnly: true},
		{Type: center.TaxIncome, FeeYen: 200, Available: true, Hours: "06:30-23:00"},
	}
}

type sample struct {
	name string
	v    kiosk.View
}

// remainOf is the countdown a sample shows (seconds; 0 none).
func remainOf(name string) int {
	switch name {
	case "pin-countdown":
		return 7
	case "options-countdown":
		return 10
	}
	return 0
}

// samples returns one view per screen and per variant worth seeing.
func samples() []sample {
	base := func(st kiosk.State) kiosk.View {
		return kiosk.View{State: st, Municipalities: sampleMunis(), Certificates: sampleCerts(), MaxCopies: 10}
	}
	in := func(st kiosk.State, f func(*kiosk.View)) kiosk.View {
		v := base(st)
		if f != nil {
			f(&v)
		}
		return v
	}
	order := func(v *kiosk.View) {
		v.Cert, v.Copies, v.Options = center.ResidentRecord, 2, center.Options{Household: true}
	}
	s := []sample{
		{"idle", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis()}},
		{"picker", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), Picking: true}},
		{"picker-choose", in(kiosk.StateChoose, func(v *kiosk.View) { v.Picking = true })},
		{"idle-closed", kiosk.View{State: kiosk.StateIdle, Municipalities: []kiosk.MunicipalityView{{Name: "見本市", Hours: "06:30-23:00"}}}},
		{"idle-leftover", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), CardPresent: true, CardLeftover: true}},
		{"idle-paper-left", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), PaperLeft: true}},
		{"idle-no-reader", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), NoReader: true}},
		{"idle-both-left", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), CardPresent: true, CardLeftover: true, PaperLeft: true}},
		{"municipality", in(kiosk.StateMunicipality, func(v *kiosk.View) {
			v.Municipalities = append(v.Municipalities, kiosk.MunicipalityView{Code: "131016", Name: "千代田区", Hours: "09:00-17:00"})
		})},
		{"choose", in(kiosk.StateChoose, nil)},
		{"choose-unavailable", in(kiosk.StateChoose, func(v *kiosk.View) { v.Note = kiosk.NoteUnavailable })},
		{"choose-from", in(kiosk.StateChoose, func(v *kiosk.View) {
			v.Certificates[3].From = time.Date(2026, 11, 30, 8, 30, 0, 0, config.JST) // 戸籍 on Monday
			v.Certificates[4].From, v.Certificates[4].FromToday = time.Date(2026, 11, 26, 8, 30, 0, 0, config.JST), true
		})},
		{"options-juminhyo", in(kiosk.StateOptions, order)},
		{"options-koseki", in(kiosk.StateOptions, func(v *kiosk.View) { v.Cert, v.Copies = center.FamilyRegister, 1 })},
		{"options-inkan", in(kiosk.StateOptions, func(v *kiosk.View) { v.Cert, v.Copies = center.SealRegistration, 10 })},
		{"problem-no-seal", in(kiosk.StateProblem, func(v *kiosk.View) {
			v.Problem, v.Refusal, v.CardPresent, v.Another = kiosk.ProblemNotEligible, center.ReasonNoSeal, true, true
		})},
		{"pin-again", in(kiosk.StatePIN, func(v *kiosk.View) { v.TriesLeft, v.Note = 3, kiosk.NotePINAgain })},
		{"options-max", in(kiosk.StateOptions, func(v *kiosk.View) {
			v.Cert, v.Copies, v.Note = center.SealRegistration, 10, kiosk.NoteMaxCopies
		})},
		{"place-card", in(kiosk.StatePlaceCard, order)},
		{"place-card-leftover", in(kiosk.StatePlaceCard, func(v *kiosk.View) { order(v); v.CardPresent, v.CardLeftover = true, true })},
		{"reading-card", in(kiosk.StateReadingCard, order)},
		{"pin-phone", in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.PINLength, v.TriesLeft, v.Device = 1, 3, reader.DeviceAndroid })},
		{"pin", in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.PINLength, v.TriesLeft = 2, 3 })},
		{"pin-wrong", in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.TriesLeft, v.WrongPIN = 2, true })},
		{"pin-last-try", in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.TriesLeft, v.WrongPIN, v.PINLength = 1, true, 4 })},
		{"pin-need4", in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.TriesLeft, v.PINLength, v.Note = 3, 3, kiosk.NoteNeed4Digits })},
		{name: "pin-countdown", v: in(kiosk.StatePIN, func(v *kiosk.View) { order(v); v.TriesLeft, v.PINLength = 3, 1 })},
		{name: "options-countdown", v: in(kiosk.StateOptions, order)},
		{"center", in(kiosk.StateCenter, order)},
		{"fee", in(kiosk.StateFee, func(v *kiosk.View) { order(v); v.Fee, v.UnitFee = 400, 200 })},
		{"fee-pay", in(kiosk.StateFee, func(v *kiosk.View) { order(v); v.Fee, v.UnitFee, v.Pays = 400, 200, true })},
		{"paying", in(kiosk.StatePaying, func(v *kiosk.View) { order(v); v.Fee, v.UnitFee, v.Pays = 400, 200, true })},
		{"printing", in(kiosk.StatePrinting, order)},
		{"take", kiosk.View{State: kiosk.StateTake, Municipalities: sampleMunis(), CardPresent: true}},
		{"take-card-gone", kiosk.View{State: kiosk.StateTake, Municipalities: sampleMunis(), CardGone: true}},
		{"take-receipt", kiosk.View{State: kiosk.StateTake, Municipalities: sampleMunis(), CardPresent: true, Receipt: kiosk.ReceiptOffered}},
		{"take-receipt-printed", kiosk.View{State: kiosk.StateTake, Municipalities: sampleMunis(), CardGone: true, Receipt: kiosk.ReceiptPrinted}},
		{"take-receipt-failed", kiosk.View{State: kiosk.StateTake, Municipalities: sampleMunis(), CardGone: true, Receipt: kiosk.ReceiptFailed}},
		{"tech-pin", kiosk.View{State: kiosk.StateTechPIN, Municipalities: sampleMunis(), TechEnabled: true, PINLength: 3}},
		{"tech-pin-wrong", kiosk.View{State: kiosk.StateTechPIN, Municipalities: sampleMunis(), TechEnabled: true, WrongPIN: true}},
		{"tech-menu", kiosk.View{State: kiosk.StateTech, Municipalities: sampleMunis(), TechEnabled: true, TechMessage: "test page printed",
			TechLines: []string{"reader [ok]", "printer [fail] printer: paper out", "center [ok] TLS 1.3, clock skew +0 s",
				"queue [warn] 3 pending, 1 parked, oldest 2h10m0s ago; 1 message refused by the center (parked)", "disk [ok] 7.9 GiB free"}}},
		{"tech-menu-out-of-service", kiosk.View{State: kiosk.StateTech, Municipalities: sampleMunis(), TechEnabled: true,
			OutOfService: true, TechBusy: true}},
	}
	forms := []kiosk.FormView{{Title: "転入届", TitleEN: "Notice of moving in", Available: true},
		{Title: "転出届", TitleEN: "Notice of moving out", Available: true},
		{Title: "印鑑登録申請書", TitleEN: "Seal registration application", Available: true},
		{Title: "証明書交付申請書", TitleEN: "Certificate application (counter)", Available: false}}
	form := func(st kiosk.State, f func(*kiosk.View)) kiosk.View {
		v := kiosk.View{State: st, Municipalities: sampleMunis(), Forms: forms, FormsSession: true,
			FormTitle: "転入届", FormTitleEN: "Notice of moving in"}
		if f != nil {
			f(&v)
		}
		return v
	}
	s = append(s,
		sample{"idle-forms", kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis(), Forms: forms}},
		sample{"form-choose", form(kiosk.StateFormChoose, func(v *kiosk.View) { v.FormTitle, v.FormTitleEN = "", "" })},
		sample{"form-card", form(kiosk.StateFormCard, nil)},
		sample{"form-pin", form(kiosk.StateFormPIN, func(v *kiosk.View) { v.PINLength, v.TriesLeft = 1, 3 })},
		sample{"form-pin-last-try", form(kiosk.StateFormPIN, func(v *kiosk.View) { v.TriesLeft, v.WrongPIN = 1, true })},
		sample{"form-facts", form(kiosk.StateFormFacts, nil)},
		sample{"form-confirm", form(kiosk.StateFormConfirm, func(v *kiosk.View) {
			v.Facts = []kiosk.FactView{{Label: "氏名", LabelEN: "Name", Value: "見本 花子"},
				{Label: "生年月日", LabelEN: "Date of birth", Value: "1990年1月2日"},
				{Label: "新しい住所", LabelEN: "New address", Value: "東京都千代田区霞が関二丁目1番2号"}}
		})},
		sample{"form-printing", form(kiosk.StateFormPrinting, nil)},
		sample{"form-take", form(kiosk.StateFormTake, func(v *kiosk.View) { v.CardPresent = true })},
		sample{"form-take-card-gone", form(kiosk.StateFormTake, func(v *kiosk.View) { v.CardGone = true })},
	)
	entries := []kiosk.EntryView{{Label: "転出予定日", LabelEN: "Moving-out date", Input: formsmodel.InputDate},
		{Label: "電話番号", LabelEN: "Telephone", Input: formsmodel.InputDigits},
		{Label: "氏名のフリガナ", LabelEN: "Name in katakana", Input: formsmodel.InputKana}}
	filled := []kiosk.EntryView{{Label: "転出予定日", LabelEN: "Moving-out date", Input: formsmodel.InputDate, Value: "2026-12-20"},
		{Label: "電話番号", LabelEN: "Telephone", Input: formsmodel.InputDigits, Value: "0312345678"},
		{Label: "氏名のフリガナ", LabelEN: "Name in katakana", Input: formsmodel.InputKana, Value: "ミホン　ハナコ"}}
	app := func(st kiosk.State, f func(*kiosk.View)) kiosk.View {
		return form(st, func(v *kiosk.View) {
			v.FormTitle, v.FormTitleEN, v.Electronic, v.Entries = "転出届（電子申請）", "Notice of moving out (online)", true, entries
			if f != nil {
				f(v)
			}
		})
	}
	s = append(s,
		sample{"form-choose-electronic", form(kiosk.StateFormChoose, func(v *kiosk.View) {
			v.FormTitle, v.FormTitleEN = "", ""
			v.Forms = append(v.Forms[:3:3], kiosk.FormView{Title: "転出届（電子申請）", TitleEN: "Notice of moving out (online)", Available: true, Electronic: true})
		})},
		sample{"app-entry-date", app(kiosk.StateAppEntry, func(v *kiosk.View) {
			v.EntryDate = time.Date(2026, 12, 20, 0, 0, 0, 0, formsmodel.JST)
		})},
		sample{"app-entry-digits", app(kiosk.StateAppEntry, func(v *kiosk.View) { v.EntryAt, v.EntryText = 1, "031234" })},
		sample{"app-entry-empty", app(kiosk.StateAppEntry, func(v *kiosk.View) { v.EntryAt, v.Note = 1, kiosk.NoteEntryEmpty })},
		sample{"app-entry-kana", app(kiosk.StateAppEntry, func(v *kiosk.View) { v.EntryAt, v.EntryText, v.KeyPage = 2, "ミホン　ハ", 5 })},
		sample{"app-review", app(kiosk.StateAppReview, func(v *kiosk.View) {
			v.Entries = filled
			v.Facts = []kiosk.FactView{{Label: "氏名", LabelEN: "Name", Value: "見本 花子"},
				{Label: "現住所", LabelEN: "Current address", Value: "東京都千代田区霞が関二丁目1番2号"}}
		})},
		sample{"app-password-reading", app(kiosk.StateAppPasswordReading, nil)},
		sample{"app-password", app(kiosk.StateAppPassword, func(v *kiosk.View) { v.PINLength, v.TriesLeft = 3, 5 })},
		sample{"app-password-digits", app(kiosk.StateAppPassword, func(v *kiosk.View) { v.PINLength, v.TriesLeft, v.KeyPage = 7, 5, 1 })},
		sample{"app-password-wrong", app(kiosk.StateAppPassword, func(v *kiosk.View) { v.TriesLeft, v.WrongPIN = 4, true })},
		sample{"app-password-last-try", app(kiosk.StateAppPassword, func(v *kiosk.View) { v.TriesLeft, v.WrongPIN = 1, true })},
		sample{"app-password-short", app(kiosk.StateAppPassword, func(v *kiosk.View) {
			v.PINLength, v.TriesLeft, v.Note = 5, 5, kiosk.NotePasswordLength
		})},
		sample{"app-signing", app(kiosk.StateAppSigning, nil)},
		sample{"app-printing", app(kiosk.StateAppPrinting, nil)},
		sample{"app-take", kiosk.View{State: kiosk.StateAppTake, Municipalities: sampleMunis(), CardPresent: true, AppNumber: "20261201-0123456789ABCDEF"}},
		sample{"app-take-no-receipt", kiosk.View{State: kiosk.StateAppTake, Municipalities: sampleMunis(), CardGone: true,
			AppNumber: "20261201-0123456789ABCDEF", AppReceiptFailed: true}},
		sample{"problem-app-cancelled", kiosk.View{State: kiosk.StateProblem, Problem: kiosk.ProblemCancelled, Municipalities: sampleMunis(),
			CardPresent: true, AppProblem: true}},
	)
	for _, p := range kiosk.Problems {
		v := kiosk.View{State: kiosk.StateProblem, Problem: p, Municipalities: sampleMunis()}
		v.CardPresent = p != kiosk.ProblemCardRemoved && p != kiosk.ProblemOutOfService && p != kiosk.ProblemClosed
		s = append(s, sample{name: "problem-" + p.String(), v: v})
	}
	return s
}

func newSim(t testing.TB, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	s.SetSize(w, h)
	return s
}

// dump renders the simulation screen's cells as text rows, then the style of every cell
// as letters with a legend.
func dump(s tcell.SimulationScreen) string {
	cells, w, h := s.GetContents()
	var text, styles strings.Builder
	letters := map[tcell.Style]byte{}
	var legend []string
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for y := range h {
		text.WriteByte('|')
		styles.WriteByte('|')
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			r := string(c.Runes)
			if r == "" || r == "\x00" {
				r = " "
			}
			cw := uniseg.StringWidth(r)
			l, ok := letters[c.Style]
			if !ok {
				l = alphabet[len(letters)%len(alphabet)]
				letters[c.Style] = l
				fg, bg, attr := c.Style.Decompose()
				legend = append(legend, fmt.Sprintf("%c fg=%06x bg=%06x attr=%d", l, fg.Hex(), bg.Hex(), attr))
			}
			text.WriteString(r)
			for range max(cw, 1) {
				styles.WriteByte(l)
			}
			if cw == 2 {
				x++
			}
		}
		text.WriteString("|\n")
		styles.WriteString("|\n")
	}
	return text.String() + "\n" + styles.String() + "\n" + strings.Join(legend, "\n") + "\n"
}

// Every screen at the sizes real panels have (landscape and portrait, with and without
// the demo's technician bar): nothing cut, no two touch targets touching, all on the
// screen, the layout centred on large panels.
func TestLayoutsAtEverySize(t *testing.T) {
	bar := []TechAction{{Label: "place card", Key: tcell.KeyF2}, {Label: "next resident", Key: tcell.KeyF3}}
	for _, sz := range []struct{ w, h int }{{80, 24}, {100, 32}, {120, 40}, {160, 48}, {80, 60}, {200, 60}} {
		for _, tech := range [][]TechAction{nil, bar} {
			_, langs := goldenLangs(t, sz.w, sz.h) // every language at the smallest size
			if testing.Short() {
				langs = []kiosk.Lang{kiosk.LangJA, kiosk.LangEN} // TestGolden checks them all at 80x24
			}
			for _, lang := range langs {
				for _, sm := range samples() {
					t.Run(fmt.Sprintf("%s-%s-%dx%d-bar%d", sm.name, lang, sz.w, sz.h, len(tech)), func(t *testing.T) {
						s := newSim(t, sz.w, sz.h)
						defer s.Fini()
						v := sm.v
						v.Lang = lang
						buttons, overflow := render(s, v, tech, -1, remainOf(sm.name))
						if len(overflow) > 0 {
							t.Errorf("text does not fit: %q", overflow)
						}
						checkTargets(t, buttons, sz.w, sz.h)
						// Centred: the resident's targets are as far from the left edge as
						// from the right, give or take a cell (the idle screen's
						// background spans all).
						minX, maxX := sz.w, 0
						for _, b := range buttons {
							if !b.bg && b.tech == 0 {
								minX, maxX = min(minX, b.r.x), max(maxX, b.r.x+b.r.w)
							}
						}
						if sz.w > MaxWidth && maxX > minX {
							if left, right := minX, sz.w-maxX; left < (sz.w-MaxWidth)/2 || right < (sz.w-MaxWidth)/2 {
								t.Errorf("layout not centred: %d cells left, %d right", left, right)
							}
						}
					})
				}
			}
		}
	}
}

// Below the minimum size the screen says what is wrong and offers nothing to touch.
func TestTooSmall(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{79, 24}, {80, 22}, {40, 12}} {
		s := newSim(t, sz.w, sz.h)
		buttons, _ := render(s, kiosk.View{State: kiosk.StateIdle, Municipalities: sampleMunis()}, nil, -1, 0)
		s.Show()
		if len(buttons) != 0 {
			t.Errorf("%dx%d: %d buttons on a screen too small", sz.w, sz.h, len(buttons))
		}
		if got := dump(s); !strings.Contains(got, "画面が小さすぎます") {
			t.Errorf("%dx%d: no word of the size:\n%s", sz.w, sz.h, got)
		}
		s.Fini()
	}
}

// goldenLangs are the languages a size has golden files in: Japanese and English at
// every size, every other language at the smallest (80x24) once its catalog is complete;
// an incomplete one is still drawn and checked, without a golden file (its English
// fallbacks would change when it is translated).
func goldenLangs(t *testing.T, w, h int) (golden, checked []kiosk.Lang) {
	golden = []kiosk.Lang{kiosk.LangJA, kiosk.LangEN}
	if w != MinWidth || h != MinHeight+1 {
		return golden, golden
	}
	checked = kiosk.Langs
	for _, l := range kiosk.Langs {
		if !l.Translated() {
			continue
		}
		u, err := i18n.Untranslated(string(l))
		if err != nil {
			t.Fatal(err)
		}
		if len(u) == 0 {
			golden = append(golden, l)
		}
	}
	return golden, checked
}

func TestGolden(t *testing.T) {
	for _, sz := range sizes {
		golden, checked := goldenLangs(t, sz.w, sz.h)
		for _, lang := range checked {
			for _, sm := range samples() {
				name := fmt.Sprintf("%s-%s-%dx%d", sm.name, lang, sz.w, sz.h)
				t.Run(name, func(t *testing.T) {
					s := newSim(t, sz.w, sz.h)
					defer s.Fini()
					v := sm.v
					v.Lang = lang
					buttons, overflow := render(s, v, nil, -1, remainOf(sm.name))
					s.Show()
					if len(overflow) > 0 {
						t.Errorf("text does not fit: %q", overflow)
					}
					checkTargets(t, buttons, sz.w, sz.h)
					checkWidths(t, s)
					if slices.Contains(golden, lang) {
						checkGolden(t, name, dump(s))
					}
				})
			}
		}
	}
}

// checkTargets: every touch target is large (3 rows, 6 columns), on the screen, and
// no two overlap.
func checkTargets(t *testing.T, bs []button, w, h int) {
	t.Helper()
	for i, b := range bs {
		if b.bg || b.tech > 0 {
			continue
		}
		if b.r.h < 3 || b.r.w < 6 {
			t.Errorf("target %q is %dx%d, too small to touch", b.label, b.r.w, b.r.h)
		}
		if b.r.x < 0 || b.r.y < 0 || b.r.x+b.r.w > w || b.r.y+b.r.h > h {
			t.Errorf("target %q at %+v is off the screen", b.label, b.r)
		}
		for _, o := range bs[i+1:] {
			if o.bg || o.tech > 0 {
				continue
			}
			// At least one cell between any two: a finger on the edge of one never
			// lands on the other.
			if b.r.x <= o.r.x+o.r.w && o.r.x <= b.r.x+b.r.w && b.r.y <= o.r.y+o.r.h && o.r.y <= b.r.y+b.r.h {
				t.Errorf("targets %q %+v and %q %+v touch", b.label, b.r, o.label, o.r)
			}
		}
	}
}

// checkWidths: no East Asian Ambiguous character is on the screen (terminals disagree
// on their width).
func checkWidths(t *testing.T, s tcell.SimulationScreen) {
	t.Helper()
	cells, _, _ := s.GetContents()
	for _, c := range cells {
		for _, r := range c.Runes {
			if i18n.Ambiguous(r) {
				t.Errorf("ambiguous-width character %q (%U) on screen", r, r)
			}
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want []string
	}{
		{"Check how the card is placed and try again.", 20, []string{"Check how the card", "is placed and try", "again."}},
		{"暗証番号がロックされています。お住まいの", 16, []string{"暗証番号が", "ロックされていま", "す。お住まいの"}},
		{"あいうえおかきく。", 16, []string{"あいうえおかき", "く。"}},
		{"1通200円、合計400円", 10, []string{"1通200円、", "合計400円"}},
		// Never inside a word: 「してください」 stays whole, the break comes at a phrase.
		{"端末の不具合のため再設定してください。", 30, []string{"端末の不具合のため", "再設定してください。"}},
		{"カードが置かれたままです。確認のため、いったんカードを取り、もう一度置いてください。", 76,
			[]string{"カードが置かれたままです。確認のため、いったんカードを取り、もう", "一度置いてください。"}},
		{"よろしければ「確認」を押してください。", 20, []string{"よろしければ「確認」", "を押してください。"}},
		{"あいうえおかきくけこさしすせそ", 10, []string{"あいうえお", "かきくけこ", "さしすせそ"}}, // no boundary: by characters
		{"Place the card on the reader.", 12, []string{"Place the", "card on the", "reader."}},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			got := wrap(tt.s, tt.w)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.s, tt.w, got, tt.want)
			}
			for _, l := range got {
				if uniseg.StringWidth(l) > tt.w {
					t.Errorf("line %q wider than %d", l, tt.w)
				}
			}
		})
	}
}

// checkGolden compares a screen's dump with testdata/NAME.golden (-update writes it).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./screens -update)", err)
	}
	if got != string(want) {
		t.Errorf("screen differs from %s (go test ./screens -update to accept):\n%s", path, got)
	}
}
