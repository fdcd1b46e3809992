package layout_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// TestReceiptLanguages: with the fonts make deps installs, a receipt for a resident of
// each language prints its labels in Japanese and in that language (English for ja and
// en), fits its frame on A4 and on the thermal strip, and its PDF reads back (poppler)
// with the language's title instead of RECEIPT.
func TestReceiptLanguages(t *testing.T) {
	l := newLayout(t)
	if p := l.FontProblems(); len(p) > 0 {
		t.Fatalf("fonts missing (make deps installs them): %v", p)
	}
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
		got, why := l.ReceiptLanguageReason(tag)
		if got != l.ReceiptLanguage(tag) {
			t.Errorf("%s: ReceiptLanguage %s, ReceiptLanguageReason %s", tag, l.ReceiptLanguage(tag), got)
		}
		want := tag
		if tag == i18n.Native || tag == i18n.Source {
			want = i18n.Source
		}
		if got != want || why != nil {
			t.Errorf("%s: receipt language %s (%v), want %s", tag, got, why, want)
			continue
		}
		if want == i18n.Source {
			continue
		}
		title, _ := i18n.Text(tag, "RECEIPT")
		text := pdfText(t, pdf)
		if !strings.Contains(text, strings.Join(strings.Fields(title), "")) || strings.Contains(text, "RECEIPT") {
			t.Errorf("%s: the PDF does not say %q instead of RECEIPT:\n%s", tag, title, text)
		}
	}
}

