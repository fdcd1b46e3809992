package layout

import (
	"fmt"
	"image"
	"image/draw"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"madoguchi/center"
)

// Raster lays c out for the thermal printer and returns one 1-bit image per page
// (pixels 0 = print, 255 = paper), ThermalDots wide.
func (l *Layout) Raster(c center.Content) ([]*image.Gray, error) {
	g := thermal(l.opts.ThermalDots)
	pages, err := l.plan(c, g)
	if err != nil {
		return nil, err
	}
	tile, err := l.patternTile(g, patternThermal)
	if err != nil {
		return nil, fmt.Errorf("layout: pattern: %w", err)
	}
	return l.rasterPages(pages, g, tile)
}

// rasterPages replays pages onto 1-bit images of g's height; tile is the background
// pattern (nil: the pages have none).
func (l *Layout) rasterPages(pages []page, g geometry, tile *image.Gray) ([]*image.Gray, error) {
	r := &rasterizer{l: l, m: newMetrics(l), faces: map[faceKey]font.Face{}, tile: tile}
	defer r.close()
	out := make([]*image.Gray, 0, len(pages))
	h := int(math.Round(g.h * DotsPerMM))
	for _, p := range pages {
		img := image.NewGray(image.Rect(0, 0, l.opts.ThermalDots, h))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		r.img = img
		for _, o := range p.ops {
			if err := r.op(o); err != nil {
				return nil, err
			}
		}
		threshold(img)
		out = append(out, img)
	}
	return out, nil
}

type rasterizer struct {
	l     *Layout
	m     *metrics
	faces map[faceKey]font.Face
	tile  *image.Gray
	img   *image.Gray
}

func (r *rasterizer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

// faceKey is a font (index in Layout.fonts) at a size.
type faceKey struct {
	font int
	pt   float64
}

func (r *rasterizer) face(i int, pt float64) (font.Face, error) {
	k := faceKey{i, pt}
	if f, ok := r.faces[k]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(r.l.fonts[i].sf, &opentype.FaceOptions{Size: pt, DPI: DotsPerMM * 25.4, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("layout: face %.1fpt: %w", pt, err)
	}
	r.faces[k] = f
	return f, nil
}

func d(mm float64) int { return int(math.Round(mm * DotsPerMM)) }

// text draws a text op run by run, each from where the metrics say the one before
// ends (as the PDF writer does): a shaped run as its glyph outlines, any other run by
// the font's own drawing.
func (r *rasterizer) text(o op) error {
	x := o.x
	for _, rn := range r.m.textRuns(o) {
		if needsShaping(rn.s) {
			if sr := r.m.shape(rn); sr.err == nil {
				p := &rasterPath{}
				r.m.outline(rn, sr, x, o.y, o.pt, p)
				p.draw(r.img)
				x += r.m.runWidth(rn, o.pt)
				continue
			}
		}
		f, err := r.face(rn.f, o.pt)
		if err != nil {
			return err
		}
		dr := font.Drawer{Dst: r.img, Src: image.Black, Face: f,
			Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round(x * DotsPerMM * 64)), Y: fixed.Int26_6(math.Round(o.y * DotsPerMM * 64))}}
		dr.DrawString(rn.s)
		x += r.m.runWidth(rn, o.pt)
	}
	return nil
}

// rasterPath collects glyph outlines (mm) in dots and fills them (vector's rasteriser,
// nonzero winding as TrueType wants).
type rasterPath struct {
	segs []pathSeg
}

type pathSeg struct {
	op  byte // 'M', 'L', 'Q', 'C'
	pts [3][2]float32
}

func (p *rasterPath) add(op byte, pts ...float64) {
	s := pathSeg{op: op}
	for i := 0; i+1 < len(pts); i += 2 {
		s.pts[i/2] = [2]float32{float32(pts[i] * DotsPerMM), float32(pts[i+1] * DotsPerMM)}
	}
	p.segs = append(p.segs, s)
}

func (p *rasterPath) moveTo(x, y float64)                 { p.add('M', x, y) }
func (p *rasterPath) lineTo(x, y float64)                 { p.add('L', x, y) }
func (p *rasterPath) quadTo(cx, cy, x, y float64)         { p.add('Q', cx, cy, x, y) }
func (p *rasterPath) cubeTo(ax, ay, bx, by, x, y float64) { p.add('C', ax, ay, bx, by, x, y) }
func (p *rasterPath) closeGlyph()                         {}

