package layout_test

import (
	"testing"

	"madoguchi/center"
)

// FuzzLayout feeds the layout whatever content a center could sign: any strings in any
// field, any number of sections and rows. Laying it out on A4 and on thermal paper must
// end in a document or an error, never a panic at the counter, and a document has pages.
func FuzzLayout(f *testing.F) {
	l := newLayout(f)
	base := content(f, center.ResidentRecord)
	r := base.Sections[0].Rows[0]
	f.Add(base.Title, base.Sections[0].Heading, r.Label, r.Value, base.Issuer, base.IssuanceNumber, base.VerificationCode, uint8(2), uint8(5))
	f.Add("", "", "", "", "", "", "", uint8(0), uint8(0))
	f.Add("住民票の写し", "世帯", "住所", longValue, "見本市長", "\x00\u202e", "", uint8(1), uint8(60))
	f.Fuzz(func(t *testing.T, title, heading, label, value, issuer, number, code string, sections, rows uint8) {
		c := base
		c.Title, c.Issuer, c.IssuanceNumber, c.VerificationCode = title, issuer, number, code
		c.Sections = nil
		for i := 0; i < int(sections%8); i++ {
			s := center.Section{Heading: heading}
			for j := 0; j < int(rows%64); j++ {
				s.Rows = append(s.Rows, center.Row{Label: label, Value: value})
			}
			c.Sections = append(c.Sections, s)
		}
		if doc, pages, err := l.PDF(c); err == nil && (pages < 1 || len(doc) == 0) {
			t.Fatalf("PDF without pages: %d pages, %d bytes", pages, len(doc))
		}
		if imgs, err := l.Raster(c); err == nil && len(imgs) == 0 {
			t.Fatal("raster without pages")
		}
	})
}

// longValue is one value far wider than a line, with no place to break.
const longValue = "東京都千代田区霞が関一丁目一番一号東京都千代田区霞が関一丁目一番一号東京都千代田区霞が関一丁目一番一号東京都千代田区霞が関一丁目一番一号東京都千代田区霞が関一丁目一番一号"
