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
	return l.rasterPages(g, pages, tile)
}

// rasterPages draws laid-out pages of geometry g; tile is the background pattern (nil
// when the pages have none).
func (l *Layout) rasterPages(g geometry, pages []page, tile *image.Gray) ([]*image.Gray, error) {
	r := &rasterizer{l: l, m: newMetrics(l.font), faces: map[float64]font.Face{}, tile: tile}
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
	faces map[float64]font.Face
	tile  *image.Gray
	img   *image.Gray
}

func (r *rasterizer) close() {
	for _, f := range r.faces {
		f.Close()
	}
}

func (r *rasterizer) face(pt float64) (font.Face, error) {
	if f, ok := r.faces[pt]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(r.l.font, &opentype.FaceOptions{Size: pt, DPI: DotsPerMM * 25.4, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("layout: face %.1fpt: %w", pt, err)
	}
	r.faces[pt] = f
	return f, nil
}

func d(mm float64) int { return int(math.Round(mm * DotsPerMM)) }

func (r *rasterizer) text(x, y, pt float64, s string) error {
	f, err := r.face(pt)
	if err != nil {
		return err
	}
	dr := font.Drawer{Dst: r.img, Src: image.Black, Face: f,
		Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round(x * DotsPerMM * 64)), Y: fixed.Int26_6(math.Round(y * DotsPerMM * 64))}}
	dr.DrawString(s)
	return nil
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
		return r.text(o.x, o.y, o.pt, o.text)
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
			if err := r.text(c.x, c.y, c.pt, c.r); err != nil {
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