// draw fills the outlines onto img.
func (p *rasterPath) draw(img *image.Gray) {
	if len(p.segs) == 0 {
		return
	}
	minX, minY := float32(math.Inf(1)), float32(math.Inf(1))
	maxX, maxY := float32(math.Inf(-1)), float32(math.Inf(-1))
	for _, s := range p.segs {
		n := map[byte]int{'M': 1, 'L': 1, 'Q': 2, 'C': 3}[s.op]
		for _, pt := range s.pts[:n] {
			minX, maxX = min(minX, pt[0]), max(maxX, pt[0])
			minY, maxY = min(minY, pt[1]), max(maxY, pt[1])
		}
	}
	b := image.Rect(int(math.Floor(float64(minX))), int(math.Floor(float64(minY))),
		int(math.Ceil(float64(maxX)))+1, int(math.Ceil(float64(maxY)))+1)
	clip := b.Intersect(img.Bounds())
	if clip.Empty() {
		return
	}
	z := vector.NewRasterizer(b.Dx(), b.Dy())
	ox, oy := float32(b.Min.X), float32(b.Min.Y)
	open := false
	for _, s := range p.segs {
		q := s.pts
		switch s.op {
		case 'M':
			if open {
				z.ClosePath()
			}
			z.MoveTo(q[0][0]-ox, q[0][1]-oy)
			open = true
		case 'L':
			z.LineTo(q[0][0]-ox, q[0][1]-oy)
		case 'Q':
			z.QuadTo(q[0][0]-ox, q[0][1]-oy, q[1][0]-ox, q[1][1]-oy)
		case 'C':
			z.CubeTo(q[0][0]-ox, q[0][1]-oy, q[1][0]-ox, q[1][1]-oy, q[2][0]-ox, q[2][1]-oy)
		}
	}
	if open {
		z.ClosePath()
	}
	mask := image.NewAlpha(image.Rect(0, 0, b.Dx(), b.Dy()))
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	for y := clip.Min.Y; y < clip.Max.Y; y++ {
		for x := clip.Min.X; x < clip.Max.X; x++ {
			a := uint16(mask.Pix[(y-b.Min.Y)*mask.Stride+x-b.Min.X])
			i := y*img.Stride + x
			img.Pix[i] = uint8(uint16(img.Pix[i]) * (255 - a) / 255) // black over
		}
	}
}

func (r *rasterizer) fill(x0, y0, x1, y1 int) {
	draw.Draw(r.img, image.Rect(x0, y0, x1, y1), image.Black, image.Point{}, draw.Src)
}

func (r *rasterizer) box(x, y, w, h, lw float64) {
	t := max(1, d(lw))
	x0, y0, x1, y1 := d(x), d(y), d(x+w), d(y+h)
	r.fill(x0, y0, x1+t, y0+t)
	r.fill(x0, y1, x1+t, y1+t)
	r.fill(x0, y0, x0+t, y1+t)
	r.fill(x1, y0, x1+t, y1+t)
}

func (r *rasterizer) op(o op) error {
	switch o.kind {
	case opText:
		return r.text(o)
	case opLine:
		t := max(1, d(o.lineW))
		r.fill(d(o.x), d(o.y), max(d(o.w), d(o.x)+t), max(d(o.h), d(o.y)+t))
	case opRect:
		r.box(o.x, o.y, o.w, o.h, o.lineW)
	case opFill:
		// 1-bit heads cannot print gray: a sparse ordered dot (1 in 8) stands in.
		b := image.Rect(d(o.x), d(o.y), d(o.x+o.w), d(o.y+o.h)).Intersect(r.img.Bounds())
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if x%4 == 0 && y%2 == 0 && (x/4+y/2)%2 == 0 {
					r.img.Pix[y*r.img.Stride+x] = 0
				}
			}
		}
	case opQR:
		n := len(o.mods)
		mod := max(1, d(o.w)/n)
		x0, y0 := d(o.x), d(o.y)
		for yy, row := range o.mods {
			for xx, on := range row {
				if on {
					r.fill(x0+xx*mod, y0+yy*mod, x0+(xx+1)*mod, y0+(yy+1)*mod)
				}
			}
		}
	case opSeal:
		if r.l.seal != nil {
			rect := image.Rect(d(o.x), d(o.y), d(o.x+o.w), d(o.y+o.w))
			tmp := image.NewGray(rect)
			xdraw.ApproxBiLinear.Scale(tmp, rect, r.l.seal, r.l.seal.Bounds(), xdraw.Src, nil)
			// darken only: the seal overprints the issuer's name
			for y := rect.Min.Y; y < rect.Max.Y; y++ {
				for x := rect.Min.X; x < rect.Max.X; x++ {
					if image.Pt(x, y).In(r.img.Bounds()) && tmp.GrayAt(x, y).Y < r.img.GrayAt(x, y).Y {
						r.img.SetGray(x, y, tmp.GrayAt(x, y))
					}
				}
			}
			return nil
		}
		r.box(o.x, o.y, o.w, o.w, o.w*0.035)
		for _, c := range r.l.sealLayout(r.m, o.text, o.x, o.y, o.w) {
			if err := r.text(op{x: c.x, y: c.y, pt: c.pt, text: c.r}); err != nil {
				return err
			}
		}
	case opPattern:
		b := image.Rect(d(o.x), d(o.y), d(o.x+o.w), d(o.y+o.h)).Intersect(r.img.Bounds())
		tw, th := r.tile.Bounds().Dx(), r.tile.Bounds().Dy()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				v := r.tile.Pix[((y-b.Min.Y)%th)*r.tile.Stride+(x-b.Min.X)%tw]
				if v < r.img.Pix[y*r.img.Stride+x] {
					r.img.Pix[y*r.img.Stride+x] = v
				}
			}
		}
	}
	return nil
}

// threshold turns img into pure black and white at 50 %.
func threshold(img *image.Gray) {
	for i, v := range img.Pix {
		if v < 128 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 255
		}
	}
}
