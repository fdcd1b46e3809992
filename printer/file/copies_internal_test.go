package file

import (
	"bytes"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

// layoutPDF lays out the fixture of type ct as the kiosk would print it.
func layoutPDF(t testing.TB, ct center.CertType) ([]byte, int, center.Content) {
	t.Helper()
	l, err := layout.New(layout.Options{Sample: true, Clock: func() time.Time { return time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := printertest.Content(ct)
	if err != nil {
		t.Fatal(err)
	}
	pdf, pages, err := l.PDF(c)
	if err != nil {
		t.Fatal(err)
	}
	return pdf, pages, c
}

// TestRepeatPagesRefuses: a PDF this reader cannot follow is refused, never written
// with a wrong page count.
func TestRepeatPagesRefuses(t *testing.T) {
	pdf, pages, _ := layoutPDF(t, center.ResidentRecord)
	twice, err := repeatPages(pdf, pages, 2)
	if err != nil {
		t.Fatalf("layout PDF refused: %v", err)
	}
	replace := func(old, new string) []byte {
		if !bytes.Contains(pdf, []byte(old)) {
			t.Fatalf("fixture lacks %q", old)
		}
		return bytes.Replace(pdf, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name  string
		pdf   []byte
		pages int
	}{
		{"not a PDF", []byte("%PDF-1.3 no objects"), pages},
		{"wrong page count", pdf, pages + 1},
		{"no startxref", bytes.ReplaceAll(pdf, []byte("startxref"), []byte("startxrex")), pages},
		{"cut short", pdf[:len(pdf)/2], pages},
		{"already updated", twice, pages},
		{"page tree count", replace("/Count ", "/Count 9"), pages},
		{"kids are not pages", replace("<</Type /Page\n", "<</Type /Xage\n"), pages},
		{"no page tree in the catalog", replace("/Pages 1 0 R", "/Pagex 1 0 R"), pages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, err := repeatPages(tt.pdf, tt.pages, 2); err == nil {
				t.Errorf("accepted (%d bytes out)", len(out))
			}
		})
	}
	if out, err := repeatPages([]byte("anything"), 1, 1); err != nil || string(out) != "anything" {
		t.Errorf("one copy: %q, %v", out, err)
	}
}
