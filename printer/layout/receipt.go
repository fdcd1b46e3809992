package layout

import (
	"fmt"
	"image"
	"strings"
	"unicode"

	"golang.org/x/image/font/sfnt"

	"madoguchi/internal/i18n"
)

// Receipt is a 領収書 for the fee the kiosk took for one issuance. It names no one: no
// name, no address, nothing read from the card; what identifies the payment is the
// issuance number (交付番号) printed on the certificate too.
type Receipt struct {
	Title          string // the certificate's title, e.g. 住民票の写し
	Copies         int    // ≥ 1
	Amount         int64  // yen, > 0
	Date           string // when it was paid, as printed, e.g. "2026-11-26 10:30 JST"
	IssuanceNumber string
	KioskID        string
	Municipality   string // the issuer the fee is for, e.g. 見本市
	// Lang is the resident's language (a BCP 47 tag of internal/i18n): each label is
	// printed in Japanese and in it; in English when it is Japanese, English or unknown,
	// or when the printer's font lacks a letter of its text (IPAex Gothic has no Hangul,
	// no Devanagari, not every simplified Chinese character: Layout.Covers).
	Lang string
}

// receiptText is one line or label of the receipt in Japanese and English; the other
// languages translate the English (internal/i18n's catalogs, source.json).
type receiptText struct{ ja, en string }

// receiptTexts lists every text of the receipt (receiptLang checks them all).
var receiptTexts = []receiptText{rcpTitle, rcpFeeOne, rcpFeeMany, rcpFor, rcpDate, rcpNumber, rcpKiosk, rcpPayee, rcpReceived}

// receiptLang is the language of the receipt's second texts for a resident's lang:
// English for Japanese, an unknown language, one not wholly translated, or one whose
// texts the font cannot draw.
func (l *Layout) receiptLang(lang string) string {
	if lang == i18n.Native || !i18n.Known(lang) {
		return i18n.Source
	}
	for _, t := range receiptTexts {
		s, ok := i18n.Text(lang, t.en)
		if lang != i18n.Source && (!ok || !l.Covers(s)) {
			return i18n.Source
		}
	}
	return lang
}

// ReceiptLanguage is the language a receipt for a resident reading lang is printed in
// beside Japanese (see Receipt.Lang).
func (l *Layout) ReceiptLanguage(lang string) string { return l.receiptLang(lang) }

// second is t's text in the receipt's second language (receiptLang).
func (t receiptText) second(lang string) string { return i18n.Pick(lang, t.ja, t.en) }

// both is t's Japanese and its second text, two spaces apart.
func (t receiptText) both(lang string) string {
	return t.ja + "  " + t.second(lang)
}

// Covers reports whether the font has a glyph for every letter of s.
func (l *Layout) Covers(s string) bool {
	var b sfnt.Buffer
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		if gi, err := l.font.GlyphIndex(&b, r); err != nil || gi == 0 {
			return false
		}
	}
	return true
}

// The receipt's texts. The rows' values stay Japanese: the certificate's title and the
// fee line are what the municipality's books say.
var (
	rcpTitle    = receiptText{"領収書", "RECEIPT"}
	rcpFeeOne   = receiptText{"", "(%s yen, certificate fee for 1 copy)"}
	rcpFeeMany  = receiptText{"", "(%s yen, certificate fee for %d copies)"}
	rcpFor      = receiptText{"但し", "For"}
	rcpDate     = receiptText{"日時", "Date"}
	rcpNumber   = receiptText{"交付番号", "No."}
	rcpKiosk    = receiptText{"端末", "Kiosk"}
	rcpPayee    = receiptText{"宛先", "Payee"}
	rcpReceived = receiptText{"上記の金額を証明書の交付手数料として領収しました。この用紙は証明書ではありません。",
		"Received with thanks for the certificate fee. This receipt is not a certificate."}
)

// Validate reports why r cannot be printed, or nil.
func (r Receipt) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: receipt: "+format, append([]any{ErrInvalidContent}, a...)...)
	}
	switch {
	case r.Amount <= 0:
		return bad("amount %d, want more than 0 yen", r.Amount)
	case r.Copies < 1:
		return bad("%d copies", r.Copies)
	case strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.IssuanceNumber) == "" ||
		strings.TrimSpace(r.KioskID) == "" || strings.TrimSpace(r.Date) == "":
		return bad("title, issuance number, kiosk and date are required")
	}
	for _, f := range []struct{ name, v string }{{"title", r.Title}, {"date", r.Date},
		{"issuance number", r.IssuanceNumber}, {"kiosk", r.KioskID}, {"municipality", r.Municipality}} {
		if err := printable(f.v); err != nil || strings.Contains(f.v, "\n") {
			return bad("%s: not one printable line", f.name)
		}
	}
	return nil
}

