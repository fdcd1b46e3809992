package server

import (
	"fmt"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"

	"madoguchi/center"
	"madoguchi/config"
)

// Municipality is one municipality served by the center: its fees and hours.
type Municipality struct {
	Code      string                    `toml:"code"`       // e.g. the 全国地方公共団体コード "139998"
	Name      string                    `toml:"name"`       // printed, e.g. 見本市
	Mayor     string                    `toml:"mayor"`      // printed issuer, e.g. 見本市長　見本　太郎
	Fees      map[center.CertType]int   `toml:"fees"`       // yen per copy; a type without a fee is not offered
	Hours     Hours                     `toml:"hours"`      // service hours for every type
	TypeHours map[center.CertType]Hours `toml:"type_hours"` // overrides Hours per type (e.g. 戸籍 on weekdays only)
	MinAge    int                       `toml:"min_age"`    // minimum age for any certificate; 0 = none (印鑑 always needs 15)
}

// Hours are service hours in JST, as written in the center's municipalities file; they
// mean the config.Schedule that schedule returns, the model the kiosk's configuration
// uses too. The zero value means always open.
type Hours struct {
	Open         string   `toml:"open"`          // "HH:MM" (config.ParseHours); Open and Close both empty = all day
	Close        string   `toml:"close"`         // "HH:MM", exclusive, up to "24:00"
	WeekdaysOnly bool     `toml:"weekdays_only"` // closed on Saturdays and Sundays
	Closed       []string `toml:"closed"`        // closed days as config.ParseClosure reads them, e.g. "12-29" or "12-29..01-03"
}

// ParseMunicipalities reads municipalities from TOML: one [[municipality]] table each,
// with the keys of Municipality's toml tags. Unknown keys are errors.
//
//	[[municipality]]
//	code = "139998"
//	name = "見本市"
//	mayor = "見本市長　見本　太郎"
//	fees = { juminhyo = 200, inkan = 200, koseki = 350 }
//	hours = { open = "06:30", close = "23:00", closed = ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"] }
//	[municipality.type_hours.koseki]
//	open = "09:00"
//	close = "17:00"
//	weekdays_only = true
func ParseMunicipalities(data string) ([]Municipality, error) {
	var f struct {
		Municipality []Municipality `toml:"municipality"`
	}
	md, err := toml.Decode(data, &f)
	if err != nil {
		return nil, fmt.Errorf("center/server: municipalities: %w", err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("center/server: municipalities: unknown key %s", und[0])
	}
	if len(f.Municipality) == 0 {
		return nil, fmt.Errorf("center/server: municipalities: no [[municipality]]")
	}
	seen := map[string]bool{}
	for _, m := range f.Municipality {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("center/server: municipalities: %w", err)
		}
		if seen[m.Code] {
			return nil, fmt.Errorf("center/server: municipalities: %s twice", m.Code)
		}
		seen[m.Code] = true
	}
	return f.Municipality, nil
}

// Validate checks codes, fees and the hours' formats.
func (m Municipality) Validate() error {
	if m.Code == "" || m.Name == "" {
		return fmt.Errorf("municipality %q: code and name are required", m.Code)
	}
	for t, fee := range m.Fees {
		if !t.Valid() || fee < 0 {
			return fmt.Errorf("municipality %s: bad fee %q=%d", m.Code, t, fee)
		}
	}
	if err := m.Hours.validate(); err != nil {
		return fmt.Errorf("municipality %s: %w", m.Code, err)
	}
	for t, h := range m.TypeHours {
		if !t.Valid() {
			return fmt.Errorf("municipality %s: hours for unknown type %q", m.Code, t)
		}
		if err := h.validate(); err != nil {
			return fmt.Errorf("municipality %s: %s: %w", m.Code, t, err)
		}
	}
	return nil
}

func (h Hours) validate() error {
	_, err := h.schedule()
	return err
}

