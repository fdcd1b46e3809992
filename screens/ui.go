package screens

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// Engine is what the screens need from the transaction engine; *kiosk.Engine has it.
type Engine interface {
	View() kiosk.View
	Updates() <-chan struct{}
	Input(kiosk.Input)
}

var _ Engine = (*kiosk.Engine)(nil)

// TechAction is one button of the technician bar (kiosk demo: place or take the virtual
// card, pick the demo resident). Do runs on the UI goroutine and must return quickly.
type TechAction struct {
	Label   string    // short text in Japanese, e.g. "カードを置く・取る"
	LabelEN string    // the same in English, shown when the screen is in English; "": Label
	Key     tcell.Key // optional function key, F2–F12 (F1 switches the language)
	Do      func()
}

// Options configure the UI. The zero value is the resident's screen without a
// technician bar.
type Options struct {
	// Technician adds a one-row bar at the bottom of the screen with these actions.
	Technician []TechAction
	// Now is the clock of the countdown, the tap guard and the technician gesture; nil:
	// time.Now.
	Now func() time.Time
	// Display, when set, offers the display switches (見やすく on every screen,
	// やさしい日本語 on the idle screen) and is their state at each session's start.
	Display *Display
	// Voice, when set, is the spoken guide: it hears every view drawn and the keypad's
	// focus, and the idle screen offers its 音声案内 button.
	Voice Voice
}

// TapGuard is how long after a screen appears a touch is not taken. The second tap of a
// double tap comes within Android's double-tap window of 300 ms (Windows' default
// double-click time is 500 ms); a resident who reads the new screen before touching it
// takes longer than that. 500 ms swallows a shaky finger's second and third taps and
// costs a reading resident nothing.
const TapGuard = 500 * time.Millisecond

// press is a finger on the screen: the button it went down on, on which screen.
type press struct {
	ok     bool   // it went down outside the guard time (and not on the technician corner)
	screen uint64 // the screen it went down on
	b      button
	none   bool // on no button
}

// UI draws engine views on a tcell screen and turns taps and keys into engine inputs.
// It is used by one goroutine.
type UI struct {
	scr      tcell.Screen
	opts     Options
	view     kiosk.View
	buttons  []button
	overflow []string
	focus    int       // index into buttons, -1 none
	pressed  bool      // button 1 is down (its release not seen yet)
	down     press     // where and on which screen it went down
	shownAt  time.Time // when the current screen appeared
	remain   int       // countdown shown in the last frame
	gesture  gesture
	modes    Display // the display modes now
}

// NewUI prepares a UI on an initialised screen (mouse reporting is enabled).
func NewUI(scr tcell.Screen, opts Options) *UI {
	scr.EnableMouse(tcell.MouseButtonEvents)
	scr.HideCursor()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	u := &UI{scr: scr, opts: opts, focus: -1}
	if opts.Display != nil {
		u.modes = *opts.Display
	}
	return u
}

// Draw renders v and shows it.
func (u *UI) Draw(v kiosk.View) {
	if v.State != u.view.State || v.Problem != u.view.Problem {
		u.focus = -1
	}
	if v.Screen != u.view.Screen {
		u.shownAt = u.opts.Now()
	}
	u.view = v
	u.remain = countdown(v, u.opts.Now())
	if v.State == kiosk.StateIdle && u.view.State != kiosk.StateIdle && u.opts.Display != nil {
		u.modes = *u.opts.Display // the session is over: the next resident starts from the defaults
	}
	vs := uiModes{display: u.opts.Display != nil, Display: u.modes}
	if u.opts.Voice != nil {
		vs.voice, vs.voiceOn = true, u.opts.Voice.On()
	}
	u.buttons, u.overflow = renderWith(u.scr, v, u.opts.Technician, u.focus, u.remain, vs)
	u.scr.Show()
	if u.opts.Voice != nil {
		u.opts.Voice.Show(v, u.remain)
	}
}

// countdown is the number of seconds to show before the screen times out, or 0.
func countdown(v kiosk.View, now time.Time) int {
	if v.Deadline.IsZero() || !v.State.WaitsForResident() {
		return 0
	}
	left := v.Deadline.Sub(now)
	if left <= 0 || left > CountdownFrom*time.Second {
		return 0
	}
	return int((left + time.Second - 1) / time.Second)
}

// Tick redraws when the countdown shown would change; Run calls it every second.
func (u *UI) Tick(now time.Time) {
	if countdown(u.view, now) != u.remain {
		u.Draw(u.view)
	}
}

// Overflow lists the texts of the last frame that did not fit their boxes.
func (u *UI) Overflow() []string { return u.overflow }

// Event handles a screen event: it returns the engine input it means, if any. Technician
// actions run here. A resize redraws.
func (u *UI) Event(ev tcell.Event) (kiosk.Input, bool) {
	switch ev := ev.(type) {
	case *tcell.EventResize:
		u.scr.Sync()
		u.Draw(u.view)
	case *tcell.EventMouse:
		return u.mouse(ev)
	case *tcell.EventKey:
		return u.key(ev)
	case *KeyEvent:
		return u.keypad(ev)
	}
	return kiosk.Input{}, false
}

