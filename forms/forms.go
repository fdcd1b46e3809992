package forms

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Source says where a field's value comes from.
type Source string

// The sources: one of the four facts of the card, or none (a blank box).
const (
	SourceNone      Source = ""
	SourceName      Source = "name"
	SourceAddress   Source = "address"
	SourceBirthDate Source = "birth_date"
	SourceSex       Source = "sex"
)

// Sources lists the sources a field may name, in the order the card's face shows them.
var Sources = []Source{SourceName, SourceAddress, SourceBirthDate, SourceSex}

// Limits of a form.
const (
	MaxFields   = 16 // fields on one form (one A4 page)
	MaxLines    = 8  // lines of one box
	MaxTextLen  = 60 // runes of a title or label
	MaxFormsPer = 12 // forms one municipality offers
)

// Input is how the resident enters a field on the screen for an electronic application.
type Input string

// The inputs: none (the field stays for the paper form), digits (0–9, up to MaxDigits:
// a telephone number, a count), kana (katakana on a 50-on keyboard, up to MaxKana: a
// name's reading), a date (a calendar date on the date picker).
const (
	InputNone   Input = ""
	InputDigits Input = "digits"
	InputKana   Input = "kana"
	InputDate   Input = "date"
)

// MaxKana is the longest kana entry.
const MaxKana = 20

// MaxDigits is the longest digits entry.
const MaxDigits = 16

// Field is one row of a form: its label and where its value comes from.
type Field struct {
	Label   string // printed, e.g. 氏名
	LabelEN string // shown on the English screens; "" shows Label
	Source  Source // SourceNone: a blank box filled in by hand
	Lines   int    // height of the box in lines, 1..MaxLines (0 is 1)
	Input   Input  // electronic forms: entered on the screen (only fields without a Source)
}

// Form is one municipality-defined form.
type Form struct {
	ID      string // [a-z0-9-], 1 to 32: in the stamp and the audit event
	Title   string // printed and shown, e.g. 転入届
	TitleEN string // shown on the English screens; "" shows Title
	Fields  []Field
	// Electronic: the municipality accepts the form as an electronic application signed
	// with the card's signing key (package eapp); the fields with an Input are entered on
	// the screen, the card's four facts travel in the signing certificate.
	Electronic bool
}

// ErrInvalid: a form cannot be offered.
var ErrInvalid = errors.New("forms: invalid form")

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate says why f cannot be offered, or nil.
func (f Form) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
	}
	if !idPattern.MatchString(f.ID) {
		return bad("id %q: 1 to 32 of a-z, 0-9 and -, starting with a letter or digit", f.ID)
	}
	if err := Text(f.Title); err != nil {
		return bad("%s: title: %v", f.ID, err)
	}
	if f.TitleEN != "" {
		if err := Text(f.TitleEN); err != nil {
			return bad("%s: title_en: %v", f.ID, err)
		}
	}
	if len(f.Fields) == 0 || len(f.Fields) > MaxFields {
		return bad("%s: %d fields, want 1 to %d", f.ID, len(f.Fields), MaxFields)
	}
	fromCard := false
	for i, fd := range f.Fields {
		if err := Text(fd.Label); err != nil {
			return bad("%s: field %d label: %v", f.ID, i+1, err)
		}
		if fd.LabelEN != "" {
			if err := Text(fd.LabelEN); err != nil {
				return bad("%s: field %d label_en: %v", f.ID, i+1, err)
			}
		}
		if !knownSource(fd.Source) {
			return bad("%s: field %d source %q, want one of %s or none", f.ID, i+1, fd.Source, SourceList())
		}
		fromCard = fromCard || fd.Source != SourceNone
		if fd.Lines < 0 || fd.Lines > MaxLines {
			return bad("%s: field %d lines %d, want 1 to %d", f.ID, i+1, fd.Lines, MaxLines)
		}
		switch fd.Input {
		case InputNone, InputDigits, InputKana, InputDate:
		default:
			return bad("%s: field %d input %q, want \"digits\", \"kana\", \"date\" or none", f.ID, i+1, fd.Input)
		}
		if fd.Input != InputNone && (fd.Source != SourceNone || !f.Electronic) {
			return bad("%s: field %d: only a field of an electronic form that is not from the card is entered on the screen", f.ID, i+1)
		}
		if strings.Contains(fd.Label, "個人番号") || strings.Contains(fd.Label, "マイナンバー") {
			return bad("%s: field %d: the kiosk never fills in or asks for a My Number", f.ID, i+1)
		}
	}
	if !fromCard && !f.Electronic {
		return bad("%s: no field comes from the card", f.ID)
	}
	return nil
}

