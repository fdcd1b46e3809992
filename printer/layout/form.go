package layout

import (
	"errors"
	"fmt"
	"image"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// Form is a prefilled application form (package forms) ready to lay out: its rows are
// the form's fields with the card's values filled in and the others blank.
type Form struct {
	ID           string // the form's id (names the PDF)
	Title        string // e.g. 転入届
	Municipality string // e.g. 見本市
	Rows         []FormRow
	Stamp        string // the QR code's text: the signed stamp (forms.Seal), or a receipt's number
	Made         string // when and where it was made, printed beside the QR code
	// Receipt: a receipt of an electronic application, not a form to fill in: no lead,
	// no addressee, no date line or signature box; Note is printed under the rows.
	Receipt bool
	Note    string
}

// FormRow is one box of a form.
type FormRow struct {
	Label    string
	Value    string // "" with !FromCard: a blank box written in by hand
	FromCard bool   // the value was read from the card (and checked against its signature)
	Lines    int    // the box's height in lines (≥ 1)
}

// Texts printed on every form (ja, as the counter's forms are).
const (
	formLead      = "カードから読み取った項目は記入済みです。空欄はご自身でご記入ください。"
	formFromCard  = "（カードから）"
	formSignLabel = "署名（自署）"
	formDateLabel = "記入日　　　　　年　　　月　　　日"
	formQRNote    = "窓口でこの二次元コードを読み取ります（作成当日のみ有効）。"
	receiptQRNote = "お問い合わせの際は、この受付控（申請番号）をお持ちください。"
)

func validateForm(f Form) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: form: "+format, append([]any{ErrInvalidContent}, a...)...)
	}
	if strings.TrimSpace(f.Title) == "" || strings.TrimSpace(f.Stamp) == "" || len(f.Rows) == 0 {
		return bad("title, stamp and rows are required")
	}
	fields := []string{f.Title, f.Municipality, f.Made, f.Note}
	for _, r := range f.Rows {
		if strings.Contains(r.Label, "個人番号") || strings.Contains(r.Label, "マイナンバー") {
			return bad("a My Number is never printed")
		}
		fields = append(fields, r.Label, r.Value)
	}
	for _, s := range fields {
		if err := printable(s); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// planForm lays f out on one page of geometry g: title, the boxes, the signature box,
// and the QR code with its note at the bottom.
func (l *Layout) planForm(f Form, g geometry) ([]page, error) {
	if err := validateForm(f); err != nil {
		return nil, err
	}
	qr, err := qrcode.New(f.Stamp, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("layout: form qr code: %w", err)
	}
	qr.DisableBorder = true
	m := newMetrics(l)
	lh := func(pt float64) float64 { return pt * mmPerPt * g.lineGap }
	inner := g.w - 2*g.margin
	valueW := inner - g.labelW
	qrSide := g.qr * 1.4 // a stamp carries more than a certificate's number

	var ops []op
	y := g.margin + lh(g.titlePt)*0.8
	ops = append(ops, op{kind: opText, x: g.margin + (inner-m.width(f.Title, g.titlePt))/2, y: y, pt: g.titlePt, text: f.Title})
	if l.opts.Sample {
		w := m.width("見本", g.titlePt)
		ops = append(ops, op{kind: opText, x: g.w - g.margin - w, y: y, pt: g.titlePt, text: "見本"},
			op{kind: opRect, x: g.w - g.margin - w - 0.8, y: y - g.titlePt*mmPerPt, w: w + 1.6, h: g.titlePt * mmPerPt * 1.25, lineW: 0.4})
	}
	y += lh(g.smallPt) * 1.5
	if f.Receipt {
		ops = append(ops, op{kind: opText, x: g.margin, y: y, pt: g.bodyPt, text: f.Municipality})
	} else {
		ops = append(ops, op{kind: opText, x: g.margin, y: y, pt: g.bodyPt, text: f.Municipality + "長　様"})
		for _, t := range m.wrap(formLead, g.smallPt, inner) {
			y += lh(g.smallPt)
			ops = append(ops, op{kind: opText, x: g.margin, y: y, pt: g.smallPt, text: t})
		}
	}
	y += lh(g.smallPt)

	bottom := g.h - g.margin - qrSide - 3
	for _, r := range f.Rows {
		ll := m.wrap(r.Label, g.bodyPt, g.labelW-2*g.pad)
		if r.FromCard {
			ll = append(ll, m.wrap(formFromCard, g.smallPt, g.labelW-2*g.pad)...)
		}
		vl := m.wrap(r.Value, g.bodyPt, valueW-2*g.pad)
		n := max(len(ll), len(vl), r.Lines, 1)
		h := float64(n)*lh(g.bodyPt) + 2*g.pad
		if y+h > bottom {
			return nil, fmt.Errorf("%w: form %s does not fit on one page (%s)", ErrInvalidContent, f.ID, g.name)
		}
		ops = append(ops, op{kind: opFill, x: g.margin, y: y, w: g.labelW, h: h, shade: 235},
			op{kind: opRect, x: g.margin, y: y, w: g.labelW, h: h, lineW: 0.3},
			op{kind: opRect, x: g.margin + g.labelW, y: y, w: valueW, h: h, lineW: 0.3})
		base := func(i int) float64 { return y + g.pad + float64(i+1)*lh(g.bodyPt) - lh(g.bodyPt)*0.25 }
		for i, t := range ll {
			pt := g.bodyPt
			if r.FromCard && i == len(ll)-1 {
				pt = g.smallPt
			}
			ops = append(ops, op{kind: opText, x: g.margin + g.pad, y: base(i), pt: pt, text: t})
		}
		for i, t := range vl {
			ops = append(ops, op{kind: opText, x: g.margin + g.labelW + g.pad, y: base(i), pt: g.bodyPt, text: t})
		}
		y += h
	}

	if f.Receipt {
		y += lh(g.bodyPt)
		for _, t := range m.wrap(f.Note, g.bodyPt, inner) {
			if y+lh(g.bodyPt) > bottom {
				return nil, fmt.Errorf("%w: receipt %s does not fit on one page (%s)", ErrInvalidContent, f.ID, g.name)
			}
			y += lh(g.bodyPt)
			ops = append(ops, op{kind: opText, x: g.margin, y: y, pt: g.bodyPt, text: t})
		}
		return []page{{ops: append(ops, l.formFooter(f, g, m, qr.Bitmap(), qrSide)...)}}, nil
	}

	// The date and the signature box.
	signH := 3*lh(g.bodyPt) + 2*g.pad
	if y+lh(g.bodyPt)*2+signH > bottom {
		return nil, fmt.Errorf("%w: form %s does not fit on one page (%s)", ErrInvalidContent, f.ID, g.name)
	}
	y += lh(g.bodyPt) * 1.5
	ops = append(ops, op{kind: opText, x: g.margin, y: y, pt: g.bodyPt, text: formDateLabel})
	y += lh(g.bodyPt) * 0.5
	ops = append(ops, op{kind: opFill, x: g.margin, y: y, w: g.labelW, h: signH, shade: 235},
		op{kind: opRect, x: g.margin, y: y, w: g.labelW, h: signH, lineW: 0.3},
		op{kind: opRect, x: g.margin + g.labelW, y: y, w: valueW, h: signH, lineW: 0.5},
		op{kind: opText, x: g.margin + g.pad, y: y + g.pad + lh(g.bodyPt)*0.75, pt: g.bodyPt, text: formSignLabel})

	return []page{{ops: append(ops, l.formFooter(f, g, m, qr.Bitmap(), qrSide)...)}}, nil
}

// formFooter is the QR code at the foot of the page and what it is.
func (l *Layout) formFooter(f Form, g geometry, m *metrics, mods [][]bool, qrSide float64) []op {
	lh := func(pt float64) float64 { return pt * mmPerPt * g.lineGap }
	fy := g.h - g.margin - qrSide
	ops := []op{{kind: opLine, x: g.margin, y: fy - 1.5, w: g.w - g.margin, h: fy - 1.5, lineW: 0.2},
		{kind: opQR, x: g.margin, y: fy, w: qrSide, mods: mods}}
	tx := g.margin + qrSide + 2
	ly := fy + lh(g.smallPt)
	note := formQRNote
	if f.Receipt {
		note = receiptQRNote
	}
	for _, t := range append(m.wrap(note, g.smallPt, g.w-g.margin-tx), m.wrap(f.Made, g.smallPt, g.w-g.margin-tx)...) {
		ops = append(ops, op{kind: opText, x: tx, y: ly, pt: g.smallPt, text: t})
		ly += lh(g.smallPt)
	}
	return ops
}

// FormPDF lays f out on one A4 page and returns the PDF.
func (l *Layout) FormPDF(f Form) ([]byte, error) {
	pages, err := l.planForm(f, a4)
	if err != nil {
		return nil, err
	}
	return l.writePDF(pages, f.Title+" "+f.ID, false)
}

// FormRaster lays f out for the thermal printer: one 1-bit page.
func (l *Layout) FormRaster(f Form) (*image.Gray, error) {
	g := thermal(l.opts.ThermalDots)
	pages, err := l.planForm(f, g)
	if err != nil {
		return nil, err
	}
	imgs, err := l.rasterPages(pages, g, nil)
	if err != nil {
		return nil, err
	}
	if len(imgs) != 1 {
		return nil, errors.New("layout: form: not one page")
	}
	return imgs[0], nil
}
