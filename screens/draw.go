package screens

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"madoguchi/internal/safetext"
)

// rect is a screen rectangle in cells.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool { return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// canvas draws text measured in cells: East Asian Wide characters take two cells, and
// a grapheme never straddles the edge of its box. Text that does not fit is cut and
// recorded in overflow, which the tests require to stay empty.
type canvas struct {
	s        tcell.Screen
	ox, oy   int  // where the frame's (0, 0) is on the screen
	contrast bool // high contrast: every style goes through contrastStyle
	overflow []string
}

func textWidth(s string) int {
	w, state := 0, -1
	for s != "" {
		var gw int
		_, s, gw, state = nextCluster(s, state)
		w += gw
	}
	return w
}

// nextCluster is uniseg's next grapheme cluster of s and the cells the layout gives
// it: uniseg's width, plus a blank cell after a Devanagari independent vowel whose
// glyph is two letters wide (आ ओ औ: अ with a vowel sign drawn into one code point),
// which foot would otherwise draw over the next letter.
func nextCluster(s string, state int) (g, rest string, w, newState int) {
	g, rest, w, newState = uniseg.FirstGraphemeClusterInString(s, state)
	if r, _ := utf8.DecodeRuneInString(g); r == 'आ' || r == 'ओ' || r == 'औ' {
		w++
	}
	return g, rest, w, newState
}

func (c *canvas) fill(r rect, st tcell.Style) {
	for y := r.y; y < r.y+r.h; y++ {
		for x := r.x; x < r.x+r.w; x++ {
			c.s.Put(c.ox+x, c.oy+y, " ", c.style(st))
		}
	}
}

// text draws s from (x, y) within maxw cells and returns the cells used.
func (c *canvas) text(x, y, maxw int, s string, st tcell.Style) int {
	s = safetext.String(s) // text from a card, a printer or the center is shown escaped
	used, state := 0, -1
	rest := s
	for rest != "" {
		var g string
		var w int
		g, rest, w, state = nextCluster(rest, state)
		if used+w > maxw {
			c.overflow = append(c.overflow, s)
			return used
		}
		_, tw := c.s.Put(c.ox+x+used, c.oy+y, g, c.style(st))
		for i := max(tw, 1); i < w; i++ { // the blank cell nextCluster adds
			c.s.Put(c.ox+x+used+i, c.oy+y, " ", c.style(st))
		}
		used += w
	}
	return used
}

// center draws s centred in r on row y.
func (c *canvas) center(r rect, y int, s string, st tcell.Style) {
	w := textWidth(s)
	x := r.x + (r.w-w)/2
	if w > r.w {
		x = r.x
	}
	c.text(x, y, r.w, s, st)
}

// para wraps s to r.w and draws the lines centred from r.y; it returns the rows used.
func (c *canvas) para(r rect, s string, st tcell.Style) int {
	lines := wrap(s, r.w)
	for i, l := range lines {
		if i >= r.h {
			c.overflow = append(c.overflow, s)
			break
		}
		c.center(r, r.y+i, l, st)
	}
	return min(len(lines), r.h)
}

// closing punctuation must not start a line (simple 禁則).
func noLineStart(g string) bool {
	return strings.Contains("、。，．）」』】？！,.)?!:;", g) && g != ""
}

// Character classes for line breaking.
const (
	clOther    = iota // Latin letters, digits, narrow punctuation
	clSpace           // a space: a break, dropped at the line's end
	clHiragana        // ひらがな: particles and endings, never broken inside
	clWide            // kanji, katakana and other wide characters
	clOpen            // opening brackets 「（『【
	clClose           // closing punctuation 、。」）！？: never starts a line
)

func classOf(g string, w int) int {
	switch {
	case g == " ":
		return clSpace
	case strings.Contains("「（『【", g):
		return clOpen
	case noLineStart(g):
		return clClose
	case w == 2:
		r := []rune(g)[0]
		if unicode.Is(unicode.Hiragana, r) {
			return clHiragana
		}
		return clWide
	}
	return clOther
}

// breakBefore reports whether a line may break between a grapheme of class prev and one
// of class cur: after a space or closing punctuation, before an opening bracket, and
// where a run of hiragana (a phrase's particle or ending) meets the next phrase. Never
// inside a word: not inside a Latin word, a kanji compound or a hiragana ending.
func breakBefore(prev, cur int) bool {
	switch {
	case cur == clClose || cur == clSpace:
		return false
	case prev == clSpace, prev == clClose && cur != clClose:
		return true
	case cur == clOpen && prev != clOpen:
		return true
	case prev == clHiragana && cur != clHiragana:
		return true
	}
	return false
}

// wrap breaks s into lines of at most w cells, at phrase boundaries (breakBefore); a
// phrase wider than the line is broken between characters, never before closing
// punctuation.
func wrap(s string, w int) []string {
	var lines []string
	type gr struct {
		s     string
		w, cl int
	}
	var cur []gr
	curW := 0
	flush := func(n int) {
		var b strings.Builder
		for _, g := range cur[:n] {
			b.WriteString(g.s)
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
		rest := cur[n:]
		for len(rest) > 0 && rest[0].s == " " {
			rest = rest[1:]
		}
		cur = append([]gr(nil), rest...)
		curW = 0
		for _, g := range cur {
			curW += g.w
		}
	}
	state := -1
	rest := s
	for rest != "" {
		var g string
		var gw int
		g, rest, gw, state = nextCluster(rest, state)
		if g == "\n" {
			flush(len(cur))
			continue
		}
		cl := classOf(g, gw)
		if curW+gw > w && len(cur) > 0 {
			if g == " " {
				flush(len(cur))
				continue
			}
			// Break at the last phrase boundary after the line's start, else between
			// characters before g.
			n := len(cur)
			if breakBefore(cur[n-1].cl, cl) {
				flush(n)
			} else {
				for i := len(cur) - 1; i > 0; i-- {
					if breakBefore(cur[i-1].cl, cur[i].cl) {
						n = i
						break
					}
				}
				if n == len(cur) && noLineStart(g) && n > 1 {
					n-- // carry the last character down with the punctuation
				}
				flush(n)
			}
		}
		cur = append(cur, gr{g, gw, cl})
		curW += gw
	}
	if len(cur) > 0 {
		flush(len(cur))
	}
	return lines
}
