package layout

import (
	"fmt"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"madoguchi/center"
)

// geometry is a page format, in millimetres and points.
type geometry struct {
	name                     string
	w, h, margin             float64
	titlePt, bodyPt, smallPt float64
	microPt                  float64
	labelW                   float64
	pad                      float64 // cell padding
	qr, seal                 float64
	lineGap                  float64 // line height = pt*mmPerPt*lineGap
	tileW, tileH             float64 // background tile
	patternPt                float64 // 複写 size in the tile
}

var a4 = geometry{
	name: "A4", w: 210, h: 297, margin: 18,
	titlePt: 20, bodyPt: 10.5, smallPt: 7.5, microPt: 2.2,
	labelW: 44, pad: 1.6, qr: 22, seal: 24, lineGap: 1.35,
	tileW: 58, tileH: 32, patternPt: 40,
}

func thermal(dots int) geometry {
	w := float64(dots) / DotsPerMM
	return geometry{
		name: "thermal", w: w, h: 240, margin: 2,
		titlePt: 14, bodyPt: 8, smallPt: 6, microPt: 3,
		labelW: w * 0.3, pad: 1, qr: 20, seal: 16, lineGap: 1.3,
		tileW: 36, tileH: 20, patternPt: 26,
	}
}

type opKind int

const (
	opText    opKind = iota // text with baseline at (x, y)
	opLine                  // from (x, y) to (w, h)
	opRect                  // stroked box
	opFill                  // filled box (gray level in shade)
	opQR                    // QR modules in mods, box (x, y, w)
	opSeal                  // seal box (x, y, w): image or drawn
	opPattern               // background pattern over (x, y, w, h)
)

type op struct {
	kind       opKind
	x, y, w, h float64
	pt         float64 // text size
	text       string
	runs       []run   // text in several fonts (nil: text is Japanese, split at drawing)
	red        bool    // seal colour (PDF only)
	shade      uint8   // fill gray level
	lineW      float64 // stroke width in mm
	mods       [][]bool
}

type page struct{ ops []op }

// block is a body element that is never split across pages.
type block struct {
	h    float64
	draw func(y float64) []op
}

// A group is the blocks of one section (its heading and rows: one person's record on
// a 住民票 or 戸籍) or of the closing block. A group that fits on a page is never split:
// it moves whole to the next page when it does not fit below what is there.
type group []block

func (g group) height() float64 {
	var h float64
	for _, b := range g {
		h += b.h
	}
	return h
}

// slot places block b of group g at y on a page.
type slot struct {
	g, b int
	y    float64
}

// paginate places the groups on pages whose body runs from top to bottom, in order.
// A group taller than a page flows block by block, its heading kept with its first row.
// A block taller than a page is an error.
func paginate(groups []group, top, bottom float64) ([][]slot, error) {
	var pages [][]slot
	var cur []slot
	y := top
	room := bottom - top
	newPage := func() {
		if len(cur) > 0 {
			pages = append(pages, cur)
			cur, y = nil, top
		}
	}
	place := func(gi, from, to int) {
		for bi := from; bi < to; bi++ {
			cur = append(cur, slot{gi, bi, y})
			y += groups[gi][bi].h
		}
	}
	for gi, g := range groups {
		if h := g.height(); h <= room {
			if y+h > bottom {
				newPage()
			}
			place(gi, 0, len(g))
			continue
		}
		for bi := 0; bi < len(g); {
			n := 1 // blocks kept together: a heading (first block) with the row after it
			if bi == 0 && len(g) > 1 && g[0].h+g[1].h <= room {
				n = 2
			}
			var h float64
			for _, b := range g[bi : bi+n] {
				h += b.h
			}
			if h > room {
				return nil, fmt.Errorf("%w: a row is taller than a page", ErrInvalidContent)
			}
			if y+h > bottom {
				newPage()
			}
			place(gi, bi, bi+n)
			bi += n
		}
	}
	return append(pages, cur), nil
}

func (l *Layout) qrText(c center.Content) string {
	if l.opts.VerifyURL == "" {
		return "madoguchi:verify:" + c.IssuanceNumber + ":" + c.VerificationCode
	}
	v := url.Values{"n": {c.IssuanceNumber}, "c": {c.VerificationCode}}
	sep := "?"
	if strings.Contains(l.opts.VerifyURL, "?") {
		sep = "&"
	}
	return l.opts.VerifyURL + sep + v.Encode()
}

