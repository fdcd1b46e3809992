package journal_test

import (
	"testing"

	"madoguchi/offline/journal"
)

func TestFollows(t *testing.T) {
	all := []journal.Step{journal.Intent, journal.CardChecked, journal.RequestSent, journal.Document, journal.Payment,
		journal.PrintStarted, journal.Printed, journal.PrintFailed, journal.Closed}
	legal := map[[2]journal.Step]bool{
		{journal.Intent, journal.CardChecked}:       true,
		{journal.CardChecked, journal.RequestSent}:  true,
		{journal.RequestSent, journal.Document}:     true,
		{journal.Document, journal.Payment}:         true,
		{journal.Document, journal.PrintStarted}:    true,
		{journal.Payment, journal.PrintStarted}:     true,
		{journal.PrintStarted, journal.Printed}:     true,
		{journal.PrintStarted, journal.PrintFailed}: true,
		{journal.Intent, journal.Closed}:            true,
		{journal.CardChecked, journal.Closed}:       true,
		{journal.RequestSent, journal.Closed}:       true,
		{journal.Document, journal.Closed}:          true,
		{journal.Payment, journal.Closed}:           true,
		{journal.PrintStarted, journal.Closed}:      true,
		{journal.Printed, journal.Closed}:           true,
		{journal.PrintFailed, journal.Closed}:       true,
	}
	for _, cur := range all {
		for _, next := range all {
			if got, want := journal.Follows(cur, next), legal[[2]journal.Step{cur, next}]; got != want {
				t.Errorf("Follows(%s, %s) = %v, want %v", cur, next, got, want)
			}
		}
	}
}

func TestIsOutcome(t *testing.T) {
	for _, tc := range []struct {
		st   journal.Step
		want bool
	}{
		{journal.Printed, true}, {journal.PrintFailed, true}, {journal.PrintStarted, false},
		{journal.RequestSent, false}, {journal.Closed, false}, {journal.Intent, false},
	} {
		if got := tc.st.IsOutcome(); got != tc.want {
			t.Errorf("%s.IsOutcome() = %v, want %v", tc.st, got, tc.want)
		}
	}
}
