package config

import (
	"testing"
	"time"

	"madoguchi/center"
)

func TestParseHours(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"06:30-23:00", "06:30-23:00", ""},
		{"00:00-24:00", "00:00-24:00", ""},
		{" 09:00 - 17:00 ", "09:00-17:00", ""},
		{"06:30", "", `no "-" between opening and closing time`},
		{"6:30-23:00", "", "opening time is not HH:MM"},
		{"06:30-2300", "", "closing time is not HH:MM"},
		{"06:60-23:00", "", "opening time is not from 00:00 to 24:00"},
		{"06:30-24:01", "", "closing time is not from 00:00 to 24:00"},
		{"aa:bb-23:00", "", "opening time is not from 00:00 to 24:00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := ParseHours(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ParseHours(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || h.String() != tt.want {
				t.Fatalf("ParseHours(%q) = %v, %v; want %s", tt.in, h, err, tt.want)
			}
		})
	}
}

func TestParseClosure(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"12-29..01-03", "12-29..01-03", ""},
		{"02-29", "02-29", ""},
		{"2026-10-01", "2026-10-01", ""},
		{"2026-12-28..2027-01-05", "2026-12-28..2027-01-05", ""},
		{"12-31..12-31", "12-31", ""},
		{"02-30", "", "no such day"},
		{"2027-02-29", "", "no such day"},
		{"13-01", "", "not MM-DD or YYYY-MM-DD"},
		{"1-3", "", "not MM-DD or YYYY-MM-DD"},
		{"1999-01-01", "", "the year must be from 2000 to 2199"},
		{"12-29..2027-01-03", "", "both ends of a range must be MM-DD or both YYYY-MM-DD"},
		{"2027-01-03..2026-12-29", "", "the range ends before it starts"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseClosure(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ParseClosure(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || c.String() != tt.want || !c.Valid() {
				t.Fatalf("ParseClosure(%q) = %v (valid %v), %v; want %s", tt.in, c, c.Valid(), err, tt.want)
			}
		})
	}
}

func jst(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, JST) }

