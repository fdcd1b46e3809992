package layout

import (
	"unicode"

	"github.com/go-text/typesetting/di"
	gtfont "github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// needsShaping reports whether s has letters of a script that cannot be drawn letter by
// letter: Devanagari (Nepali) reorders its vowel sign ि before the consonant, joins
// consonants into conjuncts (क्ष, न्त) and moves र above as reph. Those runs are shaped
// (go-text/typesetting, a port of HarfBuzz) and drawn as glyph outlines; every other
// run is drawn by the PDF writer's and the rasteriser's own text drawing.
func needsShaping(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Devanagari, r) {
			return true
		}
	}
	return false
}

// shapedGlyph is one glyph of a shaped run, its origin in font units from the run's
// origin (y up, as in the font).
type shapedGlyph struct {
	id   sfnt.GlyphIndex
	x, y float64
}

// shapedRun is a run after shaping: its glyphs, each letter's share of the advance
// (a cluster's advance on its first letter), in font units.
type shapedRun struct {
	glyphs []shapedGlyph
	adv    []float64 // by rune of the run
	err    error
}

// shaper shapes runs, caching by run; one per metrics (not safe for concurrent use).
type shaper struct {
	hb    shaping.HarfbuzzShaper
	faces map[int]*gtfont.Face
	cache map[run]*shapedRun
}

func (m *metrics) shape(r run) *shapedRun {
	if s, ok := m.sh.cache[r]; ok {
		return s
	}
	s := m.shapeRun(r)
	if m.sh.cache == nil {
		m.sh.cache = map[run]*shapedRun{}
	}
	m.sh.cache[r] = s
	return s
}

func (m *metrics) shapeRun(r run) *shapedRun {
	rs := []rune(r.s)
	out := &shapedRun{adv: make([]float64, len(rs))}
	fc := m.l.fonts[r.f]
	face, ok := m.sh.faces[r.f]
	if !ok {
		f, err := fc.shaperFont()
		if err != nil {
			out.err = err
			return out
		}
		face = gtfont.NewFace(f)
		if m.sh.faces == nil {
			m.sh.faces = map[int]*gtfont.Face{}
		}
		m.sh.faces[r.f] = face
	}
	upem := fc.sf.UnitsPerEm()
	script := language.Devanagari
	for _, c := range rs {
		if unicode.Is(unicode.Devanagari, c) {
			script = language.LookupScript(c)
			break
		}
	}
	o := m.sh.hb.Shape(shaping.Input{Text: rs, RunStart: 0, RunEnd: len(rs), Direction: di.DirectionLTR,
		Face: face, Size: fixed.I(int(upem)), Script: script, Language: language.NewLanguage(r.lang)})
	var pen float64
	for _, g := range o.Glyphs {
		a := float64(g.Advance) / 64
		out.glyphs = append(out.glyphs, shapedGlyph{id: sfnt.GlyphIndex(g.GlyphID),
			x: pen + float64(g.XOffset)/64, y: float64(g.YOffset) / 64})
		if i := g.TextIndex(); i >= 0 && i < len(out.adv) {
			out.adv[i] += a
		}
		pen += a
	}
	return out
}

// outline calls the path functions with the outlines of s's glyphs drawn at (x, y) mm
// (the baseline origin) at size pt; coordinates in mm, y down. A glyph that cannot be
// loaded is skipped (its space stays blank).
func (m *metrics) outline(r run, s *shapedRun, x, y, pt float64, p pather) {
	fc := m.l.fonts[r.f]
	upem := float64(fc.sf.UnitsPerEm())
	scale := pt * mmPerPt / upem // mm per font unit
	for _, g := range s.glyphs {
		segs, err := fc.sf.LoadGlyph(&m.buf, g.id, fixed.I(int(upem)), nil)
		if err != nil {
			continue
		}
		ox, oy := x+g.x*scale, y-g.y*scale
		pt := func(a fixed.Point26_6) (float64, float64) {
			return ox + float64(a.X)/64*scale, oy + float64(a.Y)/64*scale
		}
		for _, sg := range segs {
			switch sg.Op {
			case sfnt.SegmentOpMoveTo:
				p.moveTo(pt(sg.Args[0]))
			case sfnt.SegmentOpLineTo:
				p.lineTo(pt(sg.Args[0]))
			case sfnt.SegmentOpQuadTo:
				cx, cy := pt(sg.Args[0])
				ex, ey := pt(sg.Args[1])
				p.quadTo(cx, cy, ex, ey)
			case sfnt.SegmentOpCubeTo:
				ax, ay := pt(sg.Args[0])
				bx, by := pt(sg.Args[1])
				ex, ey := pt(sg.Args[2])
				p.cubeTo(ax, ay, bx, by, ex, ey)
			}
		}
		p.closeGlyph()
	}
}

// pather receives glyph outlines (mm, y down); each contour starts with moveTo and a
// glyph ends with closeGlyph.
type pather interface {
	moveTo(x, y float64)
	lineTo(x, y float64)
	quadTo(cx, cy, x, y float64)
	cubeTo(ax, ay, bx, by, x, y float64)
	closeGlyph()
}
