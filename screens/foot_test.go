package screens

import (
	"fmt"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// A step of a mouse stream as a terminal sends it: a press, release or wheel event at a
// target, or time passing.
type step struct {
	ev   string // "press", "release", "wheel", "right", "wait"
	at   string // a target name (see footTargets) or "off" (a cell on no button)
	wait time.Duration
}

func pressAt(at string) step    { return step{ev: "press", at: at} }
func release(at string) step    { return step{ev: "release", at: at} }
func wheel(at string) step      { return step{ev: "wheel", at: at} }
func wait(d time.Duration) step { return step{ev: "wait", wait: d} }
func footTap(at string) []step  { return []step{pressAt(at), release(at)} }
func seq(parts ...[]step) []step {
	var s []step
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}
func one(s step) []step { return []step{s} }

// footRig is a UI on the options screen (copies + and −, and the primary 次へ) with its
// own clock; the view does not change, so every tap it takes shows in the inputs.
type footRig struct {
	u   *UI
	now time.Time
	at  map[string][2]int
}

func newFootRig(t *testing.T) *footRig {
	t.Helper()
	r := &footRig{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), at: map[string][2]int{}}
	s := newSim(t, 80, 24)
	t.Cleanup(s.Fini)
	r.u = NewUI(s, Options{Now: func() time.Time { return r.now }})
	v := kiosk.View{State: kiosk.StateOptions, Screen: 7, Municipalities: sampleMunis(), Certificates: sampleCerts(),
		MaxCopies: 10, Cert: sampleCerts()[0].Type, Copies: 2, Fee: 400, UnitFee: 200}
	r.u.Draw(v)
	r.now = r.now.Add(time.Second) // a resident reads the screen first
	for _, b := range r.u.buttons {
		c := [2]int{b.r.x + b.r.w/2, b.r.y + b.r.h/2}
		switch {
		case b.in.Kind == kiosk.InputCopies && b.in.Arg > 0:
			r.at["plus"] = c
			r.at["plus-edge"] = [2]int{b.r.x, b.r.y} // another cell of the same button
		case b.in.Kind == kiosk.InputCopies && b.in.Arg < 0:
			r.at["minus"] = c
		case b.primary:
			r.at["next"] = c
		}
	}
	for _, n := range []string{"plus", "minus", "next"} {
		if _, ok := r.at[n]; !ok {
			t.Fatalf("options screen has no %q button: %+v", n, r.u.buttons)
		}
	}
	// A cell on no button.
	for y := 0; y < 24 && r.at["off"] == [2]int{}; y++ {
		for x := 0; x < 80; x++ {
			if r.u.hit(x, y) < 0 {
				r.at["off"] = [2]int{x, y}
				break
			}
		}
	}
	return r
}

// play feeds the stream and returns the inputs the UI sent, as "Kind/Arg" strings.
func (r *footRig) play(t *testing.T, steps []step) []string {
	t.Helper()
	var got []string
	for _, s := range steps {
		if s.ev == "wait" {
			r.now = r.now.Add(s.wait)
			continue
		}
		c, ok := r.at[s.at]
		if !ok {
			t.Fatalf("no target %q", s.at)
		}
		btn := map[string]tcell.ButtonMask{"press": tcell.Button1, "release": tcell.ButtonNone,
			"wheel": tcell.WheelDown, "right": tcell.Button3}[s.ev]
		if in, ok := r.u.Event(tcell.NewEventMouse(c[0], c[1], btn, tcell.ModNone)); ok {
			got = append(got, fmt.Sprintf("%v/%d", in.Kind, in.Arg))
		}
	}
	return got
}

