package printertest

import (
	"fmt"
	"image"
)

// SameImage reports nil if a and b have the same size and the same black/white
// value at every pixel (luminance split at 50 %), else where they first differ and
// how many pixels differ.
func SameImage(a, b image.Image) error {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return fmt.Errorf("size %dx%d != %dx%d", ab.Dx(), ab.Dy(), bb.Dx(), bb.Dy())
	}
	n := 0
	var first image.Point
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			if dark(a, ab.Min.X+x, ab.Min.Y+y) != dark(b, bb.Min.X+x, bb.Min.Y+y) {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	if n > 0 {
		return fmt.Errorf("%d pixels differ, first at %v", n, first)
	}
	return nil
}

func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return (299*r+587*g+114*b)/1000 < 0x8000
}
