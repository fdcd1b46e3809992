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
	b, err := l.writePDF(pages, c.Title+" "+c.IssuanceNumber, true)
	return b, len(pages), err
}

// writePDF replays pages onto A4 PDF pages; images embeds the pattern tile and the seal
// (a certificate; a receipt has neither).
func (l *Layout) writePDF(pages []page, title string, images bool) ([]byte, error) {
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
	m := newMetrics(l)
	for _, i := range l.pdfFonts(m, pages) {
		// A copy: fpdf's subsetter writes into the bytes it is given (getMetrics
		// appends to a slice of them), which the measuring and other documents read.
		f.AddUTF8FontFromBytes(l.fonts[i].pdf, "", bytes.Clone(l.fonts[i].data))
	}

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
		l.pdfText(f, m, o)
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
			l.pdfText(f, m, op{x: c.x, y: c.y, pt: c.pt, text: c.r})
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

// textRuns is a text op's runs.
func (m *metrics) textRuns(o op) []run {
	if o.runs != nil {
		return o.runs
	}
	return m.runs(o.text)
}

// pdfFonts lists the fonts the pages draw text with, by index: the main font always (a
// document in Japanese only embeds just it, as before there were fallbacks).
func (l *Layout) pdfFonts(m *metrics, pages []page) []int {
	used := make([]bool, len(l.fonts))
	used[0] = true
	for _, p := range pages {
		for _, o := range p.ops {
			if o.kind != opText && o.kind != opSeal {
				continue
			}
			for _, r := range m.textRuns(o) {
				used[r.f] = true
			}
		}
	}
	var out []int
	for i, u := range used {
		if u {
			out = append(out, i)
		}
	}
	return out
}

// pdfText draws a text op run by run: a shaped run as filled glyph outlines, with its
// letters written over them invisibly (text render mode 3), so that the PDF's text reads
// as written (search, copy, a screen reader); any other run as text in its font.
func (l *Layout) pdfText(f *fpdf.Fpdf, m *metrics, o op) {
	x := o.x
	rs := m.textRuns(o)
	if len(rs) == 0 {
		rs = []run{{f: 0}} // an empty text (a blank row): as written, so documents stay as they were
	}
	for _, r := range rs {
		f.SetFont(l.fonts[r.f].pdf, "", o.pt)
		if needsShaping(r.s) {
			if sr := m.shape(r); sr.err == nil {
				f.SetFillColor(0, 0, 0)
				m.outline(r, sr, x, o.y, o.pt, &pdfPath{f: f})
				f.SetTextRenderingMode(3)
				f.Text(x, o.y, r.s)
				f.SetTextRenderingMode(0)
				x += m.runWidth(r, o.pt)
				continue
			}
		}
		f.Text(x, o.y, r.s)
		x += m.runWidth(r, o.pt)
	}
}

// pdfPath draws glyph outlines as a filled PDF path (nonzero winding, as TrueType).
type pdfPath struct {
	f     *fpdf.Fpdf
	x, y  float64 // current point
	open  bool    // a contour is open
	drawn bool    // the glyph has a contour
}

func (p *pdfPath) moveTo(x, y float64) {
	if p.open {
		p.f.ClosePath()
	}
	p.f.MoveTo(x, y)
	p.x, p.y, p.open, p.drawn = x, y, true, true
}

func (p *pdfPath) lineTo(x, y float64) { p.f.LineTo(x, y); p.x, p.y = x, y }

// quadTo: PDF has cubic curves only (fpdf's CurveTo is not a true quadratic); the
// quadratic with control c is the cubic with controls at 2/3 of the way to c.
func (p *pdfPath) quadTo(cx, cy, x, y float64) {
	p.f.CurveBezierCubicTo(p.x+2*(cx-p.x)/3, p.y+2*(cy-p.y)/3, x+2*(cx-x)/3, y+2*(cy-y)/3, x, y)
	p.x, p.y = x, y
}

func (p *pdfPath) cubeTo(ax, ay, bx, by, x, y float64) {
	p.f.CurveBezierCubicTo(ax, ay, bx, by, x, y)
	p.x, p.y = x, y
}

func (p *pdfPath) closeGlyph() {
	if p.open {
		p.f.ClosePath()
	}
	if p.drawn {
		p.f.DrawPath("f")
	}
	p.open, p.drawn = false, false
}