// ReceiptPDF lays r out at the top of one A4 page.
func (l *Layout) ReceiptPDF(r Receipt) ([]byte, error) {
	p, err := l.receiptPlan(r, a4, 125)
	if err != nil {
		return nil, err
	}
	return l.writePDF([]page{p}, "領収書 "+r.IssuanceNumber, false)
}

// ReceiptRaster lays r out for the thermal printer: one 1-bit image, ThermalDots wide
// and as long as the receipt.
func (l *Layout) ReceiptRaster(r Receipt) (*image.Gray, error) {
	g := thermal(l.opts.ThermalDots)
	g.h = receiptThermalMM
	p, err := l.receiptPlan(r, g, g.h)
	if err != nil {
		return nil, err
	}
	imgs, err := l.rasterPages([]page{p}, g, nil)
	if err != nil {
		return nil, err
	}
	return imgs[0], nil
}

// receiptThermalMM is the length of a thermal receipt.
const receiptThermalMM = 72

// receiptPlan draws the receipt inside a frame h mm tall from the top margin: title,
// amount, the rows, the note that it is no certificate.
func (l *Layout) receiptPlan(r Receipt, g geometry, h float64) (page, error) {
	if err := r.Validate(); err != nil {
		return page{}, err
	}
	r.Lang = l.receiptLang(r.Lang)
	m := newMetrics(l.font)
	lh := func(pt float64) float64 { return pt * mmPerPt * g.lineGap }
	inner := g.w - 2*g.margin
	var ops []op
	frameH := h - 2*g.margin
	ops = append(ops, op{kind: opRect, x: g.margin, y: g.margin, w: inner, h: frameH, lineW: 0.4})
	pad := g.pad * 2
	x0, w := g.margin+pad, inner-2*pad
	center := func(s string, pt, y float64) {
		ops = append(ops, op{kind: opText, x: g.margin + (inner-m.width(s, pt))/2, y: y, pt: pt, text: s})
	}
	y := g.margin + pad + lh(g.titlePt)*0.8
	center(rcpTitle.both(r.Lang), g.titlePt, y)
	if l.opts.Sample {
		ops = append(ops, op{kind: opText, x: g.w - g.margin - pad - m.width("見本", g.bodyPt), y: y, pt: g.bodyPt, text: "見本"})
	}
	y += lh(g.titlePt) * 1.2
	amount := "金 " + yenDigits(r.Amount) + " 円"
	center(amount, g.titlePt*1.2, y)
	ops = append(ops, op{kind: opLine, x: g.margin + inner*0.2, y: y + 1.5, w: g.margin + inner*0.8, h: y + 1.5, lineW: 0.3})
	y += lh(g.bodyPt) * 1.6
	fee := fmt.Sprintf(rcpFeeMany.second(r.Lang), yenDigits(r.Amount), r.Copies)
	if r.Copies == 1 {
		fee = fmt.Sprintf(rcpFeeOne.second(r.Lang), yenDigits(r.Amount))
	}
	center(fee, g.smallPt, y)
	y += lh(g.bodyPt) * 1.4
	label := func(t receiptText) string { return t.ja + " " + t.second(r.Lang) }
	rows := [][2]string{
		{label(rcpFor), fmt.Sprintf("%s %d通 交付手数料", r.Title, r.Copies)},
		{label(rcpDate), r.Date},
		{label(rcpNumber), r.IssuanceNumber},
		{label(rcpKiosk), r.KioskID},
	}
	if r.Municipality != "" {
		rows = append(rows, [2]string{label(rcpPayee), r.Municipality})
	}
	labelW := min(g.labelW, w*0.42)
	for _, row := range rows {
		vl := m.wrap(row[1], g.bodyPt, w-labelW)
		ops = append(ops, op{kind: opText, x: x0, y: y, pt: g.bodyPt, text: fitWidth(m, row[0], g.bodyPt, labelW-1)})
		for i, t := range vl {
			ops = append(ops, op{kind: opText, x: x0 + labelW, y: y + float64(i)*lh(g.bodyPt), pt: g.bodyPt, text: t})
		}
		y += float64(max(len(vl), 1)) * lh(g.bodyPt)
	}
	y += lh(g.smallPt) * 0.6
	for _, t := range m.wrap(rcpReceived.ja+" "+rcpReceived.second(r.Lang), g.smallPt, w) {
		ops = append(ops, op{kind: opText, x: x0, y: y, pt: g.smallPt, text: t})
		y += lh(g.smallPt)
	}
	if y > g.margin+frameH {
		return page{}, fmt.Errorf("layout: receipt does not fit %.0f mm (%s)", h, g.name)
	}
	return page{ops: ops}, nil
}

// yenDigits writes n with thousands separators: 1,200.
func yenDigits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
