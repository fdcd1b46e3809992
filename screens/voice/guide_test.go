package voice

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"madoguchi/center"
	"madoguchi/kiosk"
)

var langs = []kiosk.Lang{kiosk.LangJA, kiosk.LangEN}

// notes lists every note the engine sets.
var notes = []kiosk.Note{kiosk.NoteNeed4Digits, kiosk.NoteUnavailable, kiosk.NoteRemoveAndPlace, kiosk.NoteMaxCopies, kiosk.NotePINAgain, kiosk.NoteTakeFirst,
	kiosk.NotePasswordLength, kiosk.NoteEntryEmpty}

// A state, problem or note without a spoken guide fails here: a new one needs an entry
// in its table (phrases.go).
func TestEveryStateHasAGuide(t *testing.T) {
	for _, st := range kiosk.States {
		for _, l := range langs {
			if g, ok := stateGuides[st]; !ok || g.in(l) == "" {
				t.Errorf("state %s has no spoken guide in %s (stateGuides)", st, l)
			}
			if u := Guide(kiosk.View{State: st, Lang: l, Screen: 1, Copies: 1}); u.Empty() {
				t.Errorf("state %s says nothing in %s", st, l)
			}
		}
	}
}

func TestEveryProblemHasAGuide(t *testing.T) {
	for _, p := range kiosk.Problems {
		for _, l := range langs {
			if g, ok := problemGuides[p]; !ok || g.in(l) == "" {
				t.Errorf("problem %s has no spoken guide in %s (problemGuides)", p, l)
			}
		}
	}
	for _, n := range notes {
		for _, l := range langs {
			if g, ok := noteGuides[n]; !ok || g.in(l) == "" {
				t.Errorf("note %d has no spoken guide in %s (noteGuides)", n, l)
			}
		}
	}
}

// views is a sweep over every screen, problem and note with the numbers a View can hold.
func views() []kiosk.View {
	base := kiosk.View{Screen: 7, Copies: 2, MaxCopies: 10, Fee: 600, UnitFee: 300, TriesLeft: 2,
		Municipalities: []kiosk.MunicipalityView{{Name: "見本市", NameEN: "Mihon City", Open: true}},
		Certificates:   []kiosk.CertView{{Type: center.ResidentRecord, FeeYen: 300, Available: true}},
		Cert:           center.ResidentRecord}
	var out []kiosk.View
	for _, l := range langs {
		for _, st := range kiosk.States {
			for _, n := range append([]kiosk.Note{kiosk.NoteNone}, notes...) {
				v := base
				v.State, v.Lang, v.Note = st, l, n
				out = append(out, v)
				for pl := 0; pl <= 4; pl++ {
					w := v
					w.PINLength, w.WrongPIN = pl, pl%2 == 1
					out = append(out, w)
				}
			}
		}
		for _, p := range kiosk.Problems {
			v := base
			v.State, v.Lang, v.Problem, v.Another = kiosk.StateProblem, l, p, p == kiosk.ProblemNotEligible
			out = append(out, v)
		}
		v := base
		v.State, v.Lang, v.NoReader = kiosk.StateIdle, l, true
		out = append(out, v)
	}
	return out
}