// schedule reads h into the shared model of opening hours.
func (h Hours) schedule() (config.Schedule, error) {
	s := config.Schedule{Hours: config.AllDay, WeekdaysOnly: h.WeekdaysOnly}
	if (h.Open == "") != (h.Close == "") {
		return s, fmt.Errorf("hours: open and close go together")
	}
	if h.Open != "" {
		w, err := config.ParseHours(h.Open + "-" + h.Close)
		if err != nil || !w.Valid() {
			return s, fmt.Errorf("hours: %q-%q is not HH:MM-HH:MM", h.Open, h.Close)
		}
		s.Hours = w
	}
	for _, d := range h.Closed {
		c, err := config.ParseClosure(d)
		if err != nil {
			return s, fmt.Errorf("hours: closed day %q: %w", d, err)
		}
		s.Closed = append(s.Closed, c)
	}
	return s, nil
}

// open reports whether h is open at t.
func (h Hours) open(t time.Time) bool {
	s, err := h.schedule() // validated; fail closed all the same
	return err == nil && s.OpenAt(t)
}

// nextOpen is when h next opens at or after t (JST); false when not within
// config.NextOpenSearch.
func (h Hours) nextOpen(t time.Time) (time.Time, bool) {
	s, err := h.schedule()
	if err != nil {
		return time.Time{}, false
	}
	return s.NextOpen(t)
}

// hoursFor returns the hours of a type.
func (m Municipality) hoursFor(t center.CertType) Hours {
	if h, ok := m.TypeHours[t]; ok {
		return h
	}
	return m.Hours
}

// DemoMunicipality is 見本市, a fictitious city with typical fees and hours: every day
// 06:30–23:00 except 12/29–1/3; 戸籍 and 戸籍の附票 on weekdays 09:00–17:00.
func DemoMunicipality() Municipality {
	yearEnd := []string{"12-29", "12-30", "12-31", "01-01", "01-02", "01-03"}
	office := Hours{Open: "09:00", Close: "17:00", WeekdaysOnly: true, Closed: yearEnd}
	return Municipality{
		Code:  "139998", // config.DemoMunicipalityCode
		Name:  "見本市",
		Mayor: "見本市長　見本　太郎",
		Fees: map[center.CertType]int{
			center.ResidentRecord: 200, center.ResidentRecordItems: 200, center.SealRegistration: 200,
			center.FamilyRegister: 350, center.FamilyRegisterAnnex: 200, center.TaxIncome: 200,
		},
		Hours:     Hours{Open: "06:30", Close: "23:00", Closed: yearEnd},
		TypeHours: map[center.CertType]Hours{center.FamilyRegister: office, center.FamilyRegisterAnnex: office},
	}
}

// Wareki formats a date in the Japanese era calendar as printed on certificates, e.g.
// 令和8年11月26日 (the first year is 元年).
func Wareki(t time.Time) string {
	t = t.In(config.JST)
	name, y := era(t)
	if name == "" {
		return t.Format("2006年1月2日")
	}
	return fmt.Sprintf("%s%s年%d月%d日", name, eraYear(y), int(t.Month()), t.Day())
}

// WarekiYear names a year in the era calendar without the 年, e.g. 2025 → 令和7 and
// 2019 → 令和元, for 年度 and 年分 (「令和8年度（令和7年分）」). A year in which the era
// changed takes the era in force at its end (2019 is 令和元, 1989 平成元), as tax years
// and fiscal years are named.
func WarekiYear(year int) string {
	name, y := era(time.Date(year, time.December, 31, 0, 0, 0, 0, config.JST))
	if name == "" {
		return strconv.Itoa(year)
	}
	return name + eraYear(y)
}

// era returns the era in force on the JST date t and the year within it, or "" before
// 明治.
func era(t time.Time) (string, int) {
	d := t.Format("20060102")
	eras := []struct {
		name, from string
		year       int
	}{{"令和", "20190501", 2019}, {"平成", "19890108", 1989}, {"昭和", "19261225", 1926}, {"大正", "19120730", 1912}, {"明治", "18680125", 1868}}
	for _, e := range eras {
		if d >= e.from {
			return e.name, t.Year() - e.year + 1
		}
	}
	return "", 0
}

// eraYear writes a year within an era; the first is 元.
func eraYear(y int) string {
	if y == 1 {
		return "元"
	}
	return strconv.Itoa(y)
}

// age is the completed years at t of someone born on birth (both JST dates).
func age(birth, t time.Time) int {
	t = t.In(config.JST)
	a := t.Year() - birth.Year()
	if t.Month() < birth.Month() || t.Month() == birth.Month() && t.Day() < birth.Day() {
		a--
	}
	return a
}
