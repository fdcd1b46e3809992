package screens

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// Every screen in every display mode, with and without the voice's buttons, at the
// smallest size in both languages: nothing cut, the targets apart and on the screen, no
// ambiguous-width character; in high contrast every cell is in the high-contrast palette
// (a style missing from contrastColours fails); in やさしい日本語 the plain sentences are
// drawn. Goldens for a few screens per mode.
func TestDisplayModes(t *testing.T) {
	palette := map[tcell.Color]bool{}
	for _, p := range contrastColours {
		palette[p[0]], palette[p[1]] = true, true
	}
	golden := map[string]bool{"idle": true, "choose": true, "options-juminhyo": true, "pin": true, "fee": true,
		"problem-pin-locked": true, "take": true, "place-card": true}
	modes := []struct {
		name string
		m    uiModes
	}{
		{"contrast", uiModes{display: true, Display: Display{Contrast: true}}},
		{"easy", uiModes{display: true, Display: Display{Easy: true}}},
		{"easy-contrast-voice", uiModes{display: true, voice: true, voiceOn: true, Display: Display{Easy: true, Contrast: true}}},
		{"switches", uiModes{display: true, voice: true}},
	}
	goldenIn, _ := goldenLangs(t, 80, 24)
	for _, md := range modes {
		for _, lang := range kiosk.Langs {
			for _, sm := range samples() {
				name := fmt.Sprintf("%s-%s-%s-80x24", md.name, sm.name, lang)
				t.Run(name, func(t *testing.T) {
					s := newSim(t, 80, 24)
					defer s.Fini()
					v := sm.v
					v.Lang = lang
					buttons, overflow := renderWith(s, v, nil, -1, remainOf(sm.name), md.m)
					s.Show()
					if len(overflow) > 0 {
						t.Errorf("text does not fit: %q", overflow)
					}
					checkTargets(t, buttons, 80, 24)
					checkWidths(t, s)
					if !slices.ContainsFunc(buttons, func(b button) bool { return b.act == actContrast }) {
						t.Error("no 見やすく switch")
					}
					if md.m.Contrast {
						cells, w, h := s.GetContents()
						for i := range w * h {
							fg, bg, _ := cells[i].Style.Decompose()
							if len(cells[i].Runes) == 0 {
								continue // the right half of a wide character
							}
							if !palette[fg] || !palette[bg] {
								t.Fatalf("cell (%d,%d) %q: colours %06x on %06x, not high contrast", i%w, i/w, cells[i].Runes, fg.Hex(), bg.Hex())
							}
						}
					}
					got := dump(s)
					if md.m.Easy && lang == kiosk.LangJA {
						for usual, easy := range easyTexts {
							if strings.Contains(got, usual) {
								t.Errorf("やさしい日本語 still shows %q (%q)", usual, easy)
							}
						}
					}
					if !golden[sm.name] || (md.name == "switches" && sm.name != "idle") || (lang != kiosk.LangJA && md.name == "easy") || !slices.Contains(goldenIn, lang) {
						return
					}
					checkGolden(t, "mode-"+name, got)
				})
			}
		}
	}
}