// plan lays c out on pages of geometry g.
func (l *Layout) plan(c center.Content, g geometry) ([]page, error) {
	if err := Validate(c); err != nil {
		return nil, err
	}
	m := newMetrics(l)
	qr, err := qrcode.New(l.qrText(c), qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("layout: qr code: %w", err)
	}
	qr.DisableBorder = true
	mods := qr.Bitmap()

	lh := func(pt float64) float64 { return pt * mmPerPt * g.lineGap }
	inner := g.w - 2*g.margin

	// Header: title, municipality line, microprint rule.
	headerH := lh(g.titlePt) + lh(g.smallPt) + lh(g.microPt) + 2
	// Footer: QR code at the left, text lines to its right.
	noteW := inner - g.qr - 2
	noteLines := m.wrap(c.KioskNote, g.smallPt, noteW)
	footerTextH := float64(3+len(noteLines)) * lh(g.smallPt)
	footerH := max(g.qr, footerTextH) + 3
	bodyTop := g.margin + headerH
	bodyBottom := g.h - g.margin - footerH
	if bodyBottom-bodyTop < 40 {
		return nil, fmt.Errorf("layout: page %s too small", g.name)
	}

	var groups []group
	valueW := inner - g.labelW
	for _, s := range c.Sections {
		var blocks group
		if s.Heading != "" {
			hl := m.wrap(s.Heading, g.bodyPt, inner-2*g.pad)
			h := float64(len(hl))*lh(g.bodyPt) + 2*g.pad
			blocks = append(blocks, block{h: h, draw: func(y float64) []op {
				ops := []op{{kind: opFill, x: g.margin, y: y, w: inner, h: h, shade: 225},
					{kind: opRect, x: g.margin, y: y, w: inner, h: h, lineW: 0.2}}
				for i, t := range hl {
					ops = append(ops, op{kind: opText, x: g.margin + g.pad, y: y + g.pad + float64(i+1)*lh(g.bodyPt) - lh(g.bodyPt)*0.25, pt: g.bodyPt, text: t})
				}
				return ops
			}})
		}
		for _, r := range s.Rows {
			ll := m.wrap(r.Label, g.bodyPt, g.labelW-2*g.pad)
			vl := m.wrap(r.Value, g.bodyPt, valueW-2*g.pad)
			n := max(len(ll), len(vl))
			h := float64(n)*lh(g.bodyPt) + 2*g.pad
			blocks = append(blocks, block{h: h, draw: func(y float64) []op {
				ops := []op{{kind: opRect, x: g.margin, y: y, w: g.labelW, h: h, lineW: 0.2},
					{kind: opRect, x: g.margin + g.labelW, y: y, w: valueW, h: h, lineW: 0.2}}
				base := func(i int) float64 { return y + g.pad + float64(i+1)*lh(g.bodyPt) - lh(g.bodyPt)*0.25 }
				for i, t := range ll {
					ops = append(ops, op{kind: opText, x: g.margin + g.pad, y: base(i), pt: g.bodyPt, text: t})
				}
				for i, t := range vl {
					ops = append(ops, op{kind: opText, x: g.margin + g.labelW + g.pad, y: base(i), pt: g.bodyPt, text: t})
				}
				return ops
			}})
		}
		groups = append(groups, blocks)
	}

	// Closing block: certification, date, issuer and seal; kept together.
	cl := m.wrap(c.Certification, g.bodyPt, inner)
	closeH := lh(g.bodyPt)*float64(len(cl)+2) + lh(g.bodyPt) + g.seal + 2
	groups = append(groups, group{{h: closeH, draw: func(y float64) []op {
		var ops []op
		yy := y + lh(g.bodyPt)*1.5
		for _, t := range cl {
			ops = append(ops, op{kind: opText, x: g.margin, y: yy, pt: g.bodyPt, text: t})
			yy += lh(g.bodyPt)
		}
		yy += lh(g.bodyPt)
		ops = append(ops, op{kind: opText, x: g.margin + 4, y: yy, pt: g.bodyPt, text: c.IssuedOn})
		yy += lh(g.bodyPt) + g.seal*0.5
		issuerPt := g.bodyPt * 1.2
		iw := m.width(c.Issuer, issuerPt)
		sealX := g.w - g.margin - g.seal
		ops = append(ops, op{kind: opText, x: sealX + g.seal*0.15 - iw, y: yy, pt: issuerPt, text: c.Issuer})
		ops = append(ops, op{kind: opSeal, x: sealX, y: yy - g.seal*0.65, w: g.seal, text: sealText(c), red: true})
		return ops
	}}})

	pagesBlocks, err := paginate(groups, bodyTop+1, bodyBottom)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, g.name)
	}

	total := len(pagesBlocks)
	pages := make([]page, total)
	micro := strings.Repeat("MADOGUCHI "+c.IssuanceNumber+" ", 40)
	for i, pb := range pagesBlocks {
		var ops []op
		ops = append(ops, op{kind: opPattern, x: g.margin, y: g.margin, w: inner, h: g.h - 2*g.margin})
		// header
		title := c.Title
		if i > 0 {
			title += "（続き）"
		}
		ty := g.margin + lh(g.titlePt)*0.8
		ops = append(ops, op{kind: opText, x: g.margin + (inner-m.width(title, g.titlePt))/2, y: ty, pt: g.titlePt, text: title})
		if l.opts.Sample {
			ops = append(ops, op{kind: opText, x: g.w - g.margin - m.width("見本", g.titlePt), y: ty, pt: g.titlePt, text: "見本"})
			ops = append(ops, op{kind: opRect, x: g.w - g.margin - m.width("見本", g.titlePt) - 0.8, y: ty - g.titlePt*mmPerPt, w: m.width("見本", g.titlePt) + 1.6, h: g.titlePt * mmPerPt * 1.25, lineW: 0.4})
		}
		my := ty + lh(g.smallPt)
		ops = append(ops, op{kind: opText, x: g.margin, y: my, pt: g.smallPt, text: c.Municipality})
		mic := fitWidth(m, micro, g.microPt, inner)
		ops = append(ops, op{kind: opText, x: g.margin, y: my + lh(g.microPt) + 0.5, pt: g.microPt, text: mic})
		// body
		for _, sl := range pb {
			ops = append(ops, groups[sl.g][sl.b].draw(sl.y)...)
		}
		// footer
		fy := g.h - g.margin - footerH + 2
		ops = append(ops, op{kind: opLine, x: g.margin, y: fy - 1, w: g.w - g.margin, h: fy - 1, lineW: 0.2})
		ops = append(ops, op{kind: opQR, x: g.margin, y: fy, w: g.qr, mods: mods})
		tx := g.margin + g.qr + 2
		ly := fy + lh(g.smallPt)
		ops = append(ops, op{kind: opText, x: tx, y: ly, pt: g.smallPt, text: "交付番号 " + c.IssuanceNumber})
		pg := fmt.Sprintf("%d / %d", i+1, total)
		ops = append(ops, op{kind: opText, x: g.w - g.margin - m.width(pg, g.smallPt), y: ly, pt: g.smallPt, text: pg})
		ly += lh(g.smallPt)
		ops = append(ops, op{kind: opText, x: tx, y: ly, pt: g.smallPt, text: "照合コード " + c.VerificationCode})
		for _, t := range noteLines {
			ly += lh(g.smallPt)
			ops = append(ops, op{kind: opText, x: tx, y: ly, pt: g.smallPt, text: t})
		}
		pages[i] = page{ops: ops}
	}
	return pages, nil
}

// fitWidth truncates Japanese text s to at most w mm.
func fitWidth(m *metrics, s string, pt, w float64) string {
	var b strings.Builder
	for _, r := range fitRuns(m, m.runs(s), pt, w) {
		b.WriteString(r.s)
	}
	return b.String()
}

// fitRuns truncates rs to at most w mm.
func fitRuns(m *metrics, rs []run, pt, w float64) []run {
	ls := m.letters(rs)
	var cur float64
	for i, a := range ls.adv {
		cur += a / ls.upem[i] * pt * mmPerPt
		if cur > w {
			return ls.slice(0, i)
		}
	}
	return rs
}

// sealText is the legend of the drawn seal: the municipality followed by 長之印.
func sealText(c center.Content) string {
	mu := strings.TrimSpace(c.Municipality)
	if mu == "" {
		return "之印"
	}
	return mu + "長之印"
}
