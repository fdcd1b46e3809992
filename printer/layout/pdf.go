package layout

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"sync"

	"github.com/go-pdf/fpdf"

	"madoguchi/center"
)

const pdfFont = "ipaex"

// PDF lays c out on A4 and returns the PDF document and its page count.
func (l *Layout) PDF(c center.Content) ([]byte, int, error) {
	pages, err := l.plan(c, a4)
	if err != nil {
		return nil, 0, err
	}
	b, err := l.writePDF(c.Title+" "+c.IssuanceNumber, pages, true)
	return b, len(pages), err
}

// writePDF writes laid-out A4 pages as a PDF titled title; images registers the pattern
// tile and the seal the certificates use.
func (l *Layout) writePDF(title string, pages []page, images bool) ([]byte, error) {
	now := l.opts.Clock().UTC()
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCompression(true)
	f.SetCatalogSort(true)
	f.SetCreationDate(now)
	f.SetModificationDate(now)
	f.SetProducer("madoguchi", false)
	f.SetCreator("madoguchi kiosk", false)
	f.SetTitle(title, true)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	f.AddUTF8FontFromBytes(pdfFont, "", l.fontData)

	if images {
		imgs := l.pdfImageData()
		if imgs.err != nil {
			return nil, imgs.err
		}
		if err := registerPNG(f, "pattern", imgs.pattern); err != nil {
			return nil, err
		}
		if imgs.seal != nil {
			if err := registerPNG(f, "seal", imgs.seal); err != nil {
				return nil, err
			}
		}
	}
	m := newMetrics(l.font)
	for _, p := range pages {
		f.AddPage()
		for _, o := range p.ops {
			l.pdfOp(f, m, o)
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("layout: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfImages are the PNG encodings of the images every PDF embeds: the 複写 pattern tile
// and the seal. They depend only on the font and the seal, so they are made once per
// Layout (best compression took most of a document's layout time).
type pdfImages struct {
	once    sync.Once
	pattern []byte
	seal    []byte // nil: the seal is drawn
	err     error
}

func (l *Layout) pdfImageData() *pdfImages {
	im := &l.pdfImages
	im.once.Do(func() {
		tile, err := l.patternTile(a4, patternPDF)
		if err != nil {
			im.err = fmt.Errorf("layout: pattern: %w", err)
			return
		}
		if im.pattern, err = encodePNG(tile); err != nil {
			im.err = fmt.Errorf("layout: pattern image: %w", err)
			return
		}
		if l.seal != nil {
			if im.seal, err = encodePNG(l.seal); err != nil {
				im.err = fmt.Errorf("layout: seal image: %w", err)
			}
		}
	})
	return im
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func registerPNG(f *fpdf.Fpdf, name string, data []byte) error {
	f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(data))
	if f.Err() {
		return fmt.Errorf("layout: %s image: %w", name, f.Error())
	}
	return nil
}

func (l *Layout) pdfOp(f *fpdf.Fpdf, m *metrics, o op) {
	f.SetDrawColor(0, 0, 0)
	f.SetTextColor(0, 0, 0)
	switch o.kind {
	case opText:
		f.SetFont(pdfFont, "", o.pt)
		f.Text(o.x, o.y, o.text)
	case opLine:
		f.SetLineWidth(o.lineW)
		f.Line(o.x, o.y, o.w, o.h)
	case opRect:
		f.SetLineWidth(o.lineW)
		f.Rect(o.x, o.y, o.w, o.h, "D")
	case opFill:
		f.SetFillColor(int(o.shade), int(o.shade), int(o.shade))
		f.Rect(o.x, o.y, o.w, o.h, "F")
	case opQR:
		n := len(o.mods)
		mod := o.w / float64(n)
		f.SetFillColor(0, 0, 0)
		for r, row := range o.mods {
			for c := 0; c < len(row); {
				if !row[c] {
					c++
					continue
				}
				s := c
				for c < len(row) && row[c] {
					c++
				}
				f.Rect(o.x+float64(s)*mod, o.y+float64(r)*mod, float64(c-s)*mod, mod, "F")
			}
		}
	case opSeal:
		if l.seal != nil {
			f.ImageOptions("seal", o.x, o.y, o.w, o.w, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			return
		}
		f.SetDrawColor(200, 30, 30)
		f.SetTextColor(200, 30, 30)
		f.SetLineWidth(o.w * 0.035)
		f.Rect(o.x, o.y, o.w, o.w, "D")
		for _, c := range l.sealLayout(m, o.text, o.x, o.y, o.w) {
			f.SetFont(pdfFont, "", c.pt)
			f.Text(c.x, c.y, c.r)
		}
	case opPattern:
		f.ClipRect(o.x, o.y, o.w, o.h, false)
		for y := o.y; y < o.y+o.h; y += a4.tileH {
			for x := o.x; x < o.x+o.w; x += a4.tileW {
				f.ImageOptions("pattern", x, y, a4.tileW, a4.tileH, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			}
		}
		f.ClipEnd()
	}
}
