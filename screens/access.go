package screens

// Voice guidance and the tactile keypad: what the screens need from the spoken guide
// (Voice), the keypad's keys as screen events (KeyEvent), and the screens' own buttons
// that talk to the guide (voice on/off, louder, quieter).

import (
	"cmp"
	"slices"
	"time"

	"madoguchi/kiosk"
)

// Voice is what the screens need from the spoken guide; *voice.Speaker (screens/voice)
// has it. Its methods are called on the UI goroutine and must not block.
type Voice interface {
	Show(v kiosk.View, remain int)      // every view drawn, with the countdown shown (0: none)
	Focus(in kiosk.Input, label string) // the keypad moved the focus to a button
	Repeat()                            // the help key: the screen's guide again
	Toggle()                            // the 音声案内 button or key
	Louder()
	Quieter()
	On() bool
}

// Key is a key of the resident's tactile keypad (screens/keypad reads a USB numeric
// keypad or a GPIO key matrix and posts KeyEvents to the screen).
type Key int

// The keypad's keys. The layout is the telephone's (dot on 5): 2 and 8 (or the arrows)
// move the focus, 5 or Enter chooses, except on a PIN pad, where every digit is a digit
// and Enter confirms.
const (
	KeyNone       Key = iota
	KeyDigit          // KeyEvent.Digit
	KeyEnter          // choose the focused button (else the screen's main one)
	KeyUp             // previous button
	KeyDown           // next button
	KeyBack           // back (or cancel where there is no back); on a PIN pad: delete a digit
	KeyHelp           // say the screen's guide again
	KeyLouder         // louder (turns the voice on)
	KeyQuieter        // quieter (turns the voice on)
	KeyVoice          // voice guidance on or off
	KeyHeadphones     // headphones plugged in (the board's jack switch): voice guidance on
)

var keyNames = [...]string{"none", "digit", "enter", "up", "down", "back", "help", "louder", "quieter", "voice", "headphones"}

func (k Key) String() string {
	if k >= 0 && int(k) < len(keyNames) {
		return keyNames[k]
	}
	return "key(?)"
}

// KeyEvent is a keypad key, posted to the tcell screen like a touch (tcell.Event).
type KeyEvent struct {
	Key   Key
	Digit int // 0–9 for KeyDigit
	when  time.Time
}

// NewKeyEvent is a keypad key pressed now.
func NewKeyEvent(k Key, digit int) *KeyEvent {
	return &KeyEvent{Key: k, Digit: digit, when: time.Now()}
}

// When implements tcell.Event.
func (e *KeyEvent) When() time.Time { return e.when }

// uiAct is what a screen's own button does (not an engine input).
type uiAct int

const (
	actNone uiAct = iota
	actVoice
	actLouder
	actQuieter
	actContrast
	actEasy
)

// uiModes is what the frame shows of the UI's own modes: the guide's button and, while it
// speaks, the volume buttons; the display switches (when display) and their state.
type uiModes struct {
	voice, voiceOn bool
	display        bool
	Display
}

// The voice buttons' words.
var (
	btnVoice    = msg{"音声案内", "Voice guide"}
	btnVoiceOff = msg{"音声を止める", "Voice off"}
	btnLouder   = msg{"音量＋", "Vol＋"}
	btnQuieter  = msg{"音量－", "Vol－"}
)

// idleSwitches puts the 音声案内 and やさしい日本語 buttons in the idle screen's footer.
func (f *frame) idleSwitches() {
	var bs []button
	if f.vs.voice {
		label := btnVoice
		if f.vs.voiceOn {
			label = btnVoiceOff
		}
		other := kiosk.LangJA // the second line: the same in Japanese, or English on a Japanese screen
		if f.l == kiosk.LangJA {
			other = kiosk.LangEN
		}
		bs = append(bs, button{label: f.t(label), sub: label.in(other), st: stNormal, act: actVoice})
		if f.l == kiosk.LangTL { // no Tagalog voice here (voice.NoVoice): the guide speaks English
			f.c.para(rect{2, f.h - 4, f.w - 4, 1}, f.t(txtVoiceEnglish), stBody)
		}
	}
	if b, ok := f.easyButton(); ok {
		bs = append(bs, b)
	}
	if len(bs) > 0 {
		f.footer(bs, nil)
	}
}

