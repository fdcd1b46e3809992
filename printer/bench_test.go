package printer_test

import (
	"context"
	"fmt"
	"testing"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/printertest"
)

// BenchmarkLayoutPDF: layout + PDF rendering per certificate; reports the PDF size
// (the bytes an IPP printer receives).
func BenchmarkLayoutPDF(b *testing.B) {
	l := newLayout(b)
	benchLayout(b, func(c center.Content) (int, int, error) {
		pdf, pages, err := l.PDF(c)
		return len(pdf), pages, err
	})
}

// BenchmarkLayoutRaster: layout + raster rendering + ESC/POS encoding per
// certificate; reports the bytes an ESC/POS printer receives.
func BenchmarkLayoutRaster(b *testing.B) {
	l := newLayout(b)
	benchLayout(b, func(c center.Content) (int, int, error) {
		pg, err := l.Raster(c)
		if err != nil {
			return 0, 0, err
		}
		return len(escpos.Encode(pg, escpos.Options{})), len(pg), nil
	})
}

// benchLayout runs render on every certificate type's content as a sub-benchmark and
// reports the bytes sent to the printer and the pages of the last run.
func benchLayout(b *testing.B, render func(center.Content) (size, pages int, err error)) {
	for _, ct := range printertest.CertTypes {
		c, err := printertest.Content(ct)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(string(ct), func(b *testing.B) {
			var size, pages int
			for b.Loop() {
				var err error
				if size, pages, err = render(c); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "bytes-to-printer")
			b.ReportMetric(float64(pages), "pages")
		})
	}
}

// BenchmarkPrintESCPOS: a whole job through the pty-backed fake printer, status
// queries included.
func BenchmarkPrintESCPOS(b *testing.B) {
	dev, err := printertest.NewDevice()
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	e, err := escpos.Open(dev.Path(), escpos.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := printer.New(printer.Options{Layout: newLayout(b), Raster: e})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	c, err := printertest.Content(printertest.CertTypes[0])
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	var bytes int64
	for b.Loop() {
		i++
		out, err := p.Print(context.Background(), printer.Job{TxID: fmt.Sprintf("bench-%d", i), Content: c})
		if err != nil {
			b.Fatal(err)
		}
		bytes = out.Bytes
	}
	b.ReportMetric(float64(bytes), "bytes-to-printer")
}
