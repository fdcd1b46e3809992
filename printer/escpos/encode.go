package escpos

import (
	"image"
)

// ESC/POS command bytes used here.
const (
	esc = 0x1b
	gs  = 0x1d
	dle = 0x10
	eot = 0x04
)

// CutMode selects GS V's cut.
type CutMode byte

// Cut modes: GS V m with m = 0 (full) or 1 (partial).
const (
	CutFull    CutMode = 0
	CutPartial CutMode = 1
)

// Init is ESC @ (initialize printer).
func Init() []byte { return []byte{esc, '@'} }

// StatusQuery is DLE EOT n.
func StatusQuery(n byte) []byte { return []byte{dle, eot, n} }

// Feed is ESC d n (print and feed n lines).
func Feed(n byte) []byte { return []byte{esc, 'd', n} }

// Cut is GS V m.
func Cut(m CutMode) []byte { return []byte{gs, 'V', byte(m)} }

// Raster encodes rows [y0, y1) of img as one GS v 0 band (normal size). A pixel
// prints when its luminance is below 50 %. The width is rounded up to whole bytes.
func Raster(img image.Image, y0, y1 int) []byte {
	b := img.Bounds()
	w := b.Dx()
	xb := (w + 7) / 8
	rows := y1 - y0
	out := make([]byte, 8, 8+xb*rows)
	out[0], out[1], out[2], out[3] = gs, 'v', '0', 0
	out[4], out[5] = byte(xb), byte(xb>>8)
	out[6], out[7] = byte(rows), byte(rows>>8)
	gray, isGray := img.(*image.Gray)
	for y := y0; y < y1; y++ {
		for xi := 0; xi < xb; xi++ {
			var v byte
			for bit := 0; bit < 8; bit++ {
				x := xi*8 + bit
				if x >= w {
					break
				}
				var isDark bool
				if isGray {
					isDark = gray.Pix[(y-b.Min.Y)*gray.Stride+x] < 128
				} else {
					r, g, bb, _ := img.At(b.Min.X+x, y).RGBA()
					isDark = (299*r+587*g+114*bb)/1000 < 0x8000
				}
				if isDark {
					v |= 0x80 >> bit
				}
			}
			out = append(out, v)
		}
	}
	return out
}

// Bands splits a page's height into bands of at most rows rows.
func Bands(height, rows int) [][2]int {
	var out [][2]int
	for y := 0; y < height; y += rows {
		out = append(out, [2]int{y, min(y+rows, height)})
	}
	return out
}

// Encode returns the whole job as the exact byte stream sent to the printer,
// without status queries: ESC @, then per page its bands, a feed and a cut.
// The file printer writes this; tests decode it.
func Encode(pages []*image.Gray, o Options) []byte {
	o = o.withDefaults()
	var out []byte
	out = append(out, Init()...)
	for _, p := range pages {
		for _, bd := range Bands(p.Bounds().Dy(), o.BandRows) {
			out = append(out, Raster(p, p.Bounds().Min.Y+bd[0], p.Bounds().Min.Y+bd[1])...)
		}
		out = append(out, Feed(o.FeedLines)...)
		out = append(out, Cut(o.Cut)...)
	}
	return out
}