// TestReceiptScriptsGolden: the receipts whose second language needs a fallback font —
// simplified Chinese (Droid Sans Fallback), Korean (NanumGothic), Nepali (Lohit
// Devanagari, shaped) — against their golden PDF and raster; the PDF reads back with the
// resident's language, the Nepali from the text written over its drawn glyphs.
func TestReceiptScriptsGolden(t *testing.T) {
	l := newLayout(t)
	for _, tt := range []struct {
		lang string
		want []string // in the PDF's text, without spaces
	}{
		{"zh-Hans", []string{"領収書收据", "1,200日元，2份证明书的手续费", "发行编号", "已收到上述证明书手续费。"}},
		{"ko", []string{"領収書영수증", "증명서수수료2통분", "단말기", "이영수증은증명서가아닙니다."}},
		{"ne", []string{"領収書रसिद", "2प्रतिप्रमाणपत्रशुल्क", "टर्मिनल", "धन्यवादसहितप्राप्तभयो।"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			r := sampleReceipt()
			r.Lang = tt.lang
			pdf, err := l.ReceiptPDF(r)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "receipt-a4-"+tt.lang+".pdf", pdf)
			img, err := l.ReceiptRaster(r)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range img.Pix {
				if v != 0 && v != 255 {
					t.Fatalf("raster not 1-bit: %d", v)
				}
			}
			name := "receipt-raster-" + tt.lang + ".png"
			if *update {
				var b bytes.Buffer
				if err := png.Encode(&b, img); err != nil {
					t.Fatal(err)
				}
				golden(t, name, b.Bytes())
			} else if err := printertest.SameImage(readPNG(t, filepath.Join("testdata", name)), img); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			text := pdfText(t, pdf)
			for _, w := range append(tt.want, "金1,200円", "住民票の写し2通交付手数料", "R8-139998-000123", "証明書ではありません") {
				if !strings.Contains(text, w) {
					t.Errorf("receipt text lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestReceiptFontMissing: without the Korean font (or with a file that is no font) a
// Korean resident's receipt prints in Japanese and English, and the reason names the
// font and its package; the other languages are not affected and nothing fails.
func TestReceiptFontMissing(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.ttf")
	if err := os.WriteFile(junk, []byte("not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": "/nonexistent/NanumGothic.ttf", "not a font": junk} {
		t.Run(name, func(t *testing.T) {
			var fbs []layout.Fallback
			for _, f := range layout.DefaultFallbacks {
				if slices.Contains(f.Langs, "ko") {
					f.Path = path
				}
				fbs = append(fbs, f)
			}
			l, err := layout.New(layout.Options{Sample: true, Fallbacks: fbs, Clock: func() time.Time { return fixed }})
			if err != nil {
				t.Fatal(err)
			}
			if p := l.FontProblems(); len(p) != 1 || !strings.Contains(p[0].Error(), path) {
				t.Errorf("font problems %v, want one naming %s", p, path)
			}
			got, why := l.ReceiptLanguageReason("ko")
			if got != i18n.Source || why == nil {
				t.Fatalf("ko: receipt in %s (%v), want English and why", got, why)
			}
			for _, w := range []string{"ko", path} {
				if !strings.Contains(why.Error(), w) {
					t.Errorf("reason %q lacks %q", why, w)
				}
			}
			if name == "missing" && !strings.Contains(why.Error(), "fonts-nanum") {
				t.Errorf("reason %q does not name the package fonts-nanum", why)
			}
			r := sampleReceipt()
			r.Lang = "ko"
			pdf, err := l.ReceiptPDF(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.ReceiptRaster(r); err != nil {
				t.Fatal(err)
			}
			if text := pdfText(t, pdf); !strings.Contains(text, "RECEIPT") || strings.Contains(text, "영수증") {
				t.Errorf("ko receipt without its font:\n%s", text)
			}
			for _, tag := range []string{"zh-Hans", "ne", "vi"} {
				if got, why := l.ReceiptLanguageReason(tag); got != tag {
					t.Errorf("%s: %s (%v) with only the Korean font missing", tag, got, why)
				}
			}
		})
	}
	l, err := layout.New(layout.Options{Fallbacks: []layout.Fallback{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, why := l.ReceiptLanguageReason("ne"); got != i18n.Source || why == nil || !strings.Contains(why.Error(), "no fallback font") {
		t.Errorf("ne with no fallbacks: %s (%v)", got, why)
	}
	if got := l.ReceiptLanguage("zh-Hant"); got != "zh-Hant" {
		t.Errorf("zh-Hant in IPAex alone: %s", got)
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

// TestFallbackPackages: every default fallback font's package is installed by make deps
// (the Makefile's PKGS_PRINTER) and by the appliance image (.ci/image's IMAGE_PKGS).
func TestFallbackPackages(t *testing.T) {
	read := func(path string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", path))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	lists := func(src, prefix string) []string {
		var out []string
		for _, line := range strings.Split(src, "\n") {
			if strings.HasPrefix(line, prefix) {
				out = append(out, strings.Fields(line)...)
			}
		}
		return out
	}
	mk := lists(read("Makefile"), "PKGS_PRINTER ")
	img := read(".ci/image")
	const key = "IMAGE_PKGS=\""
	i := strings.Index(img, key)
	if i < 0 {
		t.Fatal(".ci/image has no IMAGE_PKGS")
	}
	rest := img[i+len(key):]
	imgPkgs := strings.Fields(rest[:strings.Index(rest, "\"")])
	for _, f := range layout.DefaultFallbacks {
		if !slices.Contains(mk, f.Package) {
			t.Errorf("%s (%s) is not in the Makefile's PKGS_PRINTER", f.Package, f.Path)
		}
		if !slices.Contains(imgPkgs, f.Package) {
			t.Errorf("%s (%s) is not in .ci/image's IMAGE_PKGS", f.Package, f.Path)
		}
	}
}

// TestReceiptConcurrent: one Layout prints receipts in several scripts at once (the
// fallbacks are read and the shaper's font parsed once, by whichever comes first); run
// with -race.
func TestReceiptConcurrent(t *testing.T) {
	l := newLayout(t)
	want := map[string][]byte{}
	for _, lang := range []string{"ne", "ko", "zh-Hans", "vi"} {
		r := sampleReceipt()
		r.Lang = lang
		b, err := newLayout(t).ReceiptPDF(r)
		if err != nil {
			t.Fatal(err)
		}
		want[lang] = b
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			r := sampleReceipt()
			r.Lang = []string{"ne", "ko", "zh-Hans", "vi"}[i%4]
			b, err := l.ReceiptPDF(r)
			if err == nil && !bytes.Equal(b, want[r.Lang]) {
				err = errors.New(r.Lang + ": PDF differs from the one printed alone")
			}
			if err == nil {
				_, err = l.ReceiptRaster(r)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