// Streams shaped like foot ≥ 1.15's touch input (CHANGELOG 1.15.0, input.c): a tap is a
// press and a release sent together when the finger lifts; moving the finger is wheel
// events (one per cell) and nothing at lift; a long press is a press at the delay and a
// release at lift, wherever the finger is then. The UI acts exactly once per tap and
// never on a wheel or a drag that leaves the button.
func TestFootTouchStreams(t *testing.T) {
	plus := fmt.Sprintf("%v/%d", kiosk.InputCopies, 1)
	minus := fmt.Sprintf("%v/%d", kiosk.InputCopies, -1)
	cases := []struct {
		name  string
		steps []step
		want  []string
		open  bool // the stream ends with a press whose release is lost
	}{
		{"tap", footTap("plus"), []string{plus}, false},
		{"two taps", seq(footTap("plus"), one(wait(700*time.Millisecond)), footTap("plus")), []string{plus, plus}, false},
		{"taps on two buttons", seq(footTap("plus"), one(wait(time.Second)), footTap("minus")), []string{plus, minus}, false},
		{"scroll across buttons", []step{wheel("plus"), wheel("plus"), wheel("minus"), wheel("next")}, nil, false},
		{"scroll, then a tap", seq([]step{wheel("plus"), wheel("minus")}, footTap("minus")), []string{minus}, false},
		{"long press held still", []step{pressAt("plus"), wait(1500 * time.Millisecond), release("plus")}, []string{plus}, false},
		{"long press dragged within the button", []step{pressAt("plus"), wait(time.Second), release("plus-edge")}, []string{plus}, false},
		{"long press dragged to another button", []step{pressAt("plus"), wait(time.Second), release("next")}, nil, false},
		{"long press dragged off", []step{pressAt("plus"), wait(time.Second), release("off")}, nil, false},
		{"press, wheel, release", []step{pressAt("plus"), wheel("plus"), release("plus")}, nil, false},
		{"press, wheel, release, then a tap", seq([]step{pressAt("plus"), wheel("plus"), release("plus")}, footTap("next")),
			[]string{fmt.Sprintf("%v/%d", kiosk.InputNext, 0)}, false},
		{"held: the press repeated", []step{pressAt("plus"), pressAt("plus"), pressAt("plus"), release("plus")}, []string{plus}, false},
		{"held, moving to another button and back", []step{pressAt("plus"), pressAt("next"), pressAt("plus"), release("plus")}, []string{plus}, false},
		// A lost release makes the next press on the same screen look like the finger
		// moving: that one tap is lost (the after-check shows the one after works).
		{"release lost, then a tap elsewhere", seq(one(pressAt("plus")), one(wait(time.Second)), footTap("minus")), nil, false},
		{"release lost, then a tap on the same cell", seq(one(pressAt("plus")), one(wait(time.Second)), footTap("plus")), []string{plus}, false},
		{"release lost for good", one(pressAt("plus")), nil, true},
		{"release without a press", []step{release("plus"), release("minus")}, nil, false},
		{"right button", []step{{ev: "right", at: "plus"}, release("plus")}, nil, false},
		{"left press, right press, release", []step{pressAt("plus"), {ev: "right", at: "plus"}, release("plus")}, nil, false},
		// Off every button on a screen that waits for the resident: only the time is
		// extended (InputContinue), nothing is chosen.
		{"tap off every button", footTap("off"), []string{fmt.Sprintf("%v/%d", kiosk.InputContinue, 0)}, false},
		{"press off, release on a button", []step{pressAt("off"), release("plus")}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newFootRig(t)
			got := r.play(t, c.steps)
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("inputs %v, want %v", got, c.want)
			}
			// No half-pressed state: whatever came before, of the next two taps the second
			// acts exactly once (the first is lost only after a lost release).
			after := r.play(t, seq(one(wait(time.Second)), footTap("minus"), one(wait(time.Second)), footTap("minus")))
			want := []string{minus, minus}
			if c.open {
				want = want[1:]
			}
			if fmt.Sprint(after) != fmt.Sprint(want) {
				t.Errorf("two taps after the stream sent %v, want %v", after, want)
			}
		})
	}
}

// A tap within TapGuard of a screen appearing is not taken; the same tap later is.
func TestFootTapGuard(t *testing.T) {
	r := newFootRig(t)
	v := r.u.view
	v.Screen++
	r.u.Draw(v)
	if got := r.play(t, seq(one(wait(TapGuard/2)), footTap("plus"))); len(got) != 0 {
		t.Errorf("tap %v after the screen appeared: %v, want nothing", TapGuard/2, got)
	}
	if got := r.play(t, seq(one(wait(TapGuard)), footTap("plus"))); len(got) != 1 {
		t.Errorf("tap after the guard: %v, want one input", got)
	}
	// A release lost on one screen costs nothing on the next.
	r.play(t, one(pressAt("plus")))
	v.Screen++
	r.u.Draw(v)
	if got := r.play(t, seq(one(wait(time.Second)), footTap("plus"))); len(got) != 1 {
		t.Errorf("tap on a new screen after a lost release: %v, want one input", got)
	}
	// A press on one screen released on the next does nothing.
	r.play(t, one(pressAt("plus")))
	v.Screen++
	r.u.Draw(v)
	if got := r.play(t, seq(one(wait(time.Second)), one(release("plus")))); len(got) != 0 {
		t.Errorf("press on one screen, release on the next: %v, want nothing", got)
	}
}
