package layout

import (
	"crypto/sha256"
	"testing"

	"madoguchi/center"
	"madoguchi/printer/printertest"
)

// TestPDFLeavesFontsAlone: writing PDFs does not change the font bytes the Layout holds
// (the PDF writer reads its fonts from them while the measuring and the rasteriser read
// the same bytes, possibly at the same time). go-pdf/fpdf 0.9.0's subsetter appends to a
// slice of the file it was given (getMetrics, for glyphs past the last long horizontal
// metric), so each document gets its own copy.
func TestPDFLeavesFontsAlone(t *testing.T) {
	l, err := New(Options{Sample: true})
	if err != nil {
		t.Fatal(err)
	}
	sums := func() map[string][32]byte {
		out := map[string][32]byte{}
		for _, f := range l.fonts {
			if f.load() == nil {
				out[f.Path] = sha256.Sum256(f.data)
			}
		}
		return out
	}
	before := sums()
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.PDF(c); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en", "ne", "ko", "zh-Hans", "vi"} {
		if _, err := l.ReceiptPDF(Receipt{Title: "住民票の写し", Copies: 2, Amount: 1200, Date: "2026-11-26 10:30 JST",
			IssuanceNumber: "R8-139998-000123", KioskID: "kiosk-0001", Municipality: "見本市", Lang: lang}); err != nil {
			t.Fatal(lang, err)
		}
	}
	after := sums()
	if len(before) < 2 {
		t.Fatalf("only %d fonts loaded; the fallbacks are missing (make deps)", len(before))
	}
	for path, sum := range before {
		if after[path] != sum {
			t.Errorf("%s: the font's bytes changed while PDFs were written", path)
		}
	}
}
