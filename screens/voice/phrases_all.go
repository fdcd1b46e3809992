package voice

import (
	"slices"

	"madoguchi/center"
	"madoguchi/forms"
	"madoguchi/kiosk"
)

// Spec is what the configuration says about the numbers and names the guide can speak,
// so that every part can be synthesized ahead of time (Phrases).
type Spec struct {
	Langs          []kiosk.Lang
	Fees           []int // the certificates' fees per copy
	MaxCopies      int
	Municipalities []kiosk.MunicipalityView
	Certs          []center.CertType
}

// PINDigits is the longest PIN a pad announces (the technician's PIN has up to 12 digits).
const PINDigits = 12

// MaxTries is the most PIN tries a card reports.
const MaxTries = 5

// Part is one clip: a text in a language.
type Part struct {
	Lang kiosk.Lang
	Text string
}

// Phrases lists every part the guide can say under s, once each: the tables, the
// sentences with a bounded number for each of its values, and the fees (every fee per
// copy times every number of copies). A part missing here is synthesized when first said
// (and kept in the cache).
func Phrases(s Spec) []Part {
	var out []Part
	seen := map[Part]bool{}
	add := func(l kiosk.Lang, texts ...string) {
		for _, t := range texts {
			p := Part{l, t}
			if t != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	addU := func(u Utterance) { add(u.Lang, u.Parts...) }
	maxCopies := max(s.MaxCopies, 1)
	spoken := map[kiosk.Lang]bool{}
	for _, l := range s.Langs {
		if l = Spoken(l); spoken[l] {
			continue
		}
		spoken[l] = true
		add(l, txtLangPick.in(l), txtJapanese.in(l))
		for i := range kiosk.Langs {
			addU(Focus(kiosk.View{Lang: l}, kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: i + 1}, ""))
		}
		for _, st := range kiosk.States {
			add(l, stateGuides[st].in(l))
		}
		for _, t := range sortedTexts(problemGuides) {
			add(l, t.in(l))
		}
		for _, t := range sortedTexts(noteGuides) {
			add(l, t.in(l))
		}
		for _, t := range sortedTexts(inputWords) {
			add(l, t.in(l))
		}
		for _, t := range sortedTexts(copiesWords) {
			add(l, t.in(l))
		}
		for _, t := range sortedTexts(saidTexts) {
			add(l, t.in(l))
		}
		for _, o := range []kiosk.Option{kiosk.OptHousehold, kiosk.OptDomicile, kiosk.OptRelationship, kiosk.OptIndividual} {
			for _, on := range []bool{false, true} {
				add(l, optionWord(o, on, l), optionWord(o, on, l)+sentenceEnd(l))
			}
		}
		add(l, txtPINWrong.in(l), txtLastTry.in(l), txtFeePress.in(l), txtFeePay.in(l), txtCardGone.in(l),
			txtProblemDone.in(l), txtAnother.in(l), txtDeleted.in(l), txtCleared.in(l), txtUnavailable.in(l),
			sentenceEnd(l)+txtOptionOn.in(l))
		for n := 1; n <= PINDigits; n++ {
			add(l, fmtDigit.format(l, n))
		}
		add(l, txtPasswordWrong.in(l), txtPasswordLast.in(l), txtCharDeleted.in(l), txtCharKey.in(l), txtAppNotSent.in(l), txtNoReader.in(l))
		for n := 1; n <= max(kiosk.PasswordMax, forms.MaxKana, forms.MaxDigits); n++ {
			add(l, fmtChar.format(l, n))
		}
		for n := 0; n <= MaxTries; n++ {
			add(l, fmtTries.format(l, n))
		}
		for n := 1; n <= maxCopies; n++ {
			add(l, fmtCopies.format(l, n))
		}
		for n := 1; n <= 10; n++ {
			addU(Countdown(n, l))
		}
		add(l, fmtMaxCopies.format(l, maxCopies))
		for _, c := range s.Certs {
			add(l, certName(c, l)+sentenceEnd(l))
		}
		for _, m := range s.Municipalities {
			addU(Focus(kiosk.View{Lang: l, State: kiosk.StateMunicipality, Municipalities: []kiosk.MunicipalityView{m}}, kiosk.Input{Kind: kiosk.InputSelect}, ""))
		}
		for _, fee := range s.Fees {
			for n := 1; n <= maxCopies; n++ {
				add(l, feeParts(fee*n, l)...)
			}
		}
		add(l, feeParts(0, l)...)
	}
	return out
}

// sortedTexts are a table's texts in the order of its keys, so Phrases is stable.
func sortedTexts[K ~int](m map[K]text) []text {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]text, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}
