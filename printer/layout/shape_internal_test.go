package layout

import (
	"image"
	"math"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"madoguchi/center"
	"madoguchi/printer/printertest"
)

// devanagariLayout is a layout with the Nepali fallback font; the test fails naming the
// package when it is not installed (make deps installs it).
func devanagariLayout(t *testing.T) (*Layout, int) {
	t.Helper()
	l, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range l.fonts {
		if slices.Contains(f.Langs, "ne") {
			if err := f.load(); err != nil {
				t.Fatal(err)
			}
			return l, i
		}
	}
	t.Fatalf("no font for Nepali: %v (install fonts-lohit-deva)", l.FontProblems())
	return nil, 0
}

// TestShapeDevanagari: Nepali is shaped, not drawn letter by letter: the vowel sign ि
// (written after its consonant) is drawn before it, left of it; a conjunct is fewer
// glyphs than letters, none of them the letters' own glyphs; reph moves र above.
func TestShapeDevanagari(t *testing.T) {
	l, ne := devanagariLayout(t)
	m := newMetrics(l)
	f := l.fonts[ne].sf
	var b sfnt.Buffer
	gid := func(r rune) sfnt.GlyphIndex {
		g, err := f.GlyphIndex(&b, r)
		if err != nil || g == 0 {
			t.Errorf("font has no %U", r)
		}
		return g
	}
	ids := func(s *shapedRun) []sfnt.GlyphIndex {
		var out []sfnt.GlyphIndex
		for _, g := range s.glyphs {
			out = append(out, g.id)
		}
		return out
	}
	shape := func(t *testing.T, s string) *shapedRun {
		t.Helper()
		sr := m.shape(run{s, ne, "ne"})
		if sr.err != nil {
			t.Fatal(sr.err)
		}
		return sr
	}

	t.Run("vowel sign i before its consonant", func(t *testing.T) {
		sr := shape(t, "सि") // स + ि; letter by letter: स then ि
		g := ids(sr)
		// the font may take a variant of ि sized to the consonant
		if len(g) != 2 || g[1] != gid('स') || g[0] == gid('स') || !(sr.glyphs[0].x < sr.glyphs[1].x) {
			t.Errorf("सि: glyphs %v at %v, want the vowel sign (%d or a variant) then स %d, left to right", g, sr.glyphs, gid('ि'), gid('स'))
		}
	})
	for _, conj := range []string{"क्ष", "न्त", "ल्क", "प्र"} {
		t.Run("conjunct "+conj, func(t *testing.T) {
			sr := shape(t, conj)
			rs := []rune(conj)
			if len(sr.glyphs) >= len(rs) {
				t.Errorf("%s: %d glyphs for %d letters: not joined", conj, len(sr.glyphs), len(rs))
			}
			var own []sfnt.GlyphIndex
			for _, r := range rs {
				own = append(own, gid(r))
			}
			if slices.Equal(ids(sr), own[:len(sr.glyphs)]) {
				t.Errorf("%s: drawn with the letters' own glyphs %v", conj, own)
			}
		})
	}
	t.Run("reph", func(t *testing.T) {
		sr := shape(t, "र्म") // र + ् + म: र above म
		if len(sr.glyphs) != 2 || slices.Contains(ids(sr), gid('र')) {
			t.Errorf("र्म: glyphs %v, want म and a reph mark (not र %d)", ids(sr), gid('र'))
		}
	})
	t.Run("advances follow the shaping", func(t *testing.T) {
		r := run{"रसिद", ne, "ne"}
		var perLetter float64
		for _, c := range r.s {
			perLetter += m.advance(ne, c)
		}
		var shaped float64
		for _, a := range m.units(r) {
			shaped += a
		}
		if shaped <= 0 || shaped == perLetter && len(shape(t, r.s).glyphs) != len([]rune(r.s)) {
			t.Errorf("width %v, letter by letter %v", shaped, perLetter)
		}
	})
}

