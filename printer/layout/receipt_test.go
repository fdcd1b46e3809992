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
	text := strings.Join(strings.Fields(string(txt)), "")
	for _, w := range []string{"領収書", "金1,200円", "住民票の写し2通交付手数料", "certificatefeefor2copies", "2026-11-2610:30JST", "R8-139998-000123", "kiosk-0001",
		"見本市", "証明書ではありません", "notacertificate"} {
		if !strings.Contains(text, w) {
			t.Errorf("receipt text lacks %q:\n%s", w, txt)
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
