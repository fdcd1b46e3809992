package eapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"madoguchi/forms"
)

// Application is one electronic application as the resident reviewed and signed it.
// The resident's name, address, birth date and sex are not repeated here: they are in
// the signing certificate, which the SignedData carries.
type Application struct {
	Number       string    // the application number the receipt shows: unique per kiosk
	Municipality string    // 全国地方公共団体コード
	Form         string    // forms.Form.ID
	Kiosk        string    // the kiosk's id
	Signed       time.Time // when the resident signed (the SignedData's signing time too)
	Entries      []Entry   // what the resident typed, in the form's order
}

// Entry is one field the resident filled in on the screen.
type Entry struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// FormatVersion names the canonical encoding (the "format" member).
const FormatVersion = "madoguchi-eapp/1"

var numberPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{5,39}$`)

// ErrInvalid: an application that cannot be signed or accepted.
var ErrInvalid = errors.New("eapp: invalid application")

// Validate says why a cannot be signed, or nil.
func (a Application) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	switch {
	case !numberPattern.MatchString(a.Number):
		return bad("number %q", a.Number)
	case a.Municipality == "" || a.Form == "" || a.Kiosk == "":
		return bad("municipality, form and kiosk are required")
	case a.Signed.IsZero():
		return bad("no signing time")
	case len(a.Entries) > forms.MaxFields:
		return bad("%d entries, at most %d", len(a.Entries), forms.MaxFields)
	}
	for i, e := range a.Entries {
		if err := forms.Text(e.Label); err != nil {
			return bad("entry %d label: %v", i+1, err)
		}
		if !utf8.ValidString(e.Value) || utf8.RuneCountInString(e.Value) > 200 {
			return bad("entry %d value: not UTF-8 or longer than 200 characters", i+1)
		}
		if e.Value != "" {
			if err := forms.Text(e.Value); err != nil {
				return bad("entry %d value: %v", i+1, err)
			}
		}
	}
	return nil
}

// wire is the canonical form: members in this order, the time in UTC to the second.
type wire struct {
	Format       string  `json:"format"`
	Number       string  `json:"number"`
	Municipality string  `json:"municipality"`
	Form         string  `json:"form"`
	Kiosk        string  `json:"kiosk"`
	Signed       string  `json:"signed"`
	Entries      []Entry `json:"entries"`
}

// Canonical is the one encoding of a that is signed: JSON with the members in a fixed
// order, no insignificant white space, HTML characters not escaped, the time as RFC 3339
// in UTC to the second, entries in the form's order.
func (a Application) Canonical() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	w := wire{Format: FormatVersion, Number: a.Number, Municipality: a.Municipality, Form: a.Form, Kiosk: a.Kiosk,
		Signed: a.Signed.UTC().Truncate(time.Second).Format(time.RFC3339), Entries: a.Entries}
	if w.Entries == nil {
		w.Entries = []Entry{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("eapp: encode: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Parse reads a canonical encoding back and refuses any other encoding of the same
// application (so a signature over one text is a signature over one application).
func Parse(b []byte) (Application, error) {
	var w wire
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Application{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if w.Format != FormatVersion {
		return Application{}, fmt.Errorf("%w: format %q", ErrInvalid, w.Format)
	}
	t, err := time.Parse(time.RFC3339, w.Signed)
	if err != nil {
		return Application{}, fmt.Errorf("%w: signed: %v", ErrInvalid, err)
	}
	a := Application{Number: w.Number, Municipality: w.Municipality, Form: w.Form, Kiosk: w.Kiosk, Signed: t, Entries: w.Entries}
	again, err := a.Canonical()
	if err != nil {
		return Application{}, err
	}
	if !bytes.Equal(again, b) {
		return Application{}, fmt.Errorf("%w: not the canonical encoding", ErrInvalid)
	}
	return a, nil
}
