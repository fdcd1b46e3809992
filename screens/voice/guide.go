package voice

import (
	"slices"
	"strings"
	"unicode/utf8"

	"madoguchi/kiosk"
)

// Utterance is what the kiosk says at once: its parts are spoken one after the other,
// each part one clip of the cache. A number that has no bound (the fee) is a part of its
// own, so the words around it are the same clips whatever the amount.
type Utterance struct {
	Lang  kiosk.Lang
	Parts []string
}

// Empty reports whether there is nothing to say.
func (u Utterance) Empty() bool { return len(u.Parts) == 0 }

// Text is the utterance as one line (the demo's transcript, tests).
func (u Utterance) Text() string { return strings.Join(u.Parts, "") }

func (u *Utterance) add(parts ...string) {
	for _, p := range parts {
		if p != "" {
			u.Parts = append(u.Parts, p)
		}
	}
}

// lang is the spoken language of v (Spoken).
func lang(v kiosk.View) kiosk.Lang { return Spoken(v.Lang) }

// Spoken is the language the guide speaks for screens in l: l itself, English for a
// language no synthesizer here speaks (Tagalog: NoVoice; the screen says so), Japanese
// for none of kiosk.Langs.
func Spoken(l kiosk.Lang) kiosk.Lang {
	switch {
	case !l.Valid():
		return kiosk.LangJA
	case slices.Contains(NoVoice, l):
		return kiosk.LangEN
	}
	return l
}

// Guide is the whole spoken guide of v's screen: what is on it and what to do. It is
// said when the screen appears and again on the help key. It is made only from the
// tables and from numbers the View holds (fee, copies, tries); a View never holds a PIN
// digit, a name or an address, so none can be said.
func Guide(v kiosk.View) Utterance {
	l := lang(v)
	u := Utterance{Lang: l}
	g := stateGuides[v.State]
	if v.Picking {
		u.add(txtLangPick.in(l))
		if l != kiosk.LangJA {
			u.add(txtJapanese.in(l))
		}
		return u
	}
	switch v.State {
	case kiosk.StateIdle:
		if v.NoReader { // nothing starts until the reader is back (the screen says so)
			u.add(txtNoReader.in(l))
			return u
		}
		if !anyOpen(v) {
			u.add(problemGuides[kiosk.ProblemClosed].in(l))
			return u
		}
		u.add(g.in(l))
	case kiosk.StateOptions:
		if v.Cert != "" {
			u.add(certName(v.Cert, l) + sentenceEnd(l))
		}
		u.add(g.in(l), fmtCopies.format(l, v.Copies))
	case kiosk.StatePIN:
		u.tries(v, txtPINWrong, txtLastTry)
		u.add(g.in(l))
	case kiosk.StateAppPassword:
		u.tries(v, txtPasswordWrong, txtPasswordLast)
		u.add(g.in(l))
	case kiosk.StateFee:
		u.add(g.in(l))
		u.add(feeParts(v.Fee, l)...)
		if v.Pays {
			u.add(txtFeePay.in(l))
		} else {
			u.add(txtFeePress.in(l))
		}
	case kiosk.StateTake:
		if v.CardGone {
			u.add(txtCardGone.in(l))
		} else {
			u.add(g.in(l))
		}
	case kiosk.StateProblem:
		if v.AppProblem && (v.Problem == kiosk.ProblemCancelled || v.Problem == kiosk.ProblemTimedOut) {
			u.add(txtAppNotSent.in(l))
		} else if p, ok := problemGuides[v.Problem]; ok {
			u.add(p.in(l))
		} else {
			u.add(g.in(l))
		}
		if v.Another {
			u.add(txtAnother.in(l))
		}
		u.add(txtProblemDone.in(l))
	default:
		u.add(g.in(l))
	}
	if v.Note != kiosk.NoteNone {
		u.add(noteText(v, l))
	}
	return u
}

// Change is what to say when the screen goes from prev to cur (both as drawn): the whole
// guide of a new screen or language, or what one key press changed on the same screen.
// The PIN pads say how many digits there are, never which.
func Change(prev, cur kiosk.View) Utterance {
	l := lang(cur)
	// A view from before the engine ran (Screen 0) and the first one after are one screen.
	renumbered := prev.Screen == 0 && cur.Screen != 0
	if (cur.Screen != prev.Screen && !renumbered) || cur.State != prev.State || cur.Problem != prev.Problem || cur.Lang != prev.Lang || cur.Picking != prev.Picking ||
		(cur.State == kiosk.StateIdle && cur.NoReader != prev.NoReader) {
		return Guide(cur)
	}
	u := Utterance{Lang: l}
	switch cur.State {
	case kiosk.StatePIN, kiosk.StateTechPIN:
		u.count(prev.PINLength, cur.PINLength, fmtDigit, txtDeleted)
	case kiosk.StateAppPassword: // how many characters, never which
		u.count(prev.PINLength, cur.PINLength, fmtChar, txtCharDeleted)
	case kiosk.StateAppEntry: // what the resident types is theirs: its length only
		if prev.EntryAt == cur.EntryAt {
			u.count(utf8.RuneCountInString(prev.EntryText), utf8.RuneCountInString(cur.EntryText), fmtChar, txtCharDeleted)
		}
	case kiosk.StateOptions:
		for _, o := range kiosk.OptionsFor(cur.Cert) {
			if on := cur.OptionOn(o); on != prev.OptionOn(o) {
				u.add(optionWord(o, on, l) + sentenceEnd(l))
			}
		}
		if cur.Copies != prev.Copies {
			u.add(fmtCopies.format(l, cur.Copies))
		}
	case kiosk.StateTake:
		if cur.CardGone && !prev.CardGone {
			u.add(txtCardGone.in(l))
		}
	}
	if cur.Note != prev.Note && cur.Note != kiosk.NoteNone {
		u.add(noteText(cur, l))
	}
	return u
}

