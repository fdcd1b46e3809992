package file_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/file"
	"madoguchi/printer/printertest"
)

func newPrinter(t *testing.T) (*file.Printer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	p, err := file.New(file.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p, dir
}

func page() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 64, 16))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 0; x < 64; x += 3 {
		img.Pix[5*img.Stride+x] = 0
	}
	return img
}

func TestRasterFiles(t *testing.T) {
	p, dir := newPrinter(t)
	res, err := p.PrintRaster(context.Background(), "tx-1", []*image.Gray{page(), page()})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := os.ReadFile(filepath.Join(dir, "tx-1.escpos"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 2 || res.Bytes != int64(len(stream)) {
		t.Errorf("result %+v, stream %d bytes", res, len(stream))
	}
	pages, err := printertest.Decode(stream)
	if err != nil || len(pages) != 2 {
		t.Fatalf("decode: %d pages, %v", len(pages), err)
	}
	if err := printertest.SameImage(page(), pages[1]); err != nil {
		t.Error(err)
	}
	for _, n := range []string{"tx-1-p1.png", "tx-1-p2.png"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Error(err)
		}
	}
}

// TestPDFCopies: a job of N copies writes one PDF holding the document's pages N times,
// collated, so the copy count can be checked; poppler (an independent reader) agrees on
// the page count and finds page i of n on every sheet it should.
func TestPDFCopies(t *testing.T) {
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install the Debian package poppler-utils", tool)
		}
	}
	pdf, pages, c := file.LayoutPDF(t, center.FamilyRegister)
	if pages < 2 {
		t.Fatalf("fixture has %d page(s); the test needs a multi-page document", pages)
	}
	p, dir := newPrinter(t)
	for _, copies := range []int{0, 1, 2, 3, 10} {
		t.Run(fmt.Sprintf("%d copies", copies), func(t *testing.T) {
			name := fmt.Sprintf("tx-c%d", copies)
			res, err := p.PrintPDF(context.Background(), name, pdf, pages, copies)
			if err != nil {
				t.Fatal(err)
			}
			sheets := pages * max(copies, 1)
			path := filepath.Join(dir, name+".pdf")
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if res.Pages != sheets || res.Bytes != int64(len(got)) {
				t.Errorf("result %+v, want %d pages, %d bytes", res, sheets, len(got))
			}
			if copies <= 1 && !bytes.Equal(got, pdf) {
				t.Error("a single copy is not the layout's PDF byte for byte")
			}
			if !bytes.HasPrefix(got, pdf) {
				t.Error("the original document is not kept as written")
			}
			info, err := exec.Command("pdfinfo", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^Pages:\s+%d$`, sheets)).Match(info) {
				t.Errorf("pdfinfo does not count %d pages:\n%s", sheets, info)
			}
			if strings.Contains(strings.ToLower(string(info)), "error") {
				t.Errorf("pdfinfo complains:\n%s", info)
			}
			for sheet := 1; sheet <= sheets; sheet++ {
				txt, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", fmt.Sprint(sheet), "-l", fmt.Sprint(sheet), path, "-").CombinedOutput()
				if err != nil {
					t.Fatalf("pdftotext sheet %d: %v\n%s", sheet, err, txt)
				}
				want := fmt.Sprintf("%d/%d", (sheet-1)%pages+1, pages)
				if text := strings.Join(strings.Fields(string(txt)), ""); !strings.Contains(text, want) || !strings.Contains(text, c.IssuanceNumber) {
					t.Errorf("sheet %d lacks %q or the issuance number", sheet, want)
				}
			}
		})
	}
	t.Run("page count disagrees", func(t *testing.T) {
		if _, err := p.PrintPDF(context.Background(), "tx-bad-count", pdf, pages+1, 2); !errors.Is(err, printer.ErrBadDocument) || printer.StageOf(err) != printer.StageBefore {
			t.Errorf("err = %v, want ErrBadDocument before printing", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "tx-bad-count.pdf")); !errors.Is(err, os.ErrNotExist) {
			t.Error("a refused job wrote a file")
		}
	})
}

func TestNeverOverwrites(t *testing.T) {
	p, dir := newPrinter(t)
	pdf := []byte("%PDF-1.3 first")
	if _, err := p.PrintPDF(context.Background(), "tx-2", pdf, 1, 1); err != nil {
		t.Fatal(err)
	}
	_, err := p.PrintPDF(context.Background(), "tx-2", []byte("%PDF-1.3 second"), 1, 1)
	if err == nil || printer.StageOf(err) != printer.StageBefore {
		t.Fatalf("second job with the same name: %v", err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "tx-2.pdf"))
	if string(got) != string(pdf) {
		t.Errorf("file overwritten: %q", got)
	}
}

func TestRefusals(t *testing.T) {
	p, _ := newPrinter(t)
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"bad name", func() error {
			_, err := p.PrintPDF(context.Background(), "../x", []byte("%PDF-"), 1, 1)
			return err
		}, printer.ErrBadDocument},
		{"empty name", func() error {
			_, err := p.PrintRaster(context.Background(), "", []*image.Gray{page()})
			return err
		}, printer.ErrBadDocument},
		{"copies of an unreadable pdf", func() error {
			_, err := p.PrintPDF(context.Background(), "tx-6", []byte("%PDF-1.3 no objects"), 1, 2)
			return err
		}, printer.ErrBadDocument},
		{"not a pdf", func() error {
			_, err := p.PrintPDF(context.Background(), "tx-3", []byte("hello"), 1, 1)
			return err
		}, printer.ErrBadDocument},
		{"no pages", func() error {
			_, err := p.PrintRaster(context.Background(), "tx-4", nil)
			return err
		}, printer.ErrBadDocument},
		{"canceled", func() error {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := p.PrintPDF(ctx, "tx-5", []byte("%PDF-"), 1, 1)
			return err
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := file.New(file.Options{}); err == nil {
		t.Error("New without Dir accepted")
	}
}

func TestFault(t *testing.T) {
	p, dir := newPrinter(t)
	for _, f := range []error{printer.ErrPaperOut, printer.ErrCoverOpen, printer.ErrPaperJam} {
		p.SetFault(f)
		st, err := p.Status(context.Background())
		if err != nil || st.Err() != f {
			t.Errorf("fault %v: status %v, %v", f, st, err)
		}
		if _, err := p.PrintPDF(context.Background(), "tx-f", []byte("%PDF-"), 1, 1); !errors.Is(err, f) {
			t.Errorf("fault %v: print err %v", f, err)
		}
	}
	p.SetFault(printer.ErrUnplugged)
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrUnplugged) {
		t.Errorf("unplugged status: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tx-f.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Error("faulty printer wrote a file")
	}
	p.SetFault(nil)
	if st, err := p.Status(context.Background()); err != nil || st.Err() != nil {
		t.Errorf("cleared: %v %v", st, err)
	}
	if p.String() != "file("+dir+")" || p.Close() != nil {
		t.Error("String/Close")
	}
}