// No PIN digit, name or address can be said: a PIN pad's announcement of a key press
// depends only on how many digits there are, whatever digit was pressed; and nothing said
// on any screen or error carries a name or an address even when the View around it is
// full of them (a View has no such field; this fails if one is added and spoken).
func TestNothingPersonalIsSaid(t *testing.T) {
	personal := []string{"山田", "太郎", "東京都", "千代田区", "1-2-3", "Yamada", "Taro"}
	for _, v := range views() {
		for _, u := range []Utterance{Guide(v), Change(kiosk.View{}, v)} {
			for _, p := range personal {
				if strings.Contains(u.Text(), p) {
					t.Errorf("%s says %q", v.State, p)
				}
			}
		}
	}
	for _, st := range []kiosk.State{kiosk.StatePIN, kiosk.StateTechPIN} {
		for _, l := range langs {
			for n := 0; n < PINDigits; n++ {
				prev := kiosk.View{State: st, Lang: l, Screen: 3, PINLength: n}
				cur := prev
				cur.PINLength = n + 1
				said := Change(prev, cur).Text()
				if said == "" {
					t.Errorf("%s: digit %d entered says nothing", st, n+1)
				}
				// n+1 is the count; any other number in the sentence would be a leak.
				for _, d := range regexp.MustCompile(`[0-9]+`).FindAllString(said, -1) {
					if d != itoa(n+1) {
						t.Errorf("%s, digit %d: says %q (a number other than the count)", st, n+1, said)
					}
				}
				// A focused digit key says it is a digit key, not its digit.
				for d := range 10 {
					f := Focus(cur, kiosk.Input{Kind: kiosk.InputDigit, Arg: d}, itoa(d))
					if regexp.MustCompile(`[0-9]`).MatchString(f.Text()) {
						t.Errorf("%s: the focused digit key %d says %q", st, d, f.Text())
					}
				}
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestChange(t *testing.T) {
	pin := kiosk.View{State: kiosk.StatePIN, Lang: kiosk.LangJA, Screen: 4, TriesLeft: 3}
	with := func(v kiosk.View, f func(*kiosk.View)) kiosk.View { f(&v); return v }
	opts := kiosk.View{State: kiosk.StateOptions, Lang: kiosk.LangEN, Screen: 5, Cert: center.ResidentRecord, Copies: 1, MaxCopies: 3}
	cases := []struct {
		name      string
		prev, cur kiosk.View
		want      string
	}{
		{"new screen", kiosk.View{}, pin, stateGuides[kiosk.StatePIN].ja},
		{"digit", pin, with(pin, func(v *kiosk.View) { v.PINLength = 1 }), "1桁目を入力しました。"},
		{"delete", with(pin, func(v *kiosk.View) { v.PINLength = 3 }), with(pin, func(v *kiosk.View) { v.PINLength = 2 }), "1桁消しました。"},
		{"clear", with(pin, func(v *kiosk.View) { v.PINLength = 3 }), pin, "入力を消しました。"},
		{"need 4", with(pin, func(v *kiosk.View) { v.PINLength = 3 }), with(pin, func(v *kiosk.View) { v.PINLength = 3; v.Note = kiosk.NoteNeed4Digits }), "4桁の数字を入力してください。"},
		{"copies", opts, with(opts, func(v *kiosk.View) { v.Copies = 2 }), "2 copies."},
		{"max copies", with(opts, func(v *kiosk.View) { v.Copies = 3 }), with(opts, func(v *kiosk.View) { v.Copies = 3; v.Note = kiosk.NoteMaxCopies }), "Up to 3 copies at a time."},
		{"option", opts, with(opts, func(v *kiosk.View) { v.Options.Household = true }), "The whole household. "},
		{"same view", pin, pin, ""},
		{"language", pin, with(pin, func(v *kiosk.View) { v.Lang = kiosk.LangEN }), stateGuides[kiosk.StatePIN].en},
		{"wrong pin", kiosk.View{}, with(pin, func(v *kiosk.View) { v.WrongPIN, v.TriesLeft = true, 1 }),
			"暗証番号が違います。残り1回です。次に間違えると、暗証番号がロックされます。" + stateGuides[kiosk.StatePIN].ja},
		{"fee", kiosk.View{}, kiosk.View{State: kiosk.StateFee, Screen: 9, Fee: 1200, Lang: kiosk.LangJA},
			"手数料を確認してください。手数料は、合計1200円です。よければ、決定キーを押してください。"},
		{"reader lost", kiosk.View{State: kiosk.StateIdle, Screen: 1, Lang: kiosk.LangJA},
			kiosk.View{State: kiosk.StateIdle, Screen: 1, Lang: kiosk.LangJA, NoReader: true}, txtNoReader.ja},
		{"reader back", kiosk.View{State: kiosk.StateIdle, Screen: 1, Lang: kiosk.LangEN, NoReader: true},
			kiosk.View{State: kiosk.StateIdle, Screen: 1, Lang: kiosk.LangEN}, stateGuides[kiosk.StateIdle].en},
		{"card taken", kiosk.View{State: kiosk.StateTake, Screen: 2}, kiosk.View{State: kiosk.StateTake, Screen: 2, CardGone: true}, txtCardGone.ja},
	}
	for _, c := range cases {
		if got := Change(c.prev, c.cur).Text(); got != c.want {
			t.Errorf("%s: said %q, want %q", c.name, got, c.want)
		}
	}
}

// Every part any screen can say is in Phrases, so voice-cache leaves nothing to
// synthesize while a resident waits (the fee of a configured certificate included).
func TestPhrasesCoverTheGuide(t *testing.T) {
	spec := Spec{Langs: langs, Fees: []int{300}, MaxCopies: 10,
		Municipalities: []kiosk.MunicipalityView{{Name: "見本市", NameEN: "Mihon City", Open: true}},
		Certs:          []center.CertType{center.ResidentRecord}}
	have := map[Part]bool{}
	for _, p := range Phrases(spec) {
		if have[p] {
			t.Errorf("listed twice: %v", p)
		}
		have[p] = true
	}
	check := func(what string, u Utterance) {
		for _, p := range u.Parts {
			if !have[Part{u.Lang, p}] {
				t.Errorf("%s: %q (%s) is not in Phrases", what, p, u.Lang)
			}
		}
	}
	for _, v := range views() {
		check(v.State.String(), Guide(v))
		check(v.State.String()+" change", Change(kiosk.View{}, v))
		for _, in := range []kiosk.Input{{Kind: kiosk.InputSelect}, {Kind: kiosk.InputStart}, {Kind: kiosk.InputNext},
			{Kind: kiosk.InputCopies, Arg: 1}, {Kind: kiosk.InputOption, Arg: int(kiosk.OptHousehold), On: true}, {Kind: kiosk.InputDigit, Arg: 3}} {
			check(v.State.String()+" focus "+in.Kind.String(), Focus(v, in, ""))
		}
	}
	for _, l := range langs {
		for s := range saidTexts {
			check("said", Say(s, l))
		}
		for n := 1; n <= 10; n++ {
			check("countdown", Countdown(n, l))
		}
	}
}

// The signing password's keyboard says how many characters there are and that a key is a
// character key, never which character.
func TestPasswordNeverSaid(t *testing.T) {
	for _, l := range langs {
		for n := 0; n < 16; n++ {
			prev := kiosk.View{State: kiosk.StateAppPassword, Lang: l, Screen: 3, PINLength: n, TriesLeft: 5}
			cur := prev
			cur.PINLength = n + 1
			said := Change(prev, cur).Text()
			if said == "" {
				t.Errorf("character %d entered says nothing", n+1)
			}
			for _, d := range regexp.MustCompile(`[0-9]+`).FindAllString(said, -1) {
				if d != itoa(n+1) {
					t.Errorf("character %d: says %q (a number other than the count)", n+1, said)
				}
			}
			for _, c := range "AZ09QX" {
				f := Focus(cur, kiosk.Input{Kind: kiosk.InputChar, Arg: int(c)}, string(c)).Text()
				if strings.ContainsRune(f, c) || f == "" {
					t.Errorf("the focused key %q says %q", c, f)
				}
			}
		}
	}
}

// TestCertWords checks that every certificate has a spoken name whose Japanese is the
// center's own title.
func TestCertWords(t *testing.T) {
	for _, c := range center.CertTypes {
		w, ok := certWords[c]
		if !ok || w.ja != c.Title() || w.en == "" {
			t.Errorf("%s: spoken name %+v, want Japanese %q and an English one", c, w, c.Title())
		}
	}
}

// An application's entry says how long it is, never what was typed.
func TestEntryNeverSaid(t *testing.T) {
	prev := kiosk.View{State: kiosk.StateAppEntry, Lang: kiosk.LangJA, Screen: 3, EntryText: "ミホ"}
	cur := prev
	cur.EntryText = "ミホン"
	if said := Change(prev, cur).Text(); said != "3文字目を入力しました。" {
		t.Errorf("typing says %q", said)
	}
	for _, v := range []kiosk.View{cur, {State: kiosk.StateAppEntry, Lang: kiosk.LangJA, Screen: 3, EntryText: "0312345678"}} {
		if said := Guide(v).Text(); strings.Contains(said, v.EntryText) {
			t.Errorf("the guide says the entry: %q", said)
		}
	}
}

// TestSpokenLanguages: every language's screens are spoken in a language a synthesizer
// here has (Tagalog in English), every guide of every state is said, and the picker
// says each language's name in that language.
func TestSpokenLanguages(t *testing.T) {
	for _, l := range kiosk.Langs {
		sp := Spoken(l)
		if _, ok := ESpeakVoices[sp]; !ok && sp != kiosk.LangJA {
			t.Errorf("%s is spoken in %s, which has no voice", l, sp)
		}
		for _, st := range kiosk.States {
			if u := Guide(kiosk.View{State: st, Lang: l}); u.Empty() || u.Lang != sp {
				t.Errorf("%s %s: guide %q in %s", l, st, u.Text(), u.Lang)
			}
		}
		if u := Guide(kiosk.View{State: kiosk.StateChoose, Lang: l, Picking: true}); u.Text() == Guide(kiosk.View{State: kiosk.StateChoose, Lang: l}).Text() {
			t.Errorf("%s: the picker says what the screen under it says", l)
		}
		for i, pick := range kiosk.Langs {
			u := Focus(kiosk.View{Lang: l}, kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: i + 1}, "")
			if u.Text() != pick.Name() || u.Lang != Spoken(pick) {
				t.Errorf("focus on %s in %s: %q in %s", pick, l, u.Text(), u.Lang)
			}
		}
	}
	if Spoken(kiosk.LangTL) != kiosk.LangEN || Spoken("fr") != kiosk.LangJA || Spoken(kiosk.LangNE) != kiosk.LangNE {
		t.Error("Spoken: Tagalog must be English, an unknown language Japanese, Nepali Nepali")
	}
}