// tries says a wrong PIN or password with the tries left, and warns of the last one.
func (u *Utterance) tries(v kiosk.View, wrong, last text) {
	if v.WrongPIN {
		u.add(wrong.in(u.Lang), fmtTries.format(u.Lang, v.TriesLeft))
	}
	if v.TriesLeft == 1 {
		u.add(last.in(u.Lang))
	}
}

// count says what a key press did to a masked entry: how many there are now (entered),
// or that one was deleted or all cleared; never which.
func (u *Utterance) count(prev, cur int, entered, deleted text) {
	switch {
	case cur > prev:
		u.add(entered.format(u.Lang, cur))
	case cur == 0 && prev > 1:
		u.add(txtCleared.in(u.Lang))
	case cur < prev:
		u.add(deleted.in(u.Lang))
	}
}

// Countdown is what the screen says when its countdown appears (seconds left).
func Countdown(seconds int, l kiosk.Lang) Utterance {
	u := Utterance{Lang: l}
	u.add(fmtCountdown.format(l, seconds))
	return u
}

// Focus is what a focused button says: what it does, or the name of the item it chooses.
// A digit key of a PIN pad says only that it is a digit key. label is the button's text
// on the screen, said for a button the table does not know (the screens' own buttons).
func Focus(v kiosk.View, in kiosk.Input, label string) Utterance {
	l := lang(v)
	u := Utterance{Lang: l}
	switch in.Kind {
	case kiosk.InputSelect:
		switch {
		case v.State == kiosk.StateMunicipality && in.Arg >= 0 && in.Arg < len(v.Municipalities):
			m := v.Municipalities[in.Arg]
			name := m.Name
			if l == kiosk.LangEN && m.NameEN != "" {
				name = m.NameEN
			}
			u.add(name)
			if !m.Open {
				u.add(txtUnavailable.in(l))
			}
		case v.State == kiosk.StateChoose && in.Arg >= 0 && in.Arg < len(v.Certificates):
			c := v.Certificates[in.Arg]
			u.add(certName(c.Type, l) + sentenceEnd(l))
			u.add(feeParts(c.FeeYen, l)...)
			if !c.Available {
				u.add(txtUnavailable.in(l))
			}
		case v.State == kiosk.StateAppEntry, v.State == kiosk.StateAppPassword: // a kana row, a keyboard page
			u.add(label)
		}
	case kiosk.InputOption:
		o := kiosk.Option(in.Arg)
		u.add(optionWord(o, in.On, l))
		if v.OptionOn(o) == in.On {
			u.add(sentenceEnd(l) + txtOptionOn.in(l))
		}
	case kiosk.InputCopies:
		u.add(copiesWords[in.Arg].in(l))
	case kiosk.InputChar:
		if v.State == kiosk.StateAppPassword { // a password key says it is one, never its character
			u.add(txtCharKey.in(l))
		} else {
			u.add(label) // a kana key says its letter
		}
	case kiosk.InputDatePart:
		u.add(label)
	case kiosk.InputPickLanguage:
		switch {
		case in.Arg >= 1 && in.Arg <= len(kiosk.Langs):
			// A language's name, said in that language.
			pick := kiosk.Langs[in.Arg-1]
			u = Utterance{Lang: Spoken(pick)}
			u.add(pick.Name())
		case in.Arg < 0:
			u.add(inputWords[kiosk.InputBack].in(l))
		default:
			u.add(inputWords[kiosk.InputLanguage].in(l))
		}
	case kiosk.InputNone:
		u.add(label)
	default:
		if w, ok := inputWords[in.Kind]; ok {
			u.add(w.in(l))
		} else if in.Kind != kiosk.InputDigit {
			u.add(label)
		}
	}
	return u
}

// Said is a fixed sentence of the speaker's own (voice on and off, volume).
type Said int

// The speaker's own sentences.
const (
	SaidVoiceOn Said = iota
	SaidVoiceOff
	SaidLouder
	SaidQuieter
)

var saidTexts = map[Said]text{SaidVoiceOn: txtVoiceOn, SaidVoiceOff: txtVoiceOff, SaidLouder: txtLouder, SaidQuieter: txtQuieter}

// Say is one of the speaker's own sentences in l.
func Say(s Said, l kiosk.Lang) Utterance {
	u := Utterance{Lang: l}
	u.add(saidTexts[s].in(l))
	return u
}

func noteText(v kiosk.View, l kiosk.Lang) string {
	if v.Note == kiosk.NoteMaxCopies && v.MaxCopies > 0 {
		return fmtMaxCopies.format(l, v.MaxCopies)
	}
	return noteGuides[v.Note].in(l)
}

// feeParts says an amount of yen: the sentence around it and the amount are separate
// parts.
func feeParts(n int, l kiosk.Lang) []string {
	return splitAround(fmtFee.in(l), fmtYen.format(l, n))
}

// splitAround cuts format at its one %s into the words before, the argument, and the
// words after.
func splitAround(format, arg string) []string {
	before, after, _ := strings.Cut(format, "%s")
	return []string{before, arg, after}
}

func sentenceEnd(l kiosk.Lang) string { return txtSentenceEnd.in(l) }

func optionWord(o kiosk.Option, on bool, l kiosk.Lang) string {
	w, ok := optionWords[o]
	if !ok {
		return ""
	}
	if on {
		return w[1].in(l)
	}
	return w[0].in(l)
}

func anyOpen(v kiosk.View) bool {
	if len(v.Municipalities) == 0 {
		return true
	}
	for _, m := range v.Municipalities {
		if m.Open {
			return true
		}
	}
	return false
}
