package screens

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"madoguchi/kiosk"
	"madoguchi/screens/voice"
	"madoguchi/screens/voice/voicetest"
)

func (r *urig) press(k Key, digit int) {
	r.t.Helper()
	if err := r.sim.PostEvent(NewKeyEvent(k, digit)); err != nil {
		r.t.Fatal(err)
	}
	synctest.Wait()
}

// A resident who cannot see the screen gets a certificate with the keypad and the voice
// alone: the guide of every screen is said as it appears, each key press is answered,
// the PIN's digits are counted and never said, and no name or address is ever spoken.
func TestKeypadWalkUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &voicetest.Transcript{}
		rec := &voicetest.Recorder{}
		sp := voice.NewSpeaker(context.Background(), voice.Options{Clips: &voicetest.Tones{}, Player: rec, Said: tr.Add})
		defer sp.Close()
		r := newURigVoice(t, 80, 24, sp)
		defer r.close()
		// guide stands for the guide of the screen the step ends on.
		const guide = "(the screen's guide)"
		var said []string
		step := func(what string, f func(), want ...string) {
			t.Helper()
			f()
			for i, w := range want {
				want[i] = strings.ReplaceAll(w, guide, voice.Guide(r.Engine.View()).Text())
			}
			got := tr.Take()
			said = append(said, got...)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: said\n%q\nwant\n%q\n%s", what, got, want, r.screen())
			}
		}
		step("voice key", func() { r.press(KeyVoice, 0) }, "音声案内をはじめます。"+guide)
		step("5 starts", func() { r.press(KeyDigit, 5) }, guide)
		r.want(kiosk.StateChoose)
		step("2 moves to the first certificate", func() { r.press(KeyDigit, 2) }, "住民票の写し。手数料は、合計200円です。")
		if !r.reversed("住民票の写し") {
			t.Fatalf("the focus is not shown on 住民票の写し:\n%s", r.screen())
		}
		step("2 again", func() { r.press(KeyDigit, 2) }, "住民票記載事項証明書。手数料は、合計200円です。")
		step("8 back", func() { r.press(KeyDigit, 8) }, "住民票の写し。手数料は、合計200円です。")
		step("5 chooses", func() { r.press(KeyDigit, 5) }, guide)
		r.want(kiosk.StateOptions)
		step("Enter: next", func() { r.press(KeyEnter, 0) }, guide)
		r.want(kiosk.StatePlaceCard)
		r.InsertCard()
		synctest.Wait()
		r.want(kiosk.StatePIN)
		pinGuide := voice.Guide(r.Engine.View()).Text()
		if got := tr.Take(); len(got) == 0 || got[len(got)-1] != pinGuide {
			t.Fatalf("card placed: said %q, want the PIN screen's guide last", got)
		}
		step("help repeats", func() { r.press(KeyHelp, 0) }, pinGuide)
		pin := r.Card.PIN(0)
		for i, c := range pin {
			step("digit", func() { r.press(KeyDigit, int(c-'0')) }, fmt.Sprintf("%d桁目を入力しました。", i+1))
		}
		step("back deletes", func() { r.press(KeyBack, 0) }, "1桁消しました。")
		step("digit again", func() { r.press(KeyDigit, int(pin[len(pin)-1]-'0')) }, fmt.Sprintf("%d桁目を入力しました。", len(pin)))
		r.press(KeyEnter, 0)
		r.want(kiosk.StateFee)
		if got, g := tr.Take(), voice.Guide(r.Engine.View()).Text(); !slices.Contains(got, g) || !strings.Contains(g, "200円") {
			t.Fatalf("fee: said %q", got)
		}
		step("louder", func() { r.press(KeyLouder, 0) }, "音量を上げました。")
		r.press(KeyDigit, 5)
		r.want(kiosk.StateTake)
		if got := tr.Take(); !slices.Contains(got, voice.Guide(r.Engine.View()).Text()) {
			t.Fatalf("take: said %q", got)
		}
		if jobs := r.Printer.Jobs(); len(jobs) != 1 {
			t.Fatalf("printed %d documents", len(jobs))
		}
		r.press(KeyDigit, 5)
		r.want(kiosk.StateIdle)
		if sp.On() {
			t.Error("the voice stayed on for the next resident")
		}
		h := r.Card.Holder()
		for _, u := range said {
			for _, secret := range []string{pin, h.Name, h.Address, "花子", "霞が関"} {
				if strings.Contains(u, secret) {
					t.Errorf("said %q, which holds %q", u, secret)
				}
			}
		}
		if len(rec.Played()) == 0 {
			t.Error("the player got no clip")
		}
	})
}