func knownSource(s Source) bool {
	if s == SourceNone {
		return true
	}
	for _, k := range Sources {
		if s == k {
			return true
		}
	}
	return false
}

// SourceList is the sources quoted, for messages.
func SourceList() string {
	q := make([]string, len(Sources))
	for i, s := range Sources {
		q[i] = strconv.Quote(string(s))
	}
	return strings.Join(q, ", ")
}

// Text refuses what a title or label must not be: empty, longer than MaxTextLen runes,
// not UTF-8, with control or bidirectional control characters.
func Text(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("empty")
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case utf8.RuneCountInString(s) > MaxTextLen:
		return fmt.Errorf("longer than %d characters", MaxTextLen)
	}
	return printable(s)
}

// printable refuses control characters and the bidirectional controls.
func printable(s string) error {
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return fmt.Errorf("control character %U", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return fmt.Errorf("bidirectional control %U", r)
		}
	}
	return nil
}

// Facts are the four facts a form is filled with, as the card stores them (read and
// verified by reader.Card.ReadFourFacts).
type Facts struct {
	Name      string
	Address   string
	BirthDate string // YYYYMMDD on the card
	Sex       string // ISO 5218: "1", "2", "9"
}

// Check refuses facts that cannot be printed or stamped: not UTF-8, control characters,
// an empty name or address.
func (f Facts) Check() error {
	for _, v := range []struct{ name, s string }{{"name", f.Name}, {"address", f.Address},
		{"birth date", f.BirthDate}, {"sex", f.Sex}} {
		if !utf8.ValidString(v.s) {
			return fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, v.name)
		}
		if err := printable(v.s); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalid, v.name, err)
		}
	}
	if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Address) == "" {
		return fmt.Errorf("%w: empty name or address", ErrInvalid)
	}
	return nil
}

// Value is what a field from source s shows, ja: the birth date as 1990年1月2日, the sex
// as 男 or 女. SourceNone is "".
func (f Facts) Value(s Source) string {
	switch s {
	case SourceName:
		return f.Name
	case SourceAddress:
		return f.Address
	case SourceBirthDate:
		return BirthDateText(f.BirthDate)
	case SourceSex:
		return SexText(f.Sex)
	}
	return ""
}

// BirthDateText writes a card's YYYYMMDD as 1990年1月2日; anything else as it is.
func BirthDateText(s string) string {
	if len(s) != 8 {
		return s
	}
	y, e1 := strconv.Atoi(s[:4])
	m, e2 := strconv.Atoi(s[4:6])
	d, e3 := strconv.Atoi(s[6:])
	if e1 != nil || e2 != nil || e3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
}

// SexText writes an ISO 5218 code as the card's face does: 男, 女; other codes as "".
func SexText(code string) string {
	switch code {
	case "1":
		return "男"
	case "2":
		return "女"
	}
	return ""
}

// CheckEntry says whether v is a complete entry for input in: digits 1 to MaxDigits
// long, a date as YYYYMMDD that exists in the calendar.
func CheckEntry(in Input, v string) error {
	for _, r := range v {
		if r < '0' || r > '9' {
			return fmt.Errorf("%w: digits only", ErrInvalid)
		}
	}
	switch in {
	case InputDigits:
		if len(v) == 0 || len(v) > MaxDigits {
			return fmt.Errorf("%w: 1 to %d digits", ErrInvalid, MaxDigits)
		}
	case InputDate:
		if len(v) != 8 || BirthDateText(v) == v {
			return fmt.Errorf("%w: a date as YYYYMMDD", ErrInvalid)
		}
		if _, err := time.Parse("20060102", v); err != nil {
			return fmt.Errorf("%w: no such date", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: not entered on the screen", ErrInvalid)
	}
	return nil
}

// EntryText writes an entry as the review screen and the receipt show it: a date as
// 2026年12月20日, digits as they are.
func EntryText(in Input, v string) string {
	if in == InputDate {
		return BirthDateText(v)
	}
	return v
}
