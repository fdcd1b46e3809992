package kiosk_test

import (
	"fmt"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader/readertest"
)

// testReminder is the reminder schedule of these tests: patterns at 10s, 30s, 50s after
// the session's end, the alert (and the longer pattern) at 60s, then every 20s.
var testReminder = config.Reminder{BeepAfter: 10 * time.Second, BeepEvery: 20 * time.Second, AlertAfter: time.Minute}

// TestLeftBehind runs the reminder of a card and a certificate left behind: the patterns
// the buzzer and LED sound (when, how long), the alerts, and that taking everything ends
// it. Times are seconds after the session's end (the take screen).
func TestLeftBehind(t *testing.T) {
	two, four := kiosk.ReminderBeeps, kiosk.AlertBeeps
	tests := []struct {
		name       string
		paper      bool // the certificate lies in the tray from the print on
		takeCard   int  // seconds after the session's end the card is taken; -1 never
		takePaper  int  // the same for the certificate
		wantAt     []int
		wantBeeps  []int
		wantAlerts []string
	}{
		{"card taken at once", false, 5, -1, nil, nil, nil},
		{"card taken after the first pattern", false, 15, -1, []int{10}, []int{two}, nil},
		{"card left past the alert", false, 90, -1, []int{10, 30, 50, 60, 80}, []int{two, two, two, four, four},
			[]string{kiosk.EventCardLeft}},
		{"certificate left, card taken", true, 2, 70, []int{10, 30, 50, 60}, []int{two, two, two, four},
			[]string{kiosk.EventPaperLeft}},
		{"both left", true, 65, 85, []int{10, 30, 50, 60, 80}, []int{two, two, two, four, four},
			[]string{kiosk.EventCardLeft, kiosk.EventPaperLeft}},
		{"both taken at once", true, 3, 4, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				ind := &kiosktest.Indicator{Beep: 100 * time.Millisecond}
				r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) {
					o.Indicator, o.Reminder = ind, testReminder
				})
				defer r.close()
				r.toFee()
				if tt.paper {
					r.Engine.PaperInTray(true) // lies there as the print comes out
				}
				r.in(kiosk.InputNext, 0)
				r.want(kiosk.StateTake)
				end := time.Now()
				type step struct {
					at int
					do func()
				}
				var steps []step
				if tt.takeCard >= 0 {
					steps = append(steps, step{tt.takeCard, r.remove})
				}
				if tt.takePaper >= 0 {
					steps = append(steps, step{tt.takePaper, func() { r.Engine.PaperInTray(false); r.sleep(0) }})
				}
				if len(steps) == 2 && steps[1].at < steps[0].at {
					steps[0], steps[1] = steps[1], steps[0]
				}
				for _, s := range steps {
					r.sleep(end.Add(time.Duration(s.at) * time.Second).Sub(time.Now()))
					s.do()
				}
				r.sleep(2 * time.Minute) // nothing more after everything was taken
				var at, beeps []int
				for _, p := range ind.Patterns() {
					at = append(at, int(p.At.Sub(end).Round(time.Second)/time.Second))
					beeps = append(beeps, p.Beeps)
				}
				if fmt.Sprint(at) != fmt.Sprint(tt.wantAt) || fmt.Sprint(beeps) != fmt.Sprint(tt.wantBeeps) {
					t.Errorf("patterns at %v with %v beeps, want at %v with %v", at, beeps, tt.wantAt, tt.wantBeeps)
				}
				if got := r.Store.Alerts(); fmt.Sprint(got) != fmt.Sprint(tt.wantAlerts) {
					t.Errorf("alerts %v, want %v", got, tt.wantAlerts)
				}
				for _, m := range r.Store.Outbox() {
					if m.Session != "" || m.Kind != "audit" {
						continue
					}
					d, _ := m.Detail["detail"].(map[string]any)
					if len(d) != 2 || d["seconds"] != 60 || d["state"] == nil {
						t.Errorf("alert audit detail %v, want seconds 60 and the state only", d)
					}
				}
				if v := r.view(); v.CardLeftover || v.PaperLeft || v.State != kiosk.StateIdle {
					t.Errorf("after taking everything: state %s card left %v paper left %v", v.State, v.CardLeftover, v.PaperLeft)
				}
			})
		})
	}
}

// TestNextResidentWaits: while the last resident's card or certificate is left behind,
// a touch on the idle screen starts nothing; once it is taken, a session starts.
func TestNextResidentWaits(t *testing.T) {
	for _, what := range []string{"card", "certificate"} {
		t.Run(what, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) { o.Reminder = testReminder })
				defer r.close()
				r.toFee()
				r.Engine.PaperInTray(what == "certificate")
				r.in(kiosk.InputNext, 0)
				r.want(kiosk.StateTake)
				if what == "certificate" {
					r.remove()
				}
				r.sleep(config.DefaultTimeouts.Take + time.Second)
				r.want(kiosk.StateIdle)
				for range 3 {
					r.in(kiosk.InputStart, 0)
					r.want(kiosk.StateIdle)
					if v := r.view(); v.Note != kiosk.NoteTakeFirst || v.CardLeftover != (what == "card") || v.PaperLeft != (what == "certificate") {
						t.Fatalf("idle with %s left: note %v card %v paper %v", what, v.Note, v.CardLeftover, v.PaperLeft)
					}
				}
				if n := len(r.Store.Sessions()); n != 1 {
					t.Fatalf("%d sessions, want only the first", n)
				}
				if what == "card" {
					r.remove()
				} else {
					r.Engine.PaperInTray(false)
				}
				r.in(kiosk.InputStart, 0)
				r.want(kiosk.StateChoose)
				r.in(kiosk.InputCancel, 0)
			})
		})
	}
}

// TestKeptCardIsNotLeft: on the refusal screen that offers another certificate, the
// card stays on purpose; the reminder starts only when the offer ends.
func TestKeptCardIsNotLeft(t *testing.T) {
	bubble(t, func(t *testing.T) {
		ind := &kiosktest.Indicator{}
		r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) { o.Indicator, o.Reminder = ind, testReminder })
		defer r.close()
		r.Center.RefuseCode("not_eligible")
		r.toPIN()
		r.pin("1234")
		r.wantProblem(kiosk.ProblemNotEligible)
		if !r.view().Another {
			t.Fatal("no offer of another certificate")
		}
		r.sleep(config.DefaultTimeouts.Take - time.Second)
		if n := len(ind.Patterns()); n != 0 {
			t.Fatalf("%d patterns while the card was kept for another certificate", n)
		}
		r.sleep(2 * time.Second) // the screen's end: now it is left
		r.want(kiosk.StateIdle)
		r.sleep(testReminder.BeepAfter)
		if n := len(ind.Patterns()); n != 1 {
			t.Fatalf("%d patterns after the offer ended, want 1", n)
		}
		r.remove()
	})
}
