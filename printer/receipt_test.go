package printer_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

var receipt = layout.Receipt{Title: "住民票の写し", Copies: 2, Amount: 1200, Date: "2026-11-26 10:30 JST",
	IssuanceNumber: "R8-139998-000123", KioskID: "kiosk-0001", Municipality: "見本市"}

// TestReceiptThroughBackends prints the receipt on an ESC/POS printer (a pty that decodes
// the raster it receives) and on a PDF back end: what arrives is the printed layout's
// golden (printer/layout/testdata), one page named after the issuance number.
func TestReceiptThroughBackends(t *testing.T) {
	t.Run("escpos", func(t *testing.T) {
		dev, err := printertest.NewDevice()
		if err != nil {
			t.Fatal(err)
		}
		defer dev.Close()
		e, err := escpos.Open(dev.Path(), escpos.Options{ReplyTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		p, err := printer.New(printer.Options{Layout: newLayout(t), Raster: e})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		out, err := p.PrintReceipt(context.Background(), receipt)
		if err != nil || !out.Printed || out.Pages != 1 {
			t.Fatalf("receipt: %+v, %v", out, err)
		}
		pages := dev.Pages()
		if len(pages) != 1 {
			t.Fatalf("%d pages arrived", len(pages))
		}
		f, err := os.Open(filepath.Join("layout", "testdata", "receipt-raster.png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := printertest.SameImage(want, pages[0]); err != nil {
			t.Fatalf("the receipt the printer received: %v", err)
		}
	})
	t.Run("pdf", func(t *testing.T) {
		rec := &pdfRecorder{status: printer.Status{Online: true}}
		p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: rec})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := p.PrintReceipt(context.Background(), receipt); err != nil || !out.Printed {
			t.Fatalf("receipt: %+v, %v", out, err)
		}
		want, err := os.ReadFile(filepath.Join("layout", "testdata", "receipt-a4.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.jobs) != 1 || rec.jobs[0] != "receipt-R8-139998-000123" || rec.copies != 1 || !bytes.Equal(rec.pdf, want) {
			t.Fatalf("jobs %v copies %d, pdf equal to the golden: %v", rec.jobs, rec.copies, bytes.Equal(rec.pdf, want))
		}
	})
	t.Run("refused", func(t *testing.T) {
		rec := &pdfRecorder{status: printer.Status{Online: true}}
		p, _ := printer.New(printer.Options{Layout: newLayout(t), PDF: rec})
		bad := receipt
		bad.IssuanceNumber = "../etc"
		if _, err := p.PrintReceipt(context.Background(), bad); !errors.Is(err, printer.ErrBadDocument) || len(rec.jobs) != 0 {
			t.Fatalf("receipt named %q: %v, %d jobs", bad.IssuanceNumber, err, len(rec.jobs))
		}
	})
}