// reversed reports whether text is on the screen drawn reversed (the focus).
func (r *urig) reversed(text string) bool {
	for y := range r.h {
		row := r.row(y)
		i := strings.Index(row, text)
		if i < 0 {
			continue
		}
		x := uniseg.StringWidth(row[:i])
		cells, w, _ := r.sim.GetContents()
		lk := r.sim.(sync.Locker)
		lk.Lock()
		_, _, attr := cells[y*w+x].Style.Decompose()
		lk.Unlock()
		return attr&tcell.AttrReverse != 0
	}
	return false
}

// The voice buttons on every screen at the smallest size, in both languages: nothing cut,
// targets apart; goldens for the idle screen with its 音声案内 button and a screen with the
// volume buttons.
func TestVoiceLayouts(t *testing.T) {
	golden := map[string]bool{"idle": true, "pin": true, "choose": true}
	goldenIn, _ := goldenLangs(t, 80, 24)
	for _, on := range []bool{false, true} {
		for _, lang := range kiosk.Langs {
			for _, sm := range samples() {
				name := fmt.Sprintf("voice-%s-%s-80x24", sm.name, lang)
				if on {
					name = fmt.Sprintf("voice-on-%s-%s-80x24", sm.name, lang)
				}
				t.Run(name, func(t *testing.T) {
					s := newSim(t, 80, 24)
					defer s.Fini()
					v := sm.v
					v.Lang = lang
					buttons, overflow := renderWith(s, v, nil, -1, remainOf(sm.name), uiModes{voice: true, voiceOn: on})
					s.Show()
					if len(overflow) > 0 {
						t.Errorf("text does not fit: %q", overflow)
					}
					checkTargets(t, buttons, 80, 24)
					checkWidths(t, s)
					if v.State == kiosk.StateIdle && !v.Picking && !slices.ContainsFunc(buttons, func(b button) bool { return b.act == actVoice }) {
						t.Error("no 音声案内 button on the idle screen")
					}
					if on && remainOf(sm.name) == 0 && !slices.ContainsFunc(buttons, func(b button) bool { return b.act == actLouder }) {
						t.Error("no volume buttons while the voice is on")
					}
					if !golden[sm.name] || (!on && sm.name != "idle") || !slices.Contains(goldenIn, lang) {
						return
					}
					got := dump(s)
					checkGolden(t, name, got)
				})
			}
		}
	}
}

// Headphones plugged in turn the guide on, once; plugging in again leaves it on.
func TestHeadphonesTurnTheVoiceOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &voicetest.Transcript{}
		sp := voice.NewSpeaker(context.Background(), voice.Options{Clips: &voicetest.Tones{}, Player: &voicetest.Recorder{}, Said: tr.Add})
		defer sp.Close()
		r := newURigVoice(t, 80, 24, sp)
		defer r.close()
		r.press(KeyHeadphones, 0)
		r.press(KeyHeadphones, 0)
		if !sp.On() {
			t.Fatal("the voice is off after headphones were plugged in")
		}
		if got := tr.Take(); len(got) != 1 || !strings.HasPrefix(got[0], "音声案内をはじめます。") {
			t.Errorf("said %q", got)
		}
		if !strings.Contains(r.screen(), "音声を止める") {
			t.Errorf("the idle screen does not show the voice as on:\n%s", r.screen())
		}
	})
}
