package forms_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"madoguchi/forms"
)

func tennyu() forms.Form {
	return forms.Form{ID: "tennyu", Title: "転入届", TitleEN: "Notice of moving in", Fields: []forms.Field{
		{Label: "氏名", Source: forms.SourceName},
		{Label: "住所", Source: forms.SourceAddress, Lines: 2},
		{Label: "前住所", Lines: 2},
	}}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*forms.Form)
		want string // "" valid
	}{
		{"valid", func(*forms.Form) {}, ""},
		{"bad id", func(f *forms.Form) { f.ID = "Tennyu" }, "id"},
		{"empty title", func(f *forms.Form) { f.Title = " " }, "title"},
		{"no fields", func(f *forms.Form) { f.Fields = nil }, "fields"},
		{"unknown source", func(f *forms.Form) { f.Fields[0].Source = "mynumber" }, "source"},
		{"nothing from the card", func(f *forms.Form) { f.Fields = f.Fields[2:] }, "no field comes from the card"},
		{"too tall", func(f *forms.Form) { f.Fields[2].Lines = forms.MaxLines + 1 }, "lines"},
		{"my number label", func(f *forms.Form) { f.Fields[2].Label = "個人番号" }, "My Number"},
		{"bidi label", func(f *forms.Form) { f.Fields[2].Label = "前\u202e住所" }, "bidirectional"},
		{"control in title", func(f *forms.Form) { f.Title = "転入\n届" }, "control"},
		{"electronic with kana", func(f *forms.Form) { f.Electronic, f.Fields[2].Input = true, forms.InputKana }, ""},
		{"electronic with a date", func(f *forms.Form) { f.Electronic, f.Fields[2].Input = true, forms.InputDate }, ""},
		{"unknown input", func(f *forms.Form) { f.Electronic, f.Fields[2].Input = true, "hiragana" }, `"kana"`},
		{"input on a paper form", func(f *forms.Form) { f.Fields[2].Input = forms.InputKana }, "only a field of an electronic form"},
		{"input on a card field", func(f *forms.Form) { f.Electronic, f.Fields[0].Input = true, forms.InputKana }, "only a field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tennyu()
			tc.edit(&f)
			err := f.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !errors.Is(err, forms.ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestValue(t *testing.T) {
	f := forms.Facts{Name: "見本 花子", Address: "東京都千代田区", BirthDate: "19900102", Sex: "2"}
	for _, tc := range []struct {
		s    forms.Source
		want string
	}{{forms.SourceName, "見本 花子"}, {forms.SourceAddress, "東京都千代田区"}, {forms.SourceBirthDate, "1990年1月2日"},
		{forms.SourceSex, "女"}, {forms.SourceNone, ""}} {
		if got := f.Value(tc.s); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.s, got, tc.want)
		}
	}
	if got := forms.BirthDateText("1990-01"); got != "1990-01" {
		t.Errorf("odd date rewritten: %q", got)
	}
}

func TestSealVerify(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	at := time.Date(2026, 12, 1, 23, 30, 0, 0, forms.JST)
	st := forms.Stamp{Municipality: "139998", Form: "tennyu", Kiosk: "K|1%", Time: at,
		Facts: forms.Facts{Name: "見本 花子", Address: "東京都|千代田区%7C", BirthDate: "19900102", Sex: "2"}}
	for _, k := range []crypto.Signer{ec, rk, ed} {
		qr, err := forms.Seal(k, st)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			qr   string
			pub  crypto.PublicKey
			now  time.Time
			want error
		}{
			{"same day", qr, k.Public(), at.Add(20 * time.Minute), nil},
			{"next day", qr, k.Public(), at.Add(31 * time.Minute), forms.ErrStampExpired},
			{"day before", qr, k.Public(), at.Add(-24 * time.Hour), forms.ErrStampExpired},
			{"another key", qr, other.Public(), at, forms.ErrBadStamp},
			{"tampered", strings.Replace(qr, "花子", "太郎", 1), k.Public(), at, forms.ErrBadStamp},
			{"no signature", st.Encode(), k.Public(), at, forms.ErrBadStamp},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := forms.Verify(tc.qr, tc.pub, tc.now)
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if err == nil && (got.Facts != st.Facts || !got.Time.Equal(at) || got.Kiosk != st.Kiosk || got.Form != "tennyu") {
					t.Fatalf("round trip: %+v", got)
				}
			})
		}
	}
	if _, err := forms.Seal(ec, forms.Stamp{Facts: forms.Facts{Name: "a\x1bb", Address: "x"}}); !errors.Is(err, forms.ErrInvalid) {
		t.Fatalf("control character sealed: %v", err)
	}
}

func TestEntries(t *testing.T) {
	tests := []struct {
		in   forms.Input
		v    string
		ok   bool
		text string
	}{
		{forms.InputDigits, "0312345678", true, "0312345678"},
		{forms.InputDigits, "", false, ""},
		{forms.InputDigits, "12345678901234567", false, ""},
		{forms.InputDigits, "12a", false, ""},
		{forms.InputDate, "20261220", true, "2026年12月20日"},
		{forms.InputDate, "20260230", false, ""},
		{forms.InputDate, "2026122", false, ""},
		{forms.InputNone, "1", false, ""},
	}
	for _, tc := range tests {
		err := forms.CheckEntry(tc.in, tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("%s %q: %v, want ok %v", tc.in, tc.v, err, tc.ok)
		}
		if tc.ok && forms.EntryText(tc.in, tc.v) != tc.text {
			t.Errorf("%s %q shown as %q", tc.in, tc.v, forms.EntryText(tc.in, tc.v))
		}
	}
	f := tennyu()
	f.Fields[2].Input = forms.InputDate
	if err := f.Validate(); err == nil {
		t.Error("an entry on a paper form accepted")
	}
	f.Electronic = true
	if err := f.Validate(); err != nil {
		t.Error(err)
	}
	f.Fields[0].Input = forms.InputDigits
	if err := f.Validate(); err == nil {
		t.Error("an entry for a field from the card accepted")
	}
}
