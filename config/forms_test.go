package config

import (
	"testing"

	"madoguchi/forms"
)

const formsMuni = "[[municipality]]\ncode = \"131016\"\nname = \"千代田区\"\n" +
	"[[municipality.certificate]]\ntype = \"juminhyo\"\nfee_yen = 300\n"

func TestForms(t *testing.T) {
	form := "[[municipality.form]]\nid = \"tennyu\"\ntitle = \"転入届\"\ntitle_en = \"Notice of moving in\"\n" +
		"[[municipality.form.field]]\nlabel = \"氏名\"\nsource = \"name\"\n" +
		"[[municipality.form.field]]\nlabel = \"前住所\"\nlines = 2\n"
	reader := "[reader]\ntext_issuer_key = \"jlis.pub\"\n"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"valid", formsMuni + form + reader, nil},
		{"no issuer key", formsMuni + form, []string{
			"kiosk.toml: reader.text_issuer_key: missing; forms need the PEM public key of J-LIS that signs the card's four facts"}},
		{"duplicate id", formsMuni + form + form + reader, []string{
			`kiosk.toml:18: municipality[0].form[1].id: duplicate: "tennyu" is also the id of municipality[0].form[0] (line 8)`}},
		{"unknown source and key", formsMuni + "[[municipality.form]]\nid = \"x\"\ntitle = \"届\"\n" +
			"[[municipality.form.field]]\nlabel = \"番号\"\nsource = \"mynumber\"\ncolour = 1\n" + reader, []string{
			`kiosk.toml:7: municipality[0].form[0]: x: field 1 source "mynumber", want one of "name", "address", "birth_date", "sex" or none`,
			"kiosk.toml:13: municipality[0].form[0].field[0].colour: unknown key; allowed here: label, label_en, source, lines, input"}},
		{"lines out of range", formsMuni + "[[municipality.form]]\nid = \"x\"\ntitle = \"届\"\n" +
			"[[municipality.form.field]]\nlabel = \"氏名\"\nsource = \"name\"\nlines = 9\n" + reader, []string{
			"kiosk.toml:13: municipality[0].form[0].field[0].lines: must be an integer from 1 to 8, got 9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.text
			for _, s := range validSections {
				if s.name != "municipality" && s.name != "reader" {
					text += "\n" + s.text
				}
			}
			c, err := Parse("kiosk.toml", []byte(text))
			got := problemStrings(t, err)
			sameLines(t, got, tc.want)
			if tc.want == nil && err == nil {
				f := c.Municipalities[0].Forms
				if len(f) != 1 || f[0].ID != "tennyu" || len(f[0].Fields) != 2 || f[0].Fields[0].Source != forms.SourceName || f[0].Fields[1].Lines != 2 {
					t.Errorf("forms %+v", f)
				}
				if c.Reader.TextIssuerKey == "" || c.Reader.TextIssuerKey[0] != '/' {
					t.Errorf("text_issuer_key %q not made absolute", c.Reader.TextIssuerKey)
				}
			}
		})
	}
}
