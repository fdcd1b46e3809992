package screens

import (
	"testing"

	"madoguchi/kiosk"
)

// Adding a state to the engine's table without a screen fails here.
func TestEveryStateHasAScreen(t *testing.T) {
	for _, st := range kiosk.States {
		if screenOf[st] == nil {
			t.Errorf("state %v has no screen", st)
		}
	}
	if len(screenOf) != len(kiosk.States) {
		t.Errorf("%d screens for %d states", len(screenOf), len(kiosk.States))
	}
}
