package screens

import (
	"testing"

	"madoguchi/kiosk"
)

// BenchmarkRender measures one frame per screen at the kiosk size: layout, drawing every
// cell and Show on tcell's simulation screen.
func BenchmarkRender(b *testing.B) {
	s := newSim(b, 100, 30)
	defer s.Fini()
	for _, sm := range samples() {
		b.Run(sm.name, func(b *testing.B) {
			v := sm.v
			v.Lang = kiosk.LangJA
			for b.Loop() {
				render(s, v, nil, -1, 0)
				s.Show()
			}
		})
	}
}

// BenchmarkLayout measures the layout and cell writes alone, without the simulation
// screen's Show (which stands in for the terminal's output).
func BenchmarkLayout(b *testing.B) {
	s := newSim(b, 100, 30)
	defer s.Fini()
	for _, name := range []string{"idle", "choose", "options-juminhyo", "pin-last-try", "fee", "problem-pin-locked"} {
		for _, sm := range samples() {
			if sm.name != name {
				continue
			}
			b.Run(sm.name, func(b *testing.B) {
				for b.Loop() {
					render(s, sm.v, nil, -1, 0)
				}
			})
		}
	}
}
