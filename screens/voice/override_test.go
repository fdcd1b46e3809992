package voice

import (
	"strings"
	"testing"

	"madoguchi/kiosk"
)

func TestOverrides(t *testing.T) {
	o, err := ParseOverrides([]byte(`
[state.idle]
ja = "証明書コーナーです。5を押してください。"
[problem.pin-locked]
en = "The PIN is locked. Please ask at the counter."
[note.need-4-digits]
ja = "数字を4つ入れてください。"
`))
	if err != nil {
		t.Fatal(err)
	}
	restore, err := o.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if got := Guide(kiosk.View{State: kiosk.StateIdle, Screen: 1}).Text(); got != "証明書コーナーです。5を押してください。" {
		t.Errorf("idle says %q", got)
	}
	if got := Guide(kiosk.View{State: kiosk.StateIdle, Screen: 1, Lang: kiosk.LangEN}).Text(); got != stateGuides[kiosk.StateIdle].en || got == "" {
		t.Errorf("the English idle guide changed: %q", got)
	}
	if got := Guide(kiosk.View{State: kiosk.StateProblem, Problem: kiosk.ProblemPINLocked, Lang: kiosk.LangEN}).Text(); !strings.HasPrefix(got, "The PIN is locked. Please ask at the counter.") {
		t.Errorf("pin-locked says %q", got)
	}
	if !slicesContain(Phrases(Spec{Langs: []kiosk.Lang{kiosk.LangJA}}), "数字を4つ入れてください。") {
		t.Error("the cache's list lacks the override")
	}
	restore()
	if stateGuides[kiosk.StateIdle].ja == "証明書コーナーです。5を押してください。" {
		t.Error("restore left the override")
	}
	for _, bad := range []struct{ toml, want string }{
		{"[state.nowhere]\nja = \"x\"", "state.nowhere: no such entry"},
		{"[screen.idle]\nja = \"x\"", "screen: no such table"},
		{"[state.idle]\nko = \"x\"", "state.idle.ko"},
		{"[state.idle]\nja = \"%d\"", "no % in a sentence"},
		{"[state.idle]\nja = \" \"", "state.idle.ja: empty"},
	} {
		o, err := ParseOverrides([]byte(bad.toml))
		if err == nil {
			_, err = o.Apply()
		}
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.toml, err, bad.want)
		}
	}
	if stateGuides[kiosk.StateIdle].ja == "x" {
		t.Error("a refused file was applied")
	}
}

func slicesContain(parts []Part, text string) bool {
	for _, p := range parts {
		if p.Text == text {
			return true
		}
	}
	return false
}
