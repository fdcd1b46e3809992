package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JST is Japan Standard Time, the one zone of the project: service hours and closed days
// (here and in the reference center, center/server) and the center's ages and printed
// dates are always read in JST, whatever the machine's TZ says. A fixed zone needs no
// tzdata on the device (Japan has had no daylight saving time since 1951).
var JST = time.FixedZone("JST", 9*60*60)

// Hours is a daily service window in JST, [Open, Close) in minutes after midnight.
// Close may be 24*60 ("24:00") for a window that runs to midnight. The zero Hours is not a
// valid window; a Certificate with zero Hours uses its municipality's.
type Hours struct {
	Open, Close int
}

// DefaultHours is the usual コンビニ交付 service window, 6:30–23:00 every day.
var DefaultHours = Hours{Open: 6*60 + 30, Close: 23 * 60}

// AllDay is the window "00:00-24:00".
var AllDay = Hours{Open: 0, Close: 24 * 60}

// ParseHours reads "HH:MM-HH:MM", e.g. "06:30-23:00" or "00:00-24:00".
func ParseHours(s string) (Hours, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return Hours{}, errors.New(`no "-" between opening and closing time`)
	}
	open, err := parseClock(strings.TrimSpace(from))
	if err != nil {
		return Hours{}, fmt.Errorf("opening time %w", err)
	}
	closing, err := parseClock(strings.TrimSpace(to))
	if err != nil {
		return Hours{}, fmt.Errorf("closing time %w", err)
	}
	return Hours{Open: open, Close: closing}, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, errors.New("is not HH:MM")
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, errors.New("is not from 00:00 to 24:00")
	}
	return h*60 + m, nil
}

// IsZero reports whether h is the zero value ("not set").
func (h Hours) IsZero() bool { return h == Hours{} }

// Valid reports whether h is a window with opening before closing within one day.
func (h Hours) Valid() bool { return h.Open >= 0 && h.Open < h.Close && h.Close <= 24*60 }

// Contains reports whether the minute of the day (0–1439) is inside the window.
func (h Hours) Contains(minute int) bool { return minute >= h.Open && minute < h.Close }

func (h Hours) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", h.Open/60, h.Open%60, h.Close/60, h.Close%60)
}

// Date is a calendar day. Year 0 means "every year" (a recurring closure such as 12-29).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d Date) String() string {
	if d.Year == 0 {
		return fmt.Sprintf("%02d-%02d", int(d.Month), d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Closure is a run of days, both ends included, on which a municipality's service is
// closed. A recurring closure (Year 0 on both ends) repeats every year and may wrap the
// year end ("12-29..01-03"); a dated closure ("2026-10-01", "2026-12-28..2027-01-05")
// happens once.
type Closure struct {
	From, To Date
}

// DefaultClosures is the year-end closure of コンビニ交付, 12/29 to 1/3.
var DefaultClosures = []Closure{{From: Date{Month: time.December, Day: 29}, To: Date{Month: time.January, Day: 3}}}

// ParseClosure reads "MM-DD", "YYYY-MM-DD", or a range "FROM..TO" of two days of the same
// form.
func ParseClosure(s string) (Closure, error) {
	from, to, isRange := strings.Cut(s, "..")
	f, err := parseDate(strings.TrimSpace(from))
	if err != nil {
		return Closure{}, err
	}
	t := f
	if isRange {
		if t, err = parseDate(strings.TrimSpace(to)); err != nil {
			return Closure{}, err
		}
	}
	if (f.Year == 0) != (t.Year == 0) {
		return Closure{}, errors.New("both ends of a range must be MM-DD or both YYYY-MM-DD")
	}
	c := Closure{From: f, To: t}
	if f.Year != 0 && key(t) < key(f) {
		return Closure{}, errors.New("the range ends before it starts")
	}
	return c, nil
}

func parseDate(s string) (Date, error) {
	parts := strings.Split(s, "-")
	var d Date
	switch {
	case len(parts) == 2 && len(parts[0]) == 2 && len(parts[1]) == 2:
	case len(parts) == 3 && len(parts[0]) == 4 && len(parts[1]) == 2 && len(parts[2]) == 2:
		y, err := strconv.Atoi(parts[0])
		if err != nil || y < 2000 || y > 2199 {
			return Date{}, errors.New("the year must be from 2000 to 2199")
		}
		d.Year = y
		parts = parts[1:]
	default:
		return Date{}, errors.New("not MM-DD or YYYY-MM-DD")
	}
	m, err1 := strconv.Atoi(parts[0])
	day, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return Date{}, errors.New("not MM-DD or YYYY-MM-DD")
	}
	d.Month, d.Day = time.Month(m), day
	y := d.Year
	if y == 0 {
		y = 2000 // a leap year: 02-29 is a valid recurring day
	}
	if day < 1 || day > time.Date(y, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return Date{}, errors.New("no such day")
	}
	return d, nil
}

func key(d Date) int { return d.Year*10000 + int(d.Month)*100 + d.Day }

// Valid reports whether c is a closure ParseClosure could have produced.
func (c Closure) Valid() bool {
	_, err := ParseClosure(c.String())
	return err == nil
}

// Contains reports whether the JST calendar day of t falls inside the closure.
func (c Closure) Contains(t time.Time) bool {
	t = t.In(JST)
	if c.From.Year == 0 {
		md := int(t.Month())*100 + t.Day()
		from, to := key(c.From), key(c.To)
		if from <= to {
			return md >= from && md <= to
		}
		return md >= from || md <= to // wraps the year end
	}
	k := key(Date{Year: t.Year(), Month: t.Month(), Day: t.Day()})
	return k >= key(c.From) && k <= key(c.To)
}

func (c Closure) String() string {
	if c.From == c.To {
		return c.From.String()
	}
	return c.From.String() + ".." + c.To.String()
}

// Schedule is when a service is open, read in JST: inside Hours, on a weekday if
// WeekdaysOnly, and not on a Closed day. A window never crosses midnight (Hours.Valid);
// the zero Hours contains no minute, so a Schedule with zero Hours is never open.
// Municipality.OpenAt, Municipality.CertificateOpenAt and the reference center's service
// hours (center/server) are all answered by a Schedule.
type Schedule struct {
	Hours        Hours
	WeekdaysOnly bool
	Closed       []Closure
}

// OpenAt reports whether the schedule is open at t.
func (s Schedule) OpenAt(t time.Time) bool {
	t = t.In(JST)
	return !s.closedDay(t) && s.Hours.Contains(t.Hour()*60+t.Minute())
}

// NextOpenSearch is how far ahead NextOpen looks for an opening: a schedule closed for
// longer (or never open) has none.
const NextOpenSearch = 400 * 24 * time.Hour

// closedDay reports whether the schedule is closed the whole JST day of t.
func (s Schedule) closedDay(t time.Time) bool {
	if s.WeekdaysOnly && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
		return true
	}
	for _, c := range s.Closed {
		if c.Contains(t) {
			return true
		}
	}
	return false
}