// volumeButtons go in the header from x leftwards while the guide speaks; it returns
// where the title must end.
func (f *frame) volumeButtons(x int) int {
	if !f.vs.voiceOn {
		return x
	}
	for _, b := range []struct {
		m   msg
		act uiAct
	}{{btnLouder, actLouder}, {btnQuieter, actQuieter}} {
		x -= 9
		f.add(button{r: rect{x, 0, 9, 3}, label: f.t(b.m), st: stLang, act: b.act, header: true})
		x--
	}
	return x
}

// doAct runs a screen's own button.
func (u *UI) doAct(a uiAct) {
	switch a {
	case actContrast:
		u.modes.Contrast = !u.modes.Contrast
	case actEasy:
		u.modes.Easy = !u.modes.Easy
	}
	vo := u.opts.Voice
	if vo == nil {
		u.Draw(u.view)
		return
	}
	switch a {
	case actVoice:
		vo.Toggle()
	case actLouder:
		vo.Louder()
	case actQuieter:
		vo.Quieter()
	}
	u.Draw(u.view)
}

// keypad turns a keypad key into an engine input, or acts on the screen (focus, voice).
func (u *UI) keypad(ev *KeyEvent) (kiosk.Input, bool) {
	st := u.view.State
	pinPad := st == kiosk.StatePIN || st == kiosk.StateTechPIN
	in := func(k kiosk.InputKind, arg int) (kiosk.Input, bool) {
		return kiosk.Input{Kind: k, Arg: arg, Screen: u.view.Screen}, true
	}
	vo := u.opts.Voice
	switch ev.Key {
	case KeyHelp:
		if vo != nil {
			vo.Repeat()
		}
		return kiosk.Input{}, false
	case KeyVoice:
		u.doAct(actVoice)
		return kiosk.Input{}, false
	case KeyHeadphones:
		if vo != nil && !vo.On() {
			u.doAct(actVoice)
		}
		return kiosk.Input{}, false
	case KeyLouder:
		u.doAct(actLouder)
		return kiosk.Input{}, false
	case KeyQuieter:
		u.doAct(actQuieter)
		return kiosk.Input{}, false
	case KeyDigit:
		if pinPad {
			return in(kiosk.InputDigit, ev.Digit)
		}
		switch ev.Digit {
		case 2, 6:
			u.moveFocus(true)
		case 8, 4:
			u.moveFocus(false)
		case 5:
			return u.choose()
		}
		return kiosk.Input{}, false
	case KeyEnter:
		if pinPad {
			return in(kiosk.InputNext, 0)
		}
		return u.choose()
	case KeyUp:
		u.moveFocus(false)
	case KeyDown:
		u.moveFocus(true)
	case KeyBack:
		if pinPad && u.view.PINLength > 0 {
			return in(kiosk.InputDelete, 0)
		}
		for _, kind := range []kiosk.InputKind{kiosk.InputBack, kiosk.InputCancel} {
			for i, b := range u.buttons {
				if b.in.Kind == kind && b.tech == 0 && b.act == actNone {
					return u.activate(i)
				}
			}
		}
	}
	return kiosk.Input{}, false
}

// choose is 5 or Enter off a PIN pad: the focused button, else the screen's main one;
// on a screen of choices with neither, it moves the focus to the first.
func (u *UI) choose() (kiosk.Input, bool) {
	if u.focus >= 0 && u.focus < len(u.buttons) {
		return u.activate(u.focus)
	}
	for i, b := range u.buttons {
		if b.primary {
			return u.activate(i)
		}
	}
	if u.view.State == kiosk.StateIdle {
		return kiosk.Input{Kind: kiosk.InputStart, Screen: u.view.Screen}, true
	}
	u.moveFocus(true)
	return kiosk.Input{}, false
}

// focusOrder is the order the focus moves through the resident's buttons: the screen's
// own buttons top to bottom, left to right, then the header's.
func (u *UI) focusOrder() []int {
	var idx []int
	for i, b := range u.buttons {
		if !b.bg && b.tech == 0 {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ba, bb := u.buttons[a], u.buttons[b]
		if ba.header != bb.header {
			if ba.header {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(ba.r.y, bb.r.y), cmp.Compare(ba.r.x, bb.r.x))
	})
	return idx
}
