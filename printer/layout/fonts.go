package layout

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"unicode"

	gtfont "github.com/go-text/typesetting/font"
	"golang.org/x/image/font/sfnt"

	"madoguchi/internal/i18n"
)

// Fallback is a font for the letters the main font (Options.FontPath) lacks: Hangul,
// Devanagari, simplified Chinese, Vietnamese. It must be TrueType (glyf), as the main font.
type Fallback struct {
	Path string
	// Package is the Debian package that installs Path, named when it is missing.
	Package string
	// Langs are the languages (internal/i18n tags) whose text takes this font first, so
	// that a receipt's second language is drawn in one design where the font has it.
	Langs []string
}

// DefaultFallbacks are the fallback fonts as Debian 12 and 13 install them (same paths,
// same files). IPAex Gothic, the main font, draws Japanese, English and the other Latin
// languages but Vietnamese, and traditional Chinese.
var DefaultFallbacks = []Fallback{
	{Path: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", Package: "fonts-dejavu-core", Langs: []string{"vi"}},
	{Path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", Package: "fonts-droid-fallback", Langs: []string{"zh-Hans"}},
	{Path: "/usr/share/fonts/truetype/nanum/NanumGothic.ttf", Package: "fonts-nanum", Langs: []string{"ko"}},
	{Path: "/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf", Package: "fonts-lohit-deva", Langs: []string{"ne"}},
}

// face is one font: index 0 of Layout.fonts is the main font, read by New; a fallback
// is read on its first use (load), so a kiosk that never prints Korean never holds the
// Korean font in memory.
type face struct {
	Fallback
	pdf string // the font's name in a PDF

	loadOnce sync.Once
	loadErr  error
	data     []byte     // after load
	sf       *sfnt.Font // after load

	gtOnce sync.Once // the shaper's parse of data, made on the first shaped run
	gt     *gtfont.Font
	gtErr  error
}

// missingFont is a fallback that could not be loaded, and why.
type missingFont struct {
	Fallback
	err error
}

// loadFont reads and checks a TrueType font file; pkg is the Debian package named when
// the file is missing.
func loadFont(path, pkg string) (*face, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("printer: font %s: %w; install %s", path, ErrFontMissing, pkg)
	}
	if err != nil {
		return nil, fmt.Errorf("layout: font: %w", err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("layout: font %s: %w", path, err)
	}
	if !bytes.HasPrefix(data, []byte{0, 1, 0, 0}) && !bytes.HasPrefix(data, []byte("true")) {
		return nil, fmt.Errorf("layout: font %s: not a TrueType (glyf) font; the PDF writer cannot embed OpenType/CFF", path)
	}
	return &face{Fallback: Fallback{Path: path, Package: pkg}, data: data, sf: f}, nil
}

// loadFallbacks notes fbs after the main font; a file that is not there is noted as
// missing, not fatal: its letters print from another font or, on a receipt, in English.
// The files are read on first use (face.load).
func (l *Layout) loadFallbacks(fbs []Fallback) {
	for _, fb := range fbs {
		if _, err := os.Stat(fb.Path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("printer: font %s: %w; install %s", fb.Path, ErrFontMissing, fb.Package)
			}
			l.missing = append(l.missing, missingFont{fb, err})
			continue
		}
		l.fonts = append(l.fonts, &face{Fallback: fb, pdf: fmt.Sprintf("fallback%d", len(l.fonts))})
	}
}

// load reads f's file once; a font that cannot be read or is no TrueType font has no
// letters (has is false for all) and its error is reported by FontProblems.
func (f *face) load() error {
	f.loadOnce.Do(func() {
		if f.sf != nil {
			return // the main font, read by New
		}
		g, err := loadFont(f.Path, f.Package)
		if err != nil {
			f.loadErr = err
			return
		}
		f.data, f.sf = g.data, g.sf
	})
	return f.loadErr
}

// problems are the fallbacks missing at New and those that failed to load, reading
// every fallback not read yet.
func (l *Layout) problems() []missingFont {
	out := slices.Clone(l.missing)
	for _, f := range l.fonts[1:] {
		if err := f.load(); err != nil {
			out = append(out, missingFont{f.Fallback, err})
		}
	}
	return out
}

// shaperFont is f parsed by the shaper (go-text/typesetting), once.
func (f *face) shaperFont() (*gtfont.Font, error) {
	f.gtOnce.Do(func() {
		if err := f.load(); err != nil {
			f.gtErr = err
			return
		}
		gf, err := gtfont.ParseTTF(bytes.NewReader(f.data))
		if err != nil {
			f.gtErr = fmt.Errorf("layout: font %s: shaper: %w", f.Path, err)
			return
		}
		f.gt = gf.Font
	})
	return f.gt, f.gtErr
}

// order is the font indexes in the order a letter of text in lang tries them: the
// fallbacks made for lang, the main font, the other fallbacks.
func (l *Layout) order(lang string) []int {
	var first, rest []int
	for i, f := range l.fonts {
		if i > 0 && slices.Contains(f.Langs, lang) {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	return append(first, rest...)
}

// has reports whether font i has a glyph for r (reading the font on first use).
func (l *Layout) has(b *sfnt.Buffer, i int, r rune) bool {
	if l.fonts[i].load() != nil {
		return false
	}
	gi, err := l.fonts[i].sf.GlyphIndex(b, r)
	return err == nil && gi != 0
}

// run is text drawn in one font: the letters of one language that font i has.
type run struct {
	s    string
	f    int    // index in Layout.fonts
	lang string // the text's language (the shaper's language)
}

// span is text in one language, before it is split into runs.
type span struct{ s, lang string }

// runs splits text into runs, each letter taking the first font in order(lang) that has
// it; a space or a combining mark stays with the letters before it where that font has
// it. A letter no font has is drawn by the main font (its .notdef box).
func (l *Layout) runs(b *sfnt.Buffer, spans ...span) []run {
	var out []run
	for _, sp := range spans {
		order := l.order(sp.lang)
		cur, start := -1, 0
		for i, r := range sp.s {
			f := -1
			if cur >= 0 && (unicode.IsSpace(r) || unicode.In(r, unicode.Mn, unicode.Mc)) && l.has(b, cur, r) {
				f = cur
			}
			for _, j := range order {
				if f < 0 && l.has(b, j, r) {
					f = j
				}
			}
			if f < 0 {
				f = 0
			}
			if f != cur {
				if cur >= 0 {
					out = append(out, run{sp.s[start:i], cur, sp.lang})
				}
				cur, start = f, i
			}
		}
		if cur >= 0 {
			out = append(out, run{sp.s[start:], cur, sp.lang})
		}
	}
	return mergeRuns(out)
}

// mergeRuns joins neighbouring runs of one font that need no shaping (the language
// matters to the shaper only), so text is drawn in as few pieces as it was written.
func mergeRuns(rs []run) []run {
	var out []run
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].f == r.f && (out[n-1].lang == r.lang || !needsShaping(out[n-1].s) && !needsShaping(r.s)) {
			out[n-1].s += r.s
			continue
		}
		out = append(out, r)
	}
	return out
}

// uncovered is the letters of s, text in lang, that no font has, each once; the fonts
// are tried in lang's order, so only those needed are read.
func (l *Layout) uncovered(s, lang string) []rune {
	var b sfnt.Buffer
	var out []rune
	order := l.order(lang)
	for _, r := range s {
		if unicode.IsSpace(r) || slices.Contains(out, r) {
			continue
		}
		if !slices.ContainsFunc(order, func(i int) bool { return l.has(&b, i, r) }) {
			out = append(out, r)
		}
	}
	return out
}

// Covers reports whether the fonts have a glyph for every letter of s.
func (l *Layout) Covers(s string) bool { return len(l.uncovered(s, i18n.Native)) == 0 }
