package screens

import (
	"strings"
	"testing"

	"madoguchi/center"
	"madoguchi/kiosk"
)

// Every problem, certificate and option the engine can show has its text in both
// languages; an unknown one falls back without an empty title.
func TestTextTables(t *testing.T) {
	for _, p := range kiosk.Problems {
		t.Run("problem-"+p.String(), func(t *testing.T) {
			if _, ok := problemTexts[p]; !ok {
				t.Fatal("no entry in problemTexts")
			}
			title, next := problemText(p)
			for _, m := range []msg{title, next} {
				if m.ja == "" || m.en == "" {
					t.Errorf("text %+v misses a language", m)
				}
			}
		})
	}
	t.Run("problem-unknown", func(t *testing.T) {
		if title, next := problemText(kiosk.Problem(-1)); title != txtProblemUnknown || next != (msg{}) {
			t.Errorf("problemText(-1) = %+v, %+v", title, next)
		}
	})
	for _, ct := range center.CertTypes {
		t.Run("cert-"+string(ct), func(t *testing.T) {
			ja, en := certTitle(ct, kiosk.LangJA), certTitle(ct, kiosk.LangEN)
			if ja != ct.Title() || en == "" || en == ja {
				t.Errorf("titles %q / %q", ja, en)
			}
			for _, o := range kiosk.OptionsFor(ct) {
				label, off, on := optionText(o)
				for _, m := range []msg{label, off, on} {
					if m.ja == "" || m.en == "" {
						t.Errorf("option %d: text %+v misses a language", o, m)
					}
				}
			}
		})
	}
}

func TestTextWithNumbers(t *testing.T) {
	tests := []struct {
		name   string
		f      func(kiosk.Lang) string
		ja, en string
	}{
		{"yen", func(l kiosk.Lang) string { return yen(350, l) }, "350円", "350 yen"},
		{"one-copy", func(l kiosk.Lang) string { return copiesText(1, l) }, "1通", "1 copy"},
		{"copies", func(l kiosk.Lang) string { return copiesText(3, l) }, "3通", "3 copies"},
		{"countdown", func(l kiosk.Lang) string { return countdownText(5, l) }, "あと5秒で終了します", "Ending in 5 seconds"},
		{"tries", func(l kiosk.Lang) string { return triesText(2, l) }, "入力できる残り回数：2回", "Tries left: 2"},
		{"fee", func(l kiosk.Lang) string { return feeLine(200, 2, l) }, "1通あたり200円、2通", "200 yen per copy, 2 copies"},
		{"total", func(l kiosk.Lang) string { return feeTotalLine(1000, 2, l) }, "1通1,000円、合計2,000円", "1,000 yen each, 2,000 yen total"},
		{"one copy", func(l kiosk.Lang) string { return feeLine(450, 1, l) }, "1通あたり450円、1通", "450 yen per copy, 1 copy"},
		{"thousands", func(l kiosk.Lang) string { return yen(2000, l) }, "2,000円", "2,000 yen"},
		{"millions", func(l kiosk.Lang) string { return yen(1234567, l) }, "1,234,567円", "1,234,567 yen"},
		{"small", func(l kiosk.Lang) string { return yen(0, l) + yen(999, l) }, "0円999円", "0 yen999 yen"},
		{"options", func(l kiosk.Lang) string {
			v := kiosk.View{Cert: center.ResidentRecord, Options: center.Options{Household: true, Domicile: true}}
			return strings.Join(chosenOptions(v, l), "/")
		}, "記載する方：世帯全員/本籍・筆頭者：記載する/世帯主・続柄：記載しない", "People: Household/Domicile: Shown/Relationship: Not shown"},
		{"koseki", func(l kiosk.Lang) string {
			return strings.Join(chosenOptions(kiosk.View{Cert: center.FamilyRegister, Options: center.Options{Individual: true}}, l), "/")
		}, "記載内容：個人事項", "Contents: Only me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f(kiosk.LangJA); got != tt.ja {
				t.Errorf("ja: %q, want %q", got, tt.ja)
			}
			if got := tt.f(kiosk.LangEN); got != tt.en {
				t.Errorf("en: %q, want %q", got, tt.en)
			}
		})
	}
}

// The English review: phrases a native speaker would not write on a public terminal are
// gone (issue 15's list), and the PIN hint tells the PIN from the signature password.
func TestEnglishReview(t *testing.T) {
	var all []string
	for _, m := range []msg{txtPINWhich, btnDelete, txtCenter, txtPaying, txtThanks} {
		all = append(all, m.en)
	}
	for _, o := range []kiosk.Option{kiosk.OptHousehold, kiosk.OptDomicile, kiosk.OptRelationship, kiosk.OptIndividual} {
		l, off, on := optionText(o)
		all = append(all, l.en, off.en, on.en)
	}
	for _, c := range center.CertTypes {
		all = append(all, certTitle(c, kiosk.LangEN))
	}
	for _, bad := range []string{"Certificate of Residence Items", "Omit", "Include", "The PIN of the user authentication certificate", "Del"} {
		for _, s := range all {
			if s == bad || strings.Contains(s, bad) && bad != "Del" {
				t.Errorf("English text %q still says %q", s, bad)
			}
		}
	}
	if !strings.Contains(txtPINWhich.en, "4-digit") {
		t.Errorf("PIN hint %q does not say 4 digits", txtPINWhich.en)
	}
}

// A suspended card's screen gives the 24-hour line for lost and stolen cards (the Digital
// Agency's overview: 0120-95-0178).
func TestSuspendedCardHotline(t *testing.T) {
	_, next := problemText(kiosk.ProblemCardSuspended)
	for _, s := range []string{next.ja, next.en} {
		if !strings.Contains(s, "0120-95-0178") {
			t.Errorf("no hotline in %q", s)
		}
	}
}

// TestCertTitles checks that every certificate has a title pair whose Japanese is the
// center's own title.
func TestCertTitles(t *testing.T) {
	for _, c := range center.CertTypes {
		m, ok := certTitles[c]
		if !ok || m.ja != c.Title() || m.en == "" {
			t.Errorf("%s: title %+v, want Japanese %q and an English one", c, m, c.Title())
		}
	}
}