// TestShapedRaster: a shaped word is drawn on the raster from its shaped glyphs: in सि
// the vowel sign's ink is left of the consonant's, the ink stays within the measured
// width, and the picture differs from drawing the letters one by one (x/image's Drawer).
func TestShapedRaster(t *testing.T) {
	l, ne := devanagariLayout(t)
	m := newMetrics(l)
	const pt, x0, y0 = 40.0, 1.0, 12.0
	blank := func() *image.Gray {
		img := image.NewGray(image.Rect(0, 0, 200, 120))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		return img
	}
	draw := func(r run, sr *shapedRun) *image.Gray {
		img := blank()
		p := &rasterPath{}
		m.outline(r, sr, x0, y0, pt, p)
		p.draw(img)
		return img
	}
	// centre is the mean x of the inked pixels, -1 for none
	centre := func(img *image.Gray) float64 {
		var sum, n float64
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if img.Pix[y*img.Stride+x] < 128 {
					sum += float64(x)
					n++
				}
			}
		}
		if n == 0 {
			return -1
		}
		return sum / n
	}
	r := run{"सि", ne, "ne"}
	sr := m.shape(r)
	if sr.err != nil || len(sr.glyphs) != 2 {
		t.Fatalf("सि shaped into %d glyphs (%v)", len(sr.glyphs), sr.err)
	}
	whole := draw(r, sr)
	vowel := draw(r, &shapedRun{glyphs: sr.glyphs[:1]})     // ि, drawn first
	consonant := draw(r, &shapedRun{glyphs: sr.glyphs[1:]}) // स
	cv, cc := centre(vowel), centre(consonant)
	if cv < 0 || cc < 0 || cv >= cc {
		t.Errorf("ink centre of ि at %.1f, of स at %.1f: want ि left", cv, cc)
	}
	right := 0
	for y := 0; y < whole.Bounds().Dy(); y++ {
		for x := 0; x < whole.Bounds().Dx(); x++ {
			if whole.Pix[y*whole.Stride+x] < 128 {
				right = max(right, x)
			}
		}
	}
	if end := (x0 + m.runWidth(r, pt)) * DotsPerMM; float64(right) > end+2 {
		t.Errorf("ink to column %d, the measured width ends at %.0f", right, end)
	}
	face, err := opentype.NewFace(l.fonts[ne].sf, &opentype.FaceOptions{Size: pt, DPI: DotsPerMM * 25.4, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	naive := blank()
	(&font.Drawer{Dst: naive, Src: image.Black, Face: face, Dot: fixed.P(int(x0*DotsPerMM), int(y0*DotsPerMM))}).DrawString(r.s)
	if cn := centre(naive); cn < 0 || math.Abs(cn-centre(whole)) < 0.5 && slices.Equal(naive.Pix, whole.Pix) {
		t.Error("the shaped drawing is the letter-by-letter drawing")
	}
}

// TestWrapKeepsWords: Nepali and Korean lines break between words only, never inside a
// word (a shaped cluster cannot be split); Chinese breaks between any two characters.
func TestWrapKeepsWords(t *testing.T) {
	l, _ := devanagariLayout(t)
	m := newMetrics(l)
	for _, tt := range []struct{ lang, text string }{
		{"ne", "प्रमाणपत्र शुल्क धन्यवादसहित प्राप्त भयो। यो रसिद प्रमाणपत्र होइन।"},
		{"ko", "증명서 발급 수수료로 위 금액을 영수했습니다. 이 영수증은 증명서가 아닙니다."},
	} {
		words := strings.Fields(tt.text)
		for _, w := range []float64{18, 25, 40} {
			lines := m.wrapRuns(m.spans(span{tt.text, tt.lang}), 7.5, w)
			if len(lines) < 2 {
				t.Errorf("%s at %v mm: %d lines", tt.lang, w, len(lines))
			}
			var got []string
			for _, ln := range lines {
				var b strings.Builder
				for _, r := range ln {
					b.WriteString(r.s)
				}
				got = append(got, strings.Fields(b.String())...)
				if lw := m.lineWidth(ln, 7.5); lw > w && len(strings.Fields(b.String())) > 1 {
					t.Errorf("%s: line %q is %.1f mm, wider than %v", tt.lang, b.String(), lw, w)
				}
			}
			if !slices.Equal(got, words) {
				t.Errorf("%s at %v mm: words %q, want %q", tt.lang, w, got, words)
			}
		}
	}
}

// TestFallbacksReadOnUse: New reads only the main font; a Japanese certificate or an
// English or Portuguese receipt reads no fallback; a Korean receipt reads the Korean one.
func TestFallbacksReadOnUse(t *testing.T) {
	l, err := New(Options{Sample: true})
	if err != nil {
		t.Fatal(err)
	}
	read := func() []string {
		var out []string
		for _, f := range l.fonts[1:] {
			if f.sf != nil {
				out = append(out, f.Package)
			}
		}
		return out
	}
	if len(l.fonts) < 2 {
		t.Fatalf("no fallback fonts: %v", l.MissingFonts())
	}
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.PDF(c); err != nil {
		t.Fatal(err)
	}
	r := Receipt{Title: "住民票の写し", Copies: 1, Amount: 300, Date: "2026-11-26 10:30 JST", IssuanceNumber: "R8-1", KioskID: "k1"}
	for _, lang := range []string{"en", "pt-BR", "ko"} {
		r.Lang = lang
		if _, err := l.ReceiptRaster(r); err != nil {
			t.Fatal(err)
		}
		want := []string{}
		if lang == "ko" {
			want = []string{"fonts-nanum"}
		}
		if got := read(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("after a %s receipt the fallbacks read are %v, want %v", lang, got, want)
		}
	}
}