// TestOpenAt covers a municipality's schedule and the shared model (Schedule) on its own,
// including what only the reference center's hours used to test: weekdays only, windows
// that cannot cross midnight, the zero Hours and the zero time.
func TestOpenAt(t *testing.T) {
	sample := Municipality{Code: "131016", Name: "千代田区", Hours: DefaultHours, Closed: DefaultClosures}
	office := Schedule{Hours: Hours{9 * 60, 17 * 60}, WeekdaysOnly: true, Closed: DefaultClosures}
	acrossMidnight, err := ParseHours("22:00-02:00")
	if err != nil || acrossMidnight.Valid() {
		t.Fatalf("ParseHours(22:00-02:00) = %v, %v; want a window that is not Valid", acrossMidnight, err)
	}
	allDay := Municipality{Hours: Hours{0, 24 * 60}, Closed: append(append([]Closure{}, DefaultClosures...),
		Closure{From: Date{2026, time.October, 1}, To: Date{2026, time.October, 1}},
		Closure{From: Date{Month: time.February, Day: 29}, To: Date{Month: time.February, Day: 29}})}
	tests := []struct {
		name string
		m    interface{ OpenAt(time.Time) bool } // a Municipality or a Schedule
		at   time.Time
		want bool
	}{
		{"opening minute", sample, jst(2026, 11, 26, 6, 30), true},
		{"minute before opening", sample, jst(2026, 11, 26, 6, 29), false},
		{"last minute", sample, jst(2026, 11, 26, 22, 59), true},
		{"closing minute", sample, jst(2026, 11, 26, 23, 0), false},
		{"day before year end", sample, jst(2026, 12, 28, 12, 0), true},
		{"12-29 closed", sample, jst(2026, 12, 29, 12, 0), false},
		{"12-31 closed", sample, jst(2026, 12, 31, 12, 0), false},
		{"01-01 closed", sample, jst(2027, 1, 1, 12, 0), false},
		{"01-03 closed", sample, jst(2027, 1, 3, 12, 0), false},
		{"01-04 open", sample, jst(2027, 1, 4, 12, 0), true},
		{"weekend open", sample, jst(2026, 11, 28, 12, 0), true},
		// 2026-12-28 21:30 UTC is 12-29 06:30 in Japan: the JST day decides.
		{"utc evening is jst closed day", sample, time.Date(2026, 12, 28, 21, 30, 0, 0, time.UTC), false},
		// 2027-01-03 21:30 UTC is 01-04 06:30 in Japan.
		{"utc evening is jst open day", sample, time.Date(2027, 1, 3, 21, 30, 0, 0, time.UTC), true},
		// 2026-11-25 21:29 UTC is 11-26 06:29 JST.
		{"utc hours in jst", sample, time.Date(2026, 11, 25, 21, 29, 0, 0, time.UTC), false},
		{"all day midnight", allDay, jst(2026, 11, 26, 0, 0), true},
		{"all day last minute", allDay, jst(2026, 11, 26, 23, 59), true},
		{"dated closure", allDay, jst(2026, 10, 1, 12, 0), false},
		{"dated closure other year", allDay, jst(2027, 10, 1, 12, 0), true},
		{"leap day closure", allDay, jst(2028, 2, 29, 12, 0), false},
		{"no closures", Municipality{Hours: DefaultHours}, jst(2026, 12, 31, 12, 0), true},
		{"zero hours", Municipality{}, jst(2026, 11, 26, 12, 0), false},
		{"weekday", office, jst(2026, 11, 27, 9, 0), true},
		{"saturday", office, jst(2026, 11, 28, 9, 0), false},
		{"sunday", office, jst(2026, 11, 29, 9, 0), false},
		{"monday", office, jst(2026, 11, 30, 16, 59), true},
		{"weekday closed day", office, jst(2026, 12, 29, 12, 0), false},
		// Friday 2026-11-27 15:30 UTC is Saturday 00:30 in Japan: the JST day decides.
		{"utc friday is jst saturday", Schedule{Hours: AllDay, WeekdaysOnly: true}, time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC), false},
		{"schedule all day midnight", Schedule{Hours: AllDay}, jst(2026, 11, 28, 0, 0), true},
		{"schedule all day last minute", Schedule{Hours: AllDay}, jst(2026, 11, 28, 23, 59), true},
		{"schedule zero hours", Schedule{}, jst(2026, 11, 26, 12, 0), false},
		{"schedule zero hours midnight", Schedule{}, jst(2026, 11, 26, 0, 0), false},
		{"across midnight late", Schedule{Hours: acrossMidnight}, jst(2026, 11, 26, 23, 0), false},
		{"across midnight early", Schedule{Hours: acrossMidnight}, jst(2026, 11, 26, 1, 0), false},
		// The zero time is 0001-01-01 09:00 JST, a Monday, and 01-01 is a default closed day.
		{"zero time in the window", Schedule{Hours: Hours{9 * 60, 17 * 60}, WeekdaysOnly: true}, time.Time{}, true},
		{"zero time before the window", Schedule{Hours: Hours{9*60 + 1, 17 * 60}}, time.Time{}, false},
		{"zero time on a closed day", office, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.OpenAt(tt.at); got != tt.want {
				t.Errorf("OpenAt(%v) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestCertificateOpenAt(t *testing.T) {
	m := Municipality{Hours: DefaultHours, Closed: DefaultClosures, Certificates: []Certificate{
		{Type: center.ResidentRecord, FeeYen: 200},
		{Type: center.FamilyRegister, FeeYen: 350, Hours: Hours{9 * 60, 17 * 60}, WeekdaysOnly: true},
		{Type: center.TaxIncome, FeeYen: 200, Hours: Hours{0, 24 * 60}},
	}}
	tests := []struct {
		name string
		typ  CertType
		at   time.Time
		want bool
	}{
		{"municipality hours", center.ResidentRecord, jst(2026, 11, 28, 22, 0), true},
		{"municipality hours closed", center.ResidentRecord, jst(2026, 11, 28, 23, 0), false},
		{"koseki weekday", center.FamilyRegister, jst(2026, 11, 26, 9, 0), true},
		{"koseki after five", center.FamilyRegister, jst(2026, 11, 26, 17, 0), false},
		{"koseki saturday", center.FamilyRegister, jst(2026, 11, 28, 10, 0), false},
		{"koseki sunday", center.FamilyRegister, jst(2026, 11, 29, 10, 0), false},
		{"koseki year end weekday", center.FamilyRegister, jst(2026, 12, 29, 10, 0), false},
		{"own hours cannot widen the municipality's", center.TaxIncome, jst(2026, 11, 26, 5, 0), false},
		{"not offered", center.SealRegistration, jst(2026, 11, 26, 12, 0), false},
		{"no own hours is the municipality's", center.ResidentRecord, jst(2026, 11, 26, 6, 30), true},
		{"no own hours on a closed day", center.ResidentRecord, jst(2027, 1, 3, 12, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.CertificateOpenAt(tt.typ, tt.at); got != tt.want {
				t.Errorf("CertificateOpenAt(%s, %v) = %v, want %v", tt.typ, tt.at, got, tt.want)
			}
		})
	}
}

func TestCheckDigit(t *testing.T) {
	// Real codes: 北海道 010006, 札幌市 011002, 千代田区 131016, 横浜市 141003, 那覇市 472018;
	// 神戸市 281000 and 相模原市 141500 (sum mod 11 = 1 → 0), 苫小牧市 012131 (mod 11 = 0 → 1).
	for _, code := range []string{"010006", "011002", "131016", "141003", "472018", "281000", "141500", "012131", DemoMunicipalityCode} {
		d, ok := CheckDigit(code)
		if !ok || byte('0'+d) != code[5] {
			t.Errorf("CheckDigit(%s) = %d, %v; want %c", code, d, ok, code[5])
		}
	}
	if _, ok := CheckDigit("12a45"); ok {
		t.Error("CheckDigit accepted a letter")
	}
}

func TestNextOpen(t *testing.T) {
	at := func(y int, mo time.Month, d, h, mi int) time.Time { return time.Date(y, mo, d, h, mi, 0, 0, JST) }
	m := Municipality{Hours: DefaultHours, Closed: DefaultClosures, Certificates: []Certificate{
		{Type: center.ResidentRecord},
		{Type: center.FamilyRegister, Hours: Hours{Open: 8*60 + 30, Close: 17 * 60}, WeekdaysOnly: true},
		{Type: center.TaxIncome, Hours: Hours{Open: 5 * 60, Close: 6 * 60}}, // outside the municipality's hours
	}}
	tests := []struct {
		name string
		typ  CertType
		now  time.Time
		want time.Time // zero: none
	}{
		{"open now", center.ResidentRecord, at(2026, 11, 26, 12, 0), at(2026, 11, 26, 12, 0)},
		{"before opening", center.ResidentRecord, at(2026, 11, 26, 5, 0), at(2026, 11, 26, 6, 30)},
		{"after closing", center.ResidentRecord, at(2026, 11, 26, 23, 0), at(2026, 11, 27, 6, 30)},
		{"year end", center.ResidentRecord, at(2026, 12, 28, 23, 30), at(2027, 1, 4, 6, 30)},
		{"koseki on a weekday morning", center.FamilyRegister, at(2026, 11, 26, 7, 0), at(2026, 11, 26, 8, 30)},
		{"koseki friday evening", center.FamilyRegister, at(2026, 11, 27, 17, 0), at(2026, 11, 30, 8, 30)},
		{"koseki saturday", center.FamilyRegister, at(2026, 11, 28, 10, 0), at(2026, 11, 30, 8, 30)},
		{"koseki over the year end", center.FamilyRegister, at(2026, 12, 28, 17, 0), at(2027, 1, 4, 8, 30)},
		{"koseki utc evening is jst morning", center.FamilyRegister, time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC), at(2026, 11, 26, 8, 30)},
		{"windows that do not overlap", center.TaxIncome, at(2026, 11, 26, 5, 30), time.Time{}},
		{"not offered", center.SealRegistration, at(2026, 11, 26, 12, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := m.CertificateNextOpen(tt.typ, tt.now)
			if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
				t.Fatalf("CertificateNextOpen = %v, %v; want %v", got, ok, tt.want)
			}
			if ok && !m.CertificateOpenAt(tt.typ, got) {
				t.Fatalf("not open at its next opening %v", got)
			}
			if ok && got.After(tt.now) && m.CertificateOpenAt(tt.typ, got.Add(-time.Minute)) {
				t.Fatalf("open already a minute before %v", got)
			}
		})
	}
	closed := Schedule{Hours: DefaultHours, Closed: []Closure{{From: Date{Month: 1, Day: 1}, To: Date{Month: 12, Day: 31}}}}
	if got, ok := closed.NextOpen(at(2026, 11, 26, 12, 0)); ok {
		t.Errorf("a schedule closed every day opens at %v", got)
	}
}
