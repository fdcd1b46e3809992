package layout_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

var fixed = time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)

func newLayout(t testing.TB) *layout.Layout {
	t.Helper()
	l, err := layout.New(layout.Options{Sample: true, VerifyURL: "https://center.example.jp/verify", Clock: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func content(t testing.TB, ct center.CertType) center.Content {
	t.Helper()
	c, err := printertest.Content(ct)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		bad := filepath.Join(t.TempDir(), name)
		_ = os.WriteFile(bad, got, 0o644)
		t.Errorf("%s differs from golden (%d vs %d bytes); got written to %s", name, len(got), len(want), bad)
	}
}

func TestRasterGolden(t *testing.T) {
	l := newLayout(t)
	for _, ct := range printertest.CertTypes {
		t.Run(string(ct), func(t *testing.T) {
			pages, err := l.Raster(content(t, ct))
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pages {
				if p.Bounds().Dx() != layout.DefaultThermalDots {
					t.Fatalf("page width %d", p.Bounds().Dx())
				}
				for _, v := range p.Pix {
					if v != 0 && v != 255 {
						t.Fatalf("page %d not 1-bit: %d", i+1, v)
					}
				}
				name := fmt.Sprintf("raster-%s-p%d.png", ct, i+1)
				if *update {
					var b bytes.Buffer
					if err := png.Encode(&b, p); err != nil {
						t.Fatal(err)
					}
					golden(t, name, b.Bytes())
					continue
				}
				want := readPNG(t, filepath.Join("testdata", name))
				if err := printertest.SameImage(want, p); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
			if !*update {
				if _, err := os.Stat(filepath.Join("testdata", fmt.Sprintf("raster-%s-p%d.png", ct, len(pages)+1))); err == nil {
					t.Errorf("golden has more than %d pages", len(pages))
				}
			}
		})
	}
}

func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPDFGolden(t *testing.T) {
	l := newLayout(t)
	for _, ct := range printertest.CertTypes {
		t.Run(string(ct), func(t *testing.T) {
			c := content(t, ct)
			pdf, pages, err := l.PDF(c)
			if err != nil {
				t.Fatal(err)
			}
			again, _, err := l.PDF(c)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pdf, again) {
				t.Fatal("PDF output is not deterministic")
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pages < 1 {
				t.Fatalf("not a PDF or no pages (%d)", pages)
			}
			golden(t, fmt.Sprintf("a4-%s.pdf", ct), pdf)
		})
	}
}

// TestPDFReadable checks with poppler (an independent reader) that the PDF has the
// expected page count and that its Japanese text extracts as written.
func TestPDFReadable(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install the Debian package poppler-utils", tool)
		}
	}
	l := newLayout(t)
	for _, ct := range printertest.CertTypes {
		t.Run(string(ct), func(t *testing.T) {
			c := content(t, ct)
			pdf, pages, err := l.PDF(c)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "doc.pdf")
			if err := os.WriteFile(path, pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			info, err := exec.Command("pdfinfo", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			if !regexp.MustCompile(fmt.Sprintf(`(?m)^Pages:\s+%d$`, pages)).Match(info) {
				t.Errorf("pdfinfo disagrees on %d pages:\n%s", pages, info)
			}
			if !strings.Contains(string(info), "A4") {
				t.Errorf("not A4:\n%s", info)
			}
			txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v\n%s", err, txt)
			}
			text := strings.Join(strings.Fields(string(txt)), "")
			want := []string{c.Title, c.IssuanceNumber, c.VerificationCode, c.IssuedOn,
				strings.ReplaceAll(c.Certification, " ", ""), "見本", fmt.Sprintf("%d/%d", pages, pages)}
			for _, w := range want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), "")) {
					t.Errorf("extracted text lacks %q", w)
				}
			}
		})
	}
}

func TestFontMissing(t *testing.T) {
	_, err := layout.New(layout.Options{FontPath: "/nonexistent/ipaexg.ttf"})
	if !errors.Is(err, layout.ErrFontMissing) {
		t.Fatalf("err = %v, want ErrFontMissing", err)
	}
	for _, w := range []string{"printer: font /nonexistent/ipaexg.ttf", "not found", "fonts-ipaexfont-gothic"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

func TestNotTrueType(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.ttf")
	if err := os.WriteFile(path, []byte("not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := layout.New(layout.Options{FontPath: path}); err == nil {
		t.Fatal("junk font accepted")
	}
}

func TestInvalidContent(t *testing.T) {
	l := newLayout(t)
	tests := []struct {
		name   string
		mutate func(*center.Content)
	}{
		{"unknown type", func(c *center.Content) { c.Type = "bogus" }},
		{"no title", func(c *center.Content) { c.Title = " " }},
		{"no issuance number", func(c *center.Content) { c.IssuanceNumber = "" }},
		{"no verification code", func(c *center.Content) { c.VerificationCode = "" }},
		{"no certification", func(c *center.Content) { c.Certification = "" }},
		{"no issuer", func(c *center.Content) { c.Issuer = "" }},
		{"empty body", func(c *center.Content) { c.Sections = nil }},
		{"my number", func(c *center.Content) {
			c.Sections[0].Rows = append(c.Sections[0].Rows, center.Row{Label: "個人番号", Value: "123456789012"})
		}},
		{"issuance number not UTF-8", func(c *center.Content) { c.IssuanceNumber = "A\xc1" }},
		{"bidi override in a value", func(c *center.Content) { c.Sections[0].Rows[0].Value = "見本\u202e郎太" }},
		{"control character in the title", func(c *center.Content) { c.Title = "住民票\x00の写し" }},
		{"row taller than a page", func(c *center.Content) {
			c.Sections[0].Rows[0].Value = strings.Repeat("長い備考\n", 200)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := content(t, center.ResidentRecord)
			tt.mutate(&c)
			if _, _, err := l.PDF(c); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("PDF err = %v", err)
			}
			if _, err := l.Raster(c); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("Raster err = %v", err)
			}
		})
	}
}

// TestPagination: a long household spreads over pages, and every page carries the
// issuance number and "i / N".
func TestPagination(t *testing.T) {
	l := newLayout(t)
	c := content(t, center.ResidentRecord)
	base := c.Sections[1]
	for i := 0; i < 12; i++ {
		c.Sections = append(c.Sections, base)
	}
	_, pages, err := l.PDF(c)
	if err != nil {
		t.Fatal(err)
	}
	if pages < 3 {
		t.Fatalf("pages = %d, want >= 3", pages)
	}
	r, err := l.Raster(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(r) < 3 {
		t.Errorf("thermal pages = %d, want >= 3", len(r))
	}
}
