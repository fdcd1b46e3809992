package server

import (
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// TestHoursOpen covers what the center's hours file means through the shared model
// (config.Schedule): the zero Hours, closed days and ranges, weekdays only, the JST day
// and the closing minute.
func TestHoursOpen(t *testing.T) {
	at := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, config.JST)
	}
	demo := DemoMunicipality()
	office := demo.hoursFor(center.FamilyRegister)
	for _, tc := range []struct {
		name string
		h    Hours
		at   time.Time
		want bool
	}{
		{"zero hours midnight", Hours{}, at(2026, 11, 28, 0, 0), true},
		{"zero hours last minute", Hours{}, at(2026, 11, 29, 23, 59), true},
		{"zero hours zero time", Hours{}, time.Time{}, true},
		// The zero time is 0001-01-01 09:00 JST, a Monday; 01-01 is a closed day of the demo.
		{"zero time in the window", Hours{Open: "09:00", Close: "17:00"}, time.Time{}, true},
		{"zero time before the window", Hours{Open: "09:01", Close: "17:00"}, time.Time{}, false},
		{"zero time on a closed day", demo.Hours, time.Time{}, false},
		{"zero time weekdays only", Hours{WeekdaysOnly: true}, time.Time{}, true},
		{"closing at 24:00", Hours{Open: "00:00", Close: "24:00"}, at(2026, 11, 26, 23, 59), true},
		{"closing minute", demo.Hours, at(2026, 11, 26, 23, 0), false},
		{"last minute", demo.Hours, at(2026, 11, 26, 22, 59), true},
		{"closed day", demo.Hours, at(2026, 12, 31, 12, 0), false},
		{"closed range wraps the year", Hours{Closed: []string{"12-29..01-03"}}, at(2027, 1, 2, 12, 0), false},
		{"after closed range", Hours{Closed: []string{"12-29..01-03"}}, at(2027, 1, 4, 12, 0), true},
		{"dated closed day", Hours{Closed: []string{"2026-10-01"}}, at(2026, 10, 1, 12, 0), false},
		{"dated closed day next year", Hours{Closed: []string{"2026-10-01"}}, at(2027, 10, 1, 12, 0), true},
		{"weekdays only friday", office, at(2026, 11, 27, 9, 0), true},
		{"weekdays only saturday", office, at(2026, 11, 28, 9, 0), false},
		{"weekdays only sunday", office, at(2026, 11, 29, 9, 0), false},
		{"weekdays only without hours", Hours{WeekdaysOnly: true}, at(2026, 11, 28, 12, 0), false},
		// Friday 2026-11-27 15:30 UTC is Saturday 00:30 in Japan: the JST day decides.
		{"utc friday is jst saturday", Hours{WeekdaysOnly: true}, time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC), false},
		// 2026-12-28 15:30 UTC is 12-29 00:30 in Japan.
		{"utc day before is jst closed day", Hours{Closed: []string{"12-29"}}, time.Date(2026, 12, 28, 15, 30, 0, 0, time.UTC), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.h.validate(); err != nil {
				t.Fatal(err)
			}
			if got := tc.h.open(tc.at); got != tc.want {
				t.Errorf("open(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestHoursValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Hours
		err  string // "" = valid
	}{
		{"zero", Hours{}, ""},
		{"all day", Hours{Open: "00:00", Close: "24:00"}, ""},
		{"open without close", Hours{Open: "09:00"}, "open and close go together"},
		{"close without open", Hours{Close: "17:00"}, "open and close go together"},
		{"across midnight", Hours{Open: "22:00", Close: "02:00"}, `"22:00"-"02:00" is not HH:MM-HH:MM`},
		{"empty window", Hours{Open: "09:00", Close: "09:00"}, "is not HH:MM-HH:MM"},
		{"single digit hour", Hours{Open: "9:00", Close: "17:00"}, "is not HH:MM-HH:MM"},
		{"past 24:00", Hours{Open: "09:00", Close: "24:30"}, "is not HH:MM-HH:MM"},
		{"bad closed day", Hours{Closed: []string{"02-30"}}, `closed day "02-30": no such day`},
		{"closed range", Hours{Closed: []string{"12-29..01-03", "2026-10-01"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.h.validate()
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("validate() = %v, want %q", err, tc.err)
			}
		})
	}
}
