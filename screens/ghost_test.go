package screens

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// A shaky finger: a double tap, a triple tap and a long press on any button of any screen
// end exactly where one tap ends — same screen, same print jobs, same journal — so that
// a second tap never confirms a screen the resident has not seen.
func TestGhostTapsNeverSkipAScreen(t *testing.T) {
	gestures := []struct {
		name string
		do   func(r *urig, x, y int)
	}{
		{"double", func(r *urig, x, y int) { taps(r, x, y, 2, 120*time.Millisecond) }},
		{"triple", func(r *urig, x, y int) { taps(r, x, y, 3, 120*time.Millisecond) }},
		{"long", func(r *urig, x, y int) {
			r.sim.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
			synctest.Wait()
			time.Sleep(1500 * time.Millisecond)
			r.sim.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
			synctest.Wait()
		}},
		// foot: press and release both arrive when the finger lifts, twice in a row.
		{"foot-double", func(r *urig, x, y int) { taps(r, x, y, 2, 60*time.Millisecond) }},
	}
	at := func(st kiosk.State) func(r *urig) {
		return func(r *urig) {
			switch st {
			case kiosk.StateIdle:
			case kiosk.StateProblem:
				r.drive(kiosk.StatePIN)
				r.tap(kiosk.Input{Kind: kiosk.InputCancel})
				r.want(kiosk.StateProblem)
			default:
				r.drive(st)
			}
		}
	}
	states := []kiosk.State{kiosk.StateIdle, kiosk.StateChoose, kiosk.StateOptions, kiosk.StatePlaceCard,
		kiosk.StatePIN, kiosk.StateFee, kiosk.StateTake, kiosk.StateProblem}
	type outcome struct {
		state kiosk.State
		jobs  int
		steps string
	}
	result := func(r *urig) outcome {
		time.Sleep(2 * time.Second) // let the machine finish whatever the taps started
		synctest.Wait()
		o := outcome{state: r.Engine.View().State, jobs: len(r.Printer.Jobs())}
		if j := r.Store.Last(); j != nil {
			o.steps = fmt.Sprint(j.Steps())
		}
		return o
	}
	for _, st := range states {
		// The buttons of the screen, found once on a rig driven there.
		var targets []button
		synctest.Test(t, func(t *testing.T) {
			r := newURig(t, 80, 24)
			defer r.close()
			at(st)(r)
			for _, b := range r.buttons() {
				if b.tech == 0 {
					targets = append(targets, b)
				}
			}
		})
		for _, b := range targets {
			// For a PIN screen the digits are typed first, so 確認 has something to send.
			prepare := func(r *urig) {
				at(st)(r)
				if st == kiosk.StatePIN {
					for _, d := range "123" {
						r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(d - '0')})
					}
					if b.in.Kind == kiosk.InputNext {
						r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: 4})
					}
				}
				time.Sleep(time.Second)
			}
			x, y := b.r.x+b.r.w/2, b.r.y+b.r.h/2
			var once outcome
			synctest.Test(t, func(t *testing.T) {
				r := newURig(t, 80, 24)
				defer r.close()
				prepare(r)
				taps(r, x, y, 1, 0)
				once = result(r)
			})
			for _, g := range gestures {
				t.Run(fmt.Sprintf("%s/%s/%s", st, label(b), g.name), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						r := newURig(t, 80, 24)
						defer r.close()
						prepare(r)
						g.do(r, x, y)
						if got := result(r); got != once {
							t.Errorf("%s tap on %q: %+v, one tap gives %+v", g.name, label(b), got, once)
						}
					})
				})
			}
		}
	}
}

func label(b button) string {
	if b.label != "" {
		return b.label
	}
	return b.in.Kind.String()
}

// taps taps n times at (x, y), pause apart, each press and release together.
func taps(r *urig, x, y, n int, pause time.Duration) {
	for i := range n {
		if i > 0 {
			time.Sleep(pause)
		}
		r.sim.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
		r.sim.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
		synctest.Wait()
	}
}

// The committing buttons (InputNext: the PIN's 確認, the fee's 確認 or 支払う) of screens
// that follow one another never share a cell, so a second tap has nothing to land on
// even without the tap guard.
func TestCommitButtonsMove(t *testing.T) {
	base := func(st kiosk.State) kiosk.View {
		return kiosk.View{State: st, Municipalities: sampleMunis(), Certificates: sampleCerts(), MaxCopies: 10,
			Cert: "juminhyo", Copies: 1, Fee: 200, UnitFee: 200, TriesLeft: 3, PINLength: 4}
	}
	pairs := [][2]kiosk.View{
		{base(kiosk.StatePIN), base(kiosk.StateFee)},
		{base(kiosk.StatePIN), func() kiosk.View { v := base(kiosk.StateFee); v.Pays = true; return v }()},
		{base(kiosk.StateFee), base(kiosk.StateTake)},
	}
	commits := func(w, h int, v kiosk.View) []Target {
		var out []Target
		for _, tg := range Targets(w, h, v, nil) {
			if slices.Contains([]kiosk.InputKind{kiosk.InputNext, kiosk.InputDone}, tg.Input.Kind) {
				out = append(out, tg)
			}
		}
		return out
	}
	for _, sz := range []struct{ w, h int }{{80, 24}, {100, 30}, {160, 48}} {
		for _, p := range pairs {
			a, b := commits(sz.w, sz.h, p[0]), commits(sz.w, sz.h, p[1])
			if len(a) == 0 || len(b) == 0 {
				t.Fatalf("%dx%d %v→%v: no committing button", sz.w, sz.h, p[0].State, p[1].State)
			}
			for _, x := range a {
				for _, y := range b {
					if overlap(x, y) {
						t.Errorf("%dx%d: %v's %q and %v's %q share cells", sz.w, sz.h, p[0].State, x.Label, p[1].State, y.Label)
					}
				}
			}
		}
	}
}

func overlap(a, b Target) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// Every path driven through the real engine, at the smallest and a large panel, in both
// languages: the screens its views make have no touching targets and no cut text.
func TestFlowPathsAtSizes(t *testing.T) {
	states := []kiosk.State{kiosk.StateChoose, kiosk.StateOptions, kiosk.StatePlaceCard, kiosk.StateReadingCard,
		kiosk.StatePIN, kiosk.StateCenter, kiosk.StateFee, kiosk.StatePrinting, kiosk.StateTake}
	for _, sz := range []struct{ w, h int }{{80, 24}, {160, 48}} {
		for _, lang := range []kiosk.Lang{kiosk.LangJA, kiosk.LangEN} {
			for _, st := range states {
				t.Run(fmt.Sprintf("%dx%d/%s/%s", sz.w, sz.h, lang, st), func(t *testing.T) {
					synctest.Test(t, func(t *testing.T) {
						r := newURig(t, sz.w, sz.h)
						defer r.close()
						if lang == kiosk.LangEN {
							r.pick(kiosk.LangEN)
						}
						r.drive(st)
						v := r.Engine.View()
						if v.Lang != lang {
							t.Fatalf("language %s, want %s", v.Lang, lang)
						}
						s := newSim(t, sz.w, sz.h)
						defer s.Fini()
						bs, overflow := render(s, v, r.tech, -1, 0)
						if len(overflow) > 0 {
							t.Errorf("text does not fit: %q", overflow)
						}
						checkTargets(t, bs, sz.w, sz.h)
					})
				})
			}
		}
	}
}
