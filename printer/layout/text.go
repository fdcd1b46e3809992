package layout

import (
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// metrics measures strings with the font's advance widths, in millimetres.
type metrics struct {
	f    *sfnt.Font
	upem float64
	adv  map[rune]float64 // advance in font units
	buf  sfnt.Buffer
}

func newMetrics(f *sfnt.Font) *metrics {
	return &metrics{f: f, upem: float64(f.UnitsPerEm()), adv: make(map[rune]float64)}
}

// advance returns the advance of r in font units (the .notdef advance if missing).
func (m *metrics) advance(r rune) float64 {
	if a, ok := m.adv[r]; ok {
		return a
	}
	gi, err := m.f.GlyphIndex(&m.buf, r)
	var a float64
	if err == nil {
		adv, err := m.f.GlyphAdvance(&m.buf, gi, fixed.Int26_6(m.f.UnitsPerEm())<<6, font.HintingNone)
		if err == nil {
			a = float64(adv) / 64
		}
	}
	m.adv[r] = a
	return a
}

// width is the width of s in mm at size pt.
func (m *metrics) width(s string, pt float64) float64 {
	var u float64
	for _, r := range s {
		u += m.advance(r)
	}
	return u / m.upem * pt * mmPerPt
}

// wrap breaks s into lines no wider than w mm at size pt. Japanese text breaks
// between any two characters; a run of ASCII letters and digits is kept together
// when it fits on a line. Line-start prohibited characters (。、」）) stay on the
// previous line (simple 禁則).
func (m *metrics) wrap(s string, pt, w float64) []string {
	var lines []string
	for _, para := range splitLines(s) {
		lines = append(lines, m.wrapPara(para, pt, w)...)
	}
	return lines
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func (m *metrics) wrapPara(s string, pt, w float64) []string {
	rs := []rune(s)
	if len(rs) == 0 {
		return []string{""}
	}
	scale := pt * mmPerPt / m.upem
	var lines []string
	for start := 0; start < len(rs); {
		end, cur := start, 0.0
		for end < len(rs) {
			a := m.advance(rs[end]) * scale
			if cur+a > w && end > start {
				break
			}
			cur += a
			end++
		}
		if end < len(rs) {
			switch {
			case isNoStart(rs[end]):
				end++ // hang the punctuation on this line
			case isWordRune(rs[end]) && isWordRune(rs[end-1]):
				j := end
				for j > start && isWordRune(rs[j-1]) {
					j--
				}
				if j > start {
					end = j
				}
			}
		}
		lines = append(lines, string(rs[start:end]))
		start = end
	}
	return lines
}

func isNoStart(r rune) bool {
	switch r {
	case '。', '、', '」', '）', '』', '，', '．', ')', ',', '.', 'ー', 'ゃ', 'ゅ', 'ょ', 'っ':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	return r < 0x80 && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '/')
}