// mouse turns presses and releases of button 1 into taps. A tap is taken on release, only
// by the button the finger went down on, when that button is still where it was on the
// same screen, and only when the finger went down TapGuard or more after the screen
// appeared. A held press is one tap at most.
//
// The streams this handles are foot's touch semantics (foot ≥ 1.15; the evdev path in
// screens/touch posts the same): a tap is a press and a release sent together when the
// finger lifts; a moving finger is wheel events; a long press is a press at the delay and
// a release at lift. So:
//   - a wheel event (a drag) or another button cancels the press: its release does nothing,
//     and wheel events never act on a button;
//   - a press that ends (is released) off the button it went down on does nothing;
//   - button 1 reported again while it is held is the finger moving (the release decides,
//     by where it lifts); on a screen other than the one it went down on, it is a new press
//     (the old one's release was lost). So no half-pressed state survives: a lost release
//     costs at most the next tap on the same screen, never the screen after.
func (u *UI) mouse(ev *tcell.EventMouse) (kiosk.Input, bool) {
	x, y := ev.Position()
	btn := ev.Buttons()
	switch {
	case btn == tcell.ButtonNone: // release
		if !u.pressed {
			return kiosk.Input{}, false
		}
		u.pressed = false
		d := u.down
		u.down = press{}
		if !d.ok || d.screen != u.view.Screen {
			return kiosk.Input{}, false
		}
		i := u.hit(x, y)
		if i >= 0 && !d.none && sameButton(u.buttons[i], d.b) {
			return u.activate(i)
		}
		if i < 0 && d.none && u.view.State.WaitsForResident() { // a touch beside the buttons
			return kiosk.Input{Kind: kiosk.InputContinue, Screen: u.view.Screen}, true
		}
		return kiosk.Input{}, false
	case btn != tcell.Button1: // wheel (a drag), another button, or button 1 with another
		u.pressed = false
		u.down = press{}
		return kiosk.Input{}, false
	}
	if u.pressed && u.down.screen == u.view.Screen { // held or moving: the release decides
		return kiosk.Input{}, false
	}
	u.pressed = true
	u.down = press{screen: u.view.Screen}
	now := u.opts.Now()
	if done, handled := u.gesture.tap(u.view, x, y, now); handled {
		return kiosk.Input{Kind: kiosk.InputTech, Screen: u.view.Screen}, done
	}
	if now.Sub(u.shownAt) >= TapGuard {
		u.down.ok, u.down.none = true, true
		if i := u.hit(x, y); i >= 0 {
			u.down.b, u.down.none = u.buttons[i], false
		}
	}
	return kiosk.Input{}, false
}

func sameButton(a, b button) bool {
	return a.r == b.r && a.in == b.in && a.tech == b.tech && a.label == b.label && a.bg == b.bg && a.act == b.act
}

// hit returns the button under (x, y): drawn buttons before the screen's background.
func (u *UI) hit(x, y int) int {
	bg := -1
	for i, b := range u.buttons {
		if b.r.contains(x, y) {
			if !b.bg {
				return i
			}
			if bg < 0 {
				bg = i
			}
		}
	}
	return bg
}

func (u *UI) activate(i int) (kiosk.Input, bool) {
	b := u.buttons[i]
	if b.act != actNone {
		u.doAct(b.act)
		return kiosk.Input{}, false
	}
	if b.tech > 0 {
		if a := u.opts.Technician[b.tech-1]; a.Do != nil {
			a.Do()
		}
		return kiosk.Input{}, false
	}
	in := b.in
	in.Screen = u.view.Screen
	return in, true
}

func (u *UI) key(ev *tcell.EventKey) (kiosk.Input, bool) {
	in, ok := u.keyInput(ev)
	in.Screen = u.view.Screen
	return in, ok
}

