package kiosk_test

import (
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
)

// The state table, stated once more by hand: a change to a state's properties must be
// made on purpose, here too.
func TestStateTable(t *testing.T) {
	tm := config.Timeouts{Idle: 1 * time.Second, Choose: 2 * time.Second, Card: 3 * time.Second,
		PIN: 4 * time.Second, Center: 5 * time.Second, Fee: 6 * time.Second, Print: 7 * time.Second,
		Take: 8 * time.Second}
	tests := []struct {
		st                     kiosk.State
		name                   string
		timeout                time.Duration
		waits, machine, needed bool
	}{
		{kiosk.StateIdle, "idle", tm.Idle, false, false, false},
		{kiosk.StateMunicipality, "municipality", tm.Choose, true, false, false},
		{kiosk.StateChoose, "choose", tm.Choose, true, false, false},
		{kiosk.StateOptions, "options", tm.Choose, true, false, false},
		{kiosk.StatePlaceCard, "place-card", tm.Card, true, false, false},
		{kiosk.StateReadingCard, "reading-card", tm.Card, false, true, true},
		{kiosk.StatePIN, "pin", tm.PIN, true, false, true},
		{kiosk.StateCenter, "center", tm.Center, false, true, true},
		{kiosk.StateFee, "fee", tm.Fee, true, false, true},
		{kiosk.StatePaying, "paying", tm.Fee, false, true, true},
		{kiosk.StatePrinting, "printing", tm.Print, false, true, false},
		{kiosk.StateTake, "take", tm.Take, true, false, false},
		{kiosk.StateProblem, "problem", tm.Take, true, false, false},
		{kiosk.StateTechPIN, "tech-pin", tm.PIN, false, false, false},
		{kiosk.StateTech, "tech", kiosk.TechMenuTimeout, false, false, false},
		{kiosk.StateFormChoose, "form-choose", tm.Choose, true, false, false},
		{kiosk.StateFormCard, "form-card", tm.Card, true, false, false},
		{kiosk.StateFormReading, "form-reading", tm.Card, false, true, true},
		{kiosk.StateFormPIN, "form-pin", tm.PIN, true, false, true},
		{kiosk.StateFormFacts, "form-facts", tm.Card, false, true, true},
		{kiosk.StateFormConfirm, "form-confirm", tm.Fee, true, false, false},
		{kiosk.StateFormPrinting, "form-printing", tm.Print, false, true, false},
		{kiosk.StateFormTake, "form-take", tm.Take, true, false, false},
		{kiosk.StateAppEntry, "app-entry", tm.Choose, true, false, true},
		{kiosk.StateAppReview, "app-review", tm.Fee, true, false, true},
		{kiosk.StateAppPasswordReading, "app-password-reading", tm.Card, false, true, true},
		{kiosk.StateAppPassword, "app-password", tm.PIN, true, false, true},
		{kiosk.StateAppSigning, "app-signing", tm.Center, false, true, true},
		{kiosk.StateAppPrinting, "app-printing", tm.Print, false, true, false},
		{kiosk.StateAppTake, "app-take", tm.Take, true, false, false},
	}
	if len(tests) != len(kiosk.States) {
		t.Fatalf("%d states in the table, %d here", len(kiosk.States), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			if kiosk.States[i] != st {
				t.Errorf("States[%d] = %v, want %v", i, kiosk.States[i], st)
			}
			if st.String() != tt.name {
				t.Errorf("String %q", st.String())
			}
			if got := st.Timeout(tm); got != tt.timeout {
				t.Errorf("timeout %v, want %v", got, tt.timeout)
			}
			if st.WaitsForResident() != tt.waits || st.MachineWorking() != tt.machine || st.NeedsCard() != tt.needed {
				t.Errorf("waits %v machine %v needs card %v, want %v %v %v", st.WaitsForResident(),
					st.MachineWorking(), st.NeedsCard(), tt.waits, tt.machine, tt.needed)
			}
		})
	}
	bad := kiosk.State(len(kiosk.States))
	if bad.String() != "state(?)" || bad.WaitsForResident() || bad.MachineWorking() || bad.NeedsCard() || bad.Timeout(tm) != 0 {
		t.Errorf("a state outside the table has properties")
	}
}
