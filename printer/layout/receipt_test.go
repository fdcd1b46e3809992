package layout_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/internal/i18n"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

func sampleReceipt() layout.Receipt {
	return layout.Receipt{Title: "住民票の写し", Copies: 2, Amount: 1200, Date: "2026-11-26 10:30 JST",
		IssuanceNumber: "R8-139998-000123", KioskID: "kiosk-0001", Municipality: "見本市"}
}

// TestReceiptGolden: the receipt as A4 PDF (IPP) and as the thermal raster (ESC/POS), each
// against its golden file; poppler reads the PDF's text back: amount, type, copies, date,
// issuance number, kiosk, and that it is no certificate.
func TestReceiptGolden(t *testing.T) {
	l := newLayout(t)
	r := sampleReceipt()
	pdf, err := l.ReceiptPDF(r)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "receipt-a4.pdf", pdf)
	img, err := l.ReceiptRaster(r)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != layout.DefaultThermalDots {
		t.Fatalf("raster width %d", img.Bounds().Dx())
	}
	if *update {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		golden(t, "receipt-raster.png", b.Bytes())
	} else if err := printertest.SameImage(readPNG(t, filepath.Join("testdata", "receipt-raster.png")), img); err != nil {
		t.Errorf("receipt-raster.png: %v", err)
	}
	text := pdfText(t, pdf)
	for _, w := range []string{"領収書", "金1,200円", "住民票の写し2通交付手数料", "certificatefeefor2copies", "2026-11-2610:30JST", "R8-139998-000123", "kiosk-0001",
		"見本市", "証明書ではありません", "notacertificate"} {
		if !strings.Contains(text, w) {
			t.Errorf("receipt text lacks %q:\n%s", w, text)
		}
	}
}

func TestReceiptRefused(t *testing.T) {
	l := newLayout(t)
	for name, edit := range map[string]func(*layout.Receipt){
		"no fee":             func(r *layout.Receipt) { r.Amount = 0 },
		"no copies":          func(r *layout.Receipt) { r.Copies = 0 },
		"no issuance number": func(r *layout.Receipt) { r.IssuanceNumber = " " },
		"no kiosk":           func(r *layout.Receipt) { r.KioskID = "" },
		"control character":  func(r *layout.Receipt) { r.Municipality = "見本\x1b[2J市" },
		"two lines":          func(r *layout.Receipt) { r.Title = "住民票\n写し" },
		"bidi override":      func(r *layout.Receipt) { r.KioskID = "k\u202e1" },
	} {
		t.Run(name, func(t *testing.T) {
			r := sampleReceipt()
			edit(&r)
			if _, err := l.ReceiptPDF(r); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("PDF: %v, want ErrInvalidContent", err)
			}
			if _, err := l.ReceiptRaster(r); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("raster: %v, want ErrInvalidContent", err)
			}
		})
	}
}

// TestReceiptLanguages: a receipt for a resident of each language prints its labels in
// Japanese and in that language where the font can draw all of it (else English), and
// fits its frame; the languages with a complete catalog are read back from the PDF.
func TestReceiptLanguages(t *testing.T) {
	l := newLayout(t)
	for _, tag := range i18n.Tags {
		r := sampleReceipt()
		r.Lang = tag
		pdf, err := l.ReceiptPDF(r)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		if _, err := l.ReceiptRaster(r); err != nil {
			t.Fatalf("%s: raster: %v", tag, err)
		}
		got := l.ReceiptLanguage(tag)
		t.Logf("%s: receipt in Japanese and %s", tag, got)
		if got != tag && got != i18n.Source {
			t.Errorf("%s: receipt language %s", tag, got)
		}
		if tag == i18n.Native || tag == i18n.Source {
			if got != i18n.Source {
				t.Errorf("%s: receipt language %s, want English", tag, got)
			}
			continue
		}
		title, ok := i18n.Text(tag, "RECEIPT")
		if got == tag && !ok {
			t.Errorf("%s: printed in a language with no translation", tag)
		}
		if got != tag {
			continue
		}
		text := pdfText(t, pdf)
		if !strings.Contains(text, strings.Join(strings.Fields(title), "")) || strings.Contains(text, "RECEIPT") {
			t.Errorf("%s: the PDF does not say %q instead of RECEIPT:\n%s", tag, title, text)
		}
	}
}

// pdfText is the text poppler reads from pdf, without white space.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "receipt.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	return strings.Join(strings.Fields(string(txt)), "")
}
