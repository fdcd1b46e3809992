package screens

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

func TestTechGesture(t *testing.T) {
	idle := kiosk.View{State: kiosk.StateIdle, TechEnabled: true}
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		v       kiosk.View
		taps    []time.Duration // offsets from t0, all in the corner
		x, y    int
		done    bool // the last tap completes the gesture
		handled bool // the last tap is swallowed
	}{
		{"five quick taps", idle, []time.Duration{0, 300, 600, 900, 1200}, 1, 1, true, true},
		{"four taps", idle, []time.Duration{0, 300, 600, 900}, 1, 1, false, true},
		{"too slow", idle, []time.Duration{0, 1000, 2000, 3000, 3100}, 1, 1, false, true},
		{"slow start, then five in time", idle, []time.Duration{0, 3500, 3600, 3700, 3800, 3900}, 0, 0, true, true},
		{"outside the corner", idle, []time.Duration{0, 100, 200, 300, 400}, 20, 1, false, false},
		{"disabled", kiosk.View{State: kiosk.StateIdle}, []time.Duration{0, 100, 200, 300, 400}, 1, 1, false, false},
		{"not idle", kiosk.View{State: kiosk.StateChoose, TechEnabled: true}, []time.Duration{0, 100, 200, 300, 400}, 1, 1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g gesture
			var done, handled bool
			for _, d := range tt.taps {
				done, handled = g.tap(tt.v, tt.x, tt.y, t0.Add(d*time.Millisecond))
			}
			if done != tt.done || handled != tt.handled {
				t.Fatalf("done %v handled %v, want %v %v", done, handled, tt.done, tt.handled)
			}
		})
	}
}

// TestTechGestureThroughUI taps a simulated touch screen: four corner taps do nothing,
// the fifth sends InputTech; a tap elsewhere on the idle screen still starts.
func TestTechGestureThroughUI(t *testing.T) {
	scr := newSim(t, 80, 24)
	defer scr.Fini()
	u := NewUI(scr, Options{})
	u.Draw(kiosk.View{State: kiosk.StateIdle, TechEnabled: true, Municipalities: sampleMunis()})
	tap := func(x, y int) (kiosk.Input, bool) {
		in, ok := u.Event(tcell.NewEventMouse(x, y, tcell.Button1, 0)) // the gesture counts presses
		rin, rok := u.Event(tcell.NewEventMouse(x, y, tcell.ButtonNone, 0))
		if ok {
			return in, ok
		}
		return rin, rok
	}
	for i := range TechTaps {
		in, ok := tap(2, 1)
		if last := i == TechTaps-1; ok != last || (last && in.Kind != kiosk.InputTech) {
			t.Fatalf("tap %d: %v %v", i+1, in, ok)
		}
	}
	if in, ok := tap(40, 12); !ok || in.Kind != kiosk.InputStart {
		t.Fatalf("a tap on the body: %v %v", in, ok)
	}
	// The technician's screens take their own inputs.
	u.Draw(kiosk.View{State: kiosk.StateTech, TechEnabled: true, Municipalities: sampleMunis()})
	found := false
	for _, b := range u.buttons {
		if b.in.Kind == kiosk.InputSelect && b.in.Arg == kiosk.TechTestPage {
			in, ok := tap(b.r.x+1, b.r.y+1)
			found = ok && in == b.in
		}
	}
	if !found {
		t.Fatal("no working test page button on the menu")
	}
}

// The technician bar speaks the screen's language, one at a time.
func TestTechBarLanguage(t *testing.T) {
	bar := []TechAction{{Label: "カードを置く・取る", LabelEN: "Place/take card", Key: tcell.KeyF2}, {Label: "終了", Key: tcell.KeyF10}}
	for _, tt := range []struct {
		lang      kiosk.Lang
		want, not string
		fallback  string
	}{{kiosk.LangJA, "F2 カードを置く・取る", "Place", "F10 終了"}, {kiosk.LangEN, "F2 Place/take card", "カード", "F10 終了"}} {
		var labels []string
		for _, tg := range Targets(80, 24, kiosk.View{State: kiosk.StateIdle, Lang: tt.lang, Municipalities: sampleMunis()}, bar) {
			if tg.Tech > 0 {
				labels = append(labels, tg.Label)
			}
		}
		got := strings.Join(labels, "|")
		if !strings.Contains(got, tt.want) || strings.Contains(got, tt.not) || !strings.Contains(got, tt.fallback) {
			t.Errorf("%s: bar %q, want %q and %q, not %q", tt.lang, got, tt.want, tt.fallback, tt.not)
		}
	}
}
