package screens

import (
	"strings"
	"testing"

	"madoguchi/kiosk"
)

// TestHostileTextOnScreen: text that came from outside (the technician's diagnostics
// lines carry what a card, a printer or the center said) reaches the screen escaped: no
// cell holds a control, a bidi override or invalid UTF-8.
func TestHostileTextOnScreen(t *testing.T) {
	hostile := "\x1b]0;owned\x07\x1b[2J\u202etxet\u202c\x9b31m\xff"
	v := kiosk.View{State: kiosk.StateTech, Municipalities: sampleMunis(), TechEnabled: true,
		TechMessage: hostile, TechLines: []string{"card: " + hostile, hostile}}
	s := newSim(t, 100, 30)
	render(s, v, nil, -1, 0)
	s.Show()
	cells, _, _ := s.GetContents()
	var all strings.Builder
	for _, c := range cells {
		for _, r := range c.Runes {
			all.WriteRune(r)
			if r < 0x20 && r != 0 || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r == 0xfffd {
				t.Fatalf("a cell holds %U", r)
			}
		}
	}
	if !strings.Contains(all.String(), `\x1b]0;owned`) {
		t.Errorf("the escaped text is not shown:\n%s", all.String())
	}
}