// NextOpen returns the first minute at or after t (in JST) when the schedule is open: t
// itself when it is open now, else the next opening time; false when it does not open
// within NextOpenSearch. Times are whole minutes, as the windows are.
func (s Schedule) NextOpen(t time.Time) (time.Time, bool) {
	if !s.Hours.Valid() {
		return time.Time{}, false
	}
	t = t.In(JST)
	if s.OpenAt(t) {
		return t, true
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, JST)
	minute := t.Hour()*60 + t.Minute()
	for i := 0; i < int(NextOpenSearch/(24*time.Hour)); i++ {
		d := day.AddDate(0, 0, i)
		if s.closedDay(d) {
			continue
		}
		if i > 0 || minute < s.Hours.Open {
			return d.Add(time.Duration(s.Hours.Open) * time.Minute), true
		}
	}
	return time.Time{}, false
}

// Schedule is the municipality's own schedule: its hours and closed days, every day of
// the week.
func (m Municipality) Schedule() Schedule { return Schedule{Hours: m.Hours, Closed: m.Closed} }

// OpenAt reports whether the municipality's service is open at t: not a closed day and
// inside its hours, both in JST.
func (m Municipality) OpenAt(t time.Time) bool { return m.Schedule().OpenAt(t) }

// CertificateSchedule is when the municipality issues the certificate type: on its open
// days (weekdays only when the certificate is weekdays-only), inside both the
// municipality's hours and the certificate's own hours, if it has any. false: the
// municipality does not offer the type.
func (m Municipality) CertificateSchedule(typ CertType) (Schedule, bool) {
	c, ok := m.Certificate(typ)
	if !ok {
		return Schedule{}, false
	}
	h := m.Hours
	if !c.Hours.IsZero() {
		h = Hours{Open: max(h.Open, c.Hours.Open), Close: min(h.Close, c.Hours.Close)}
		if h.Open >= h.Close {
			h = Hours{} // the windows do not overlap: never open
		}
	}
	return Schedule{Hours: h, WeekdaysOnly: c.WeekdaysOnly, Closed: m.Closed}, true
}

// CertificateOpenAt reports whether the certificate type can be issued at t: the
// municipality offers it, the day is not closed, it is a weekday when the certificate is
// weekdays-only, and t is inside the municipality's hours and the certificate's own
// hours, if it has any.
func (m Municipality) CertificateOpenAt(typ CertType, t time.Time) bool {
	s, ok := m.CertificateSchedule(typ)
	return ok && s.OpenAt(t)
}

// CertificateNextOpen is when the certificate type is next available at or after t (t
// itself when it is now); false when not offered or not within NextOpenSearch.
func (m Municipality) CertificateNextOpen(typ CertType, t time.Time) (time.Time, bool) {
	s, ok := m.CertificateSchedule(typ)
	if !ok {
		return time.Time{}, false
	}
	return s.NextOpen(t)
}

// Certificate returns the municipality's settings for a certificate type.
func (m Municipality) Certificate(typ CertType) (Certificate, bool) {
	for _, c := range m.Certificates {
		if c.Type == typ {
			return c, true
		}
	}
	return Certificate{}, false
}
