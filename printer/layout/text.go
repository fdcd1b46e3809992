package layout

import (
	"strings"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"madoguchi/internal/i18n"
)

// metrics measures text with the fonts' advance widths, in millimetres: each run in its
// font, a shaped run (needsShaping) by its shaped glyphs. The PDF writer and the
// rasteriser draw with the same metrics, so both break lines at the same places.
// One metrics serves one plan or one drawing (not safe for concurrent use).
type metrics struct {
	l   *Layout
	adv []map[rune]float64 // by font: advance in font units
	buf sfnt.Buffer
	sh  shaper
}

func newMetrics(l *Layout) *metrics {
	m := &metrics{l: l, adv: make([]map[rune]float64, len(l.fonts))}
	for i := range m.adv {
		m.adv[i] = map[rune]float64{}
	}
	return m
}

// upem is font i's units per em.
func (m *metrics) upem(i int) float64 { return float64(m.l.fonts[i].sf.UnitsPerEm()) }

// advance returns the advance of r in font i, in font units (the .notdef advance if
// missing).
func (m *metrics) advance(i int, r rune) float64 {
	if a, ok := m.adv[i][r]; ok {
		return a
	}
	f := m.l.fonts[i].sf
	gi, err := f.GlyphIndex(&m.buf, r)
	var a float64
	if err == nil {
		adv, err := f.GlyphAdvance(&m.buf, gi, fixed.Int26_6(f.UnitsPerEm())<<6, font.HintingNone)
		if err == nil {
			a = float64(adv) / 64
		}
	}
	m.adv[i][r] = a
	return a
}

// runs splits Japanese text s into runs (Layout.runs).
func (m *metrics) runs(s string) []run { return m.l.runs(&m.buf, span{s, i18n.Native}) }

// spans splits text in several languages into runs.
func (m *metrics) spans(sp ...span) []run { return m.l.runs(&m.buf, sp...) }

// units is each letter's advance in r, in font units.
func (m *metrics) units(r run) []float64 {
	if needsShaping(r.s) {
		if sr := m.shape(r); sr.err == nil {
			return sr.adv
		}
	}
	var out []float64
	for _, c := range r.s {
		out = append(out, m.advance(r.f, c))
	}
	return out
}

// runWidth is the width of r in mm at size pt.
func (m *metrics) runWidth(r run, pt float64) float64 {
	var u float64
	for _, a := range m.units(r) {
		u += a
	}
	return u / m.upem(r.f) * pt * mmPerPt
}

// lineWidth is the width of rs in mm at size pt.
func (m *metrics) lineWidth(rs []run, pt float64) float64 {
	var w float64
	for _, r := range rs {
		w += m.runWidth(r, pt)
	}
	return w
}

// width is the width of Japanese text s in mm at size pt.
func (m *metrics) width(s string, pt float64) float64 { return m.lineWidth(m.runs(s), pt) }

// wrap breaks Japanese text s into lines no wider than w mm at size pt (wrapRuns).
func (m *metrics) wrap(s string, pt, w float64) []string {
	var out []string
	for _, l := range m.wrapRuns(m.runs(s), pt, w) {
		var b strings.Builder
		for _, r := range l {
			b.WriteString(r.s)
		}
		out = append(out, b.String())
	}
	return out
}

// letters is text flattened to letters, each with its run and advance.
type letters struct {
	rs    []rune
	runOf []int     // index into src
	adv   []float64 // font units
	upem  []float64 // of the letter's font
	src   []run
}

func (m *metrics) letters(rs []run) letters {
	var ls letters
	ls.src = rs
	for i, r := range rs {
		us := m.units(r)
		for j, c := range []rune(r.s) {
			ls.rs = append(ls.rs, c)
			ls.runOf = append(ls.runOf, i)
			ls.adv = append(ls.adv, us[j])
			ls.upem = append(ls.upem, m.upem(r.f))
		}
	}
	return ls
}

// slice is letters [from, to) as runs.
func (ls letters) slice(from, to int) []run {
	var out []run
	for i := from; i < to; i++ {
		src := ls.src[ls.runOf[i]]
		if n := len(out); n > 0 && ls.runOf[i-1] == ls.runOf[i] && i > from {
			out[n-1].s += string(ls.rs[i])
			continue
		}
		out = append(out, run{string(ls.rs[i]), src.f, src.lang})
	}
	return out
}

// wrapRuns breaks text into lines no wider than w mm at size pt. Japanese and Chinese
// text breaks between any two characters; a word of a language written with spaces
// (ASCII letters and digits, Hangul, Devanagari, accented Latin) is kept together when
// it fits on a line, so a shaped cluster is never split. Line-start prohibited
// characters (。、」）) stay on the previous line (simple 禁則). A line break in the text
// starts a new line.
func (m *metrics) wrapRuns(rs []run, pt, w float64) [][]run {
	ls := m.letters(rs)
	var lines [][]run
	start := 0
	for i := 0; i <= len(ls.rs); i++ {
		if i == len(ls.rs) || ls.rs[i] == '\n' {
			lines = append(lines, m.wrapPara(ls, start, i, pt, w)...)
			start = i + 1
		}
	}
	return lines
}

func (m *metrics) wrapPara(ls letters, from, to int, pt, w float64) [][]run {
	if from == to {
		return [][]run{nil}
	}
	var lines [][]run
	for start := from; start < to; {
		end, cur := start, 0.0
		for end < to {
			a := ls.adv[end] * (pt * mmPerPt / ls.upem[end])
			if cur+a > w && end > start {
				break
			}
			cur += a
			end++
		}
		if end < to {
			switch {
			case isNoStart(ls.rs[end]):
				end++ // hang the punctuation on this line
			case isWordRune(ls.rs[end]) && isWordRune(ls.rs[end-1]):
				j := end
				for j > start && isWordRune(ls.rs[j-1]) {
					j--
				}
				if j > start {
					end = j
				}
			}
		}
		lines = append(lines, ls.slice(start, end))
		start = end
	}
	return lines
}

func isNoStart(r rune) bool {
	switch r {
	case '。', '、', '」', '）', '』', '，', '．', ')', ',', '.', 'ー', 'ゃ', 'ゅ', 'ょ', 'っ', '।':
		return true
	}
	return false
}

// isWordRune: letters of words written between spaces.
func isWordRune(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '/'
	}
	switch {
	case r >= 0xFF00 && r <= 0xFFEF: // full-width forms break as Japanese does
		return false
	case unicode.In(r, unicode.Mn, unicode.Mc):
		return true
	}
	return unicode.In(r, unicode.Hangul, unicode.Devanagari) || unicode.Is(unicode.Latin, r) && unicode.IsLetter(r)
}
