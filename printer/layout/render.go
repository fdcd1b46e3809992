package layout

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Dot pitches of the background pattern, in device pixels: fine dots are 1 pixel
// every finePitch pixels; inside the word the dots are coarseSize square every
// coarsePitch pixels, with the same ink density (1/16).
type patternSpec struct {
	pxPerMM                        float64
	finePitch, coarsePitch, coarse int
	ink                            uint8
}

var (
	patternPDF     = patternSpec{pxPerMM: 12, finePitch: 4, coarsePitch: 12, coarse: 3, ink: 140}
	patternThermal = patternSpec{pxPerMM: DotsPerMM, finePitch: 4, coarsePitch: 8, coarse: 2, ink: 0}
)

// patternTile renders one tile of the background: 「複写」 in coarse dots on fine dots.
// Pixels are 255 (paper) or spec.ink.
func (l *Layout) patternTile(g geometry, spec patternSpec) (*image.Gray, error) {
	w := int(math.Round(g.tileW * spec.pxPerMM))
	h := int(math.Round(g.tileH * spec.pxPerMM))
	mask := image.NewGray(image.Rect(0, 0, w, h))
	face, err := opentype.NewFace(l.font, &opentype.FaceOptions{Size: g.patternPt, DPI: spec.pxPerMM * 25.4, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	word := "複写"
	adv := font.MeasureString(face, word)
	asc := face.Metrics().Ascent
	d := font.Drawer{Dst: mask, Src: image.White, Face: face,
		Dot: fixed.Point26_6{X: (fixed.I(w) - adv) / 2, Y: (fixed.I(h)+asc)/2 - asc/8}}
	d.DrawString(word)
	tile := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255)
			if mask.GrayAt(x, y).Y >= 128 {
				if x%spec.coarsePitch < spec.coarse && y%spec.coarsePitch < spec.coarse {
					v = spec.ink
				}
			} else if x%spec.finePitch == 0 && y%spec.finePitch == 0 {
				v = spec.ink
			}
			tile.Pix[y*tile.Stride+x] = v
		}
	}
	return tile, nil
}

// sealCell is one character of a drawn seal.
type sealCell struct {
	r    string
	x, y float64 // baseline origin, mm
	pt   float64
}

// sealLayout places the legend in columns read top to bottom, right to left, as on
// a traditional square seal. box is (x, y, side) in mm.
func (l *Layout) sealLayout(m *metrics, legend string, x, y, side float64) []sealCell {
	rs := []rune(legend)
	n := len(rs)
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	cols = (n + rows - 1) / rows
	pad := side * 0.1
	cellW := (side - 2*pad) / float64(cols)
	cellH := (side - 2*pad) / float64(rows)
	cell := math.Min(cellW, cellH)
	pt := cell / mmPerPt * 0.95
	var out []sealCell
	for i, r := range rs {
		col := i / rows
		row := i % rows
		cx := x + side - pad - cellW*float64(col) - cellW/2
		cy := y + pad + cellH*float64(row) + cellH/2
		w := m.width(string(r), pt)
		out = append(out, sealCell{r: string(r), x: cx - w/2, y: cy + pt*mmPerPt*0.38, pt: pt})
	}
	return out
}

var black = color.Gray{Y: 0}