func (u *UI) keyInput(ev *tcell.EventKey) (kiosk.Input, bool) {
	st := u.view.State
	for i, a := range u.opts.Technician {
		if a.Key != 0 && ev.Key() == a.Key {
			for j, b := range u.buttons {
				if b.tech == i+1 {
					return u.activate(j)
				}
			}
			if a.Do != nil {
				a.Do()
			}
			return kiosk.Input{}, false
		}
	}
	in := func(k kiosk.InputKind, arg int) (kiosk.Input, bool) { return kiosk.Input{Kind: k, Arg: arg}, true }
	switch ev.Key() {
	case tcell.KeyF1:
		return in(kiosk.InputLanguage, 0)
	case tcell.KeyTab, tcell.KeyBacktab:
		u.moveFocus(ev.Key() == tcell.KeyTab)
		return kiosk.Input{}, false
	case tcell.KeyEnter:
		if u.focus >= 0 && u.focus < len(u.buttons) {
			return u.activate(u.focus)
		}
		for i, b := range u.buttons {
			if b.primary {
				return u.activate(i)
			}
		}
		if st == kiosk.StateIdle {
			return in(kiosk.InputStart, 0)
		}
	case tcell.KeyEsc:
		if st == kiosk.StateTake || st == kiosk.StateProblem {
			return in(kiosk.InputDone, 0)
		}
		if st != kiosk.StateIdle {
			return in(kiosk.InputCancel, 0)
		}
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if st == kiosk.StatePIN || st == kiosk.StateFormPIN || st == kiosk.StateAppPassword || st == kiosk.StateAppEntry {
			return in(kiosk.InputDelete, 0)
		}
		return in(kiosk.InputBack, 0)
	case tcell.KeyDelete:
		if st == kiosk.StatePIN || st == kiosk.StateFormPIN || st == kiosk.StateAppPassword || st == kiosk.StateAppEntry {
			return in(kiosk.InputClear, 0)
		}
	case tcell.KeyRune:
		r := ev.Rune()
		switch {
		case r == ' ' && u.focus >= 0 && u.focus < len(u.buttons):
			return u.activate(u.focus)
		case st == kiosk.StateAppPassword && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'):
			return in(kiosk.InputChar, int(r)) // a keyboard types the password (upper-cased by the engine)
		case st == kiosk.StateAppEntry && r >= '0' && r <= '9':
			return in(kiosk.InputDigit, int(r-'0'))
		case st == kiosk.StateAppEntry && (strings.ContainsRune(kiosk.KanaLetters, r) ||
			r == kiosk.KanaVoiced || r == kiosk.KanaSemiVoiced || r == kiosk.KanaSmall):
			return in(kiosk.InputChar, int(r)) // katakana typed on a keyboard with an input method
		case r == 'l' || r == 'L':
			return in(kiosk.InputLanguage, 0)
		case (r == 'f' || r == 'F') && st == kiosk.StateIdle && len(u.view.Forms) > 0:
			return in(kiosk.InputForms, 0)
		case r >= '0' && r <= '9':
			d := int(r - '0')
			switch st {
			case kiosk.StatePIN, kiosk.StateFormPIN:
				return in(kiosk.InputDigit, d)
			case kiosk.StateChoose, kiosk.StateMunicipality, kiosk.StateFormChoose:
				if d >= 1 {
					return in(kiosk.InputSelect, d-1)
				}
			}
		case r == '+' && st == kiosk.StateOptions:
			return in(kiosk.InputCopies, +1)
		case r == '-' && st == kiosk.StateOptions:
			return in(kiosk.InputCopies, -1)
		}
	}
	return kiosk.Input{}, false
}

// moveFocus moves the keyboard or keypad focus through the resident's buttons (in
// focusOrder) and has the guide say the button.
func (u *UI) moveFocus(forward bool) {
	idx := u.focusOrder()
	if len(idx) == 0 {
		return
	}
	pos := slices.Index(idx, u.focus)
	switch {
	case pos < 0 && forward:
		pos = 0
	case pos < 0:
		pos = len(idx) - 1
	case forward:
		pos = (pos + 1) % len(idx)
	default:
		pos = (pos + len(idx) - 1) % len(idx)
	}
	u.focus = idx[pos]
	u.Draw(u.view)
	if vo := u.opts.Voice; vo != nil && u.focus < len(u.buttons) {
		b := u.buttons[u.focus]
		in := b.in
		if b.act != actNone {
			in = kiosk.Input{}
		}
		vo.Focus(in, b.label)
	}
}

// Run shows the engine's views on scr and feeds taps and keys to it until ctx ends or
// the screen is finalised. scr must be initialised; the caller calls scr.Fini after Run
// returns (that also ends Run's event reader).
func Run(ctx context.Context, scr tcell.Screen, eng Engine, opts Options) error {
	u := NewUI(scr, opts)
	events := make(chan tcell.Event, 16)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		defer close(events)
		for {
			ev := scr.PollEvent()
			if ev == nil {
				return
			}
			select {
			case events <- ev:
			case <-quit:
				return
			}
		}
	}()
	u.Draw(eng.View())
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			u.Tick(now)
		case <-eng.Updates():
			u.Draw(eng.View())
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if in, ok := u.Event(ev); ok {
				eng.Input(in)
			}
		}
	}
}

// Target is a touch target of a screen, for tests that tap through a real terminal
// (tmux): the centre of the rectangle is a safe place to tap.
type Target struct {
	X, Y, W, H int
	Input      kiosk.Input // zero for a technician action
	Label      string
	Tech       int  // index+1 of a technician action, else 0
	Background bool // the screen's background (idle: touch anywhere)
}

// Targets lays v out at w×h cells (tech: the same technician bar as the running UI) and
// returns the touch targets, in hit-testing order (the first that contains a point wins,
// except that a screen's background yields to any other target).
func Targets(w, h int, v kiosk.View, tech []TechAction) []Target {
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		return nil
	}
	defer s.Fini()
	s.SetSize(w, h)
	bs, _ := render(s, v, tech, -1, countdown(v, time.Now())) // with 続ける while the countdown runs
	out := make([]Target, 0, len(bs))
	for _, b := range bs {
		out = append(out, Target{X: b.r.x, Y: b.r.y, W: b.r.w, H: b.r.h, Input: b.in, Label: b.label, Tech: b.tech, Background: b.bg})
	}
	return out
}
