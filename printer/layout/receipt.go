package layout

import (
	"fmt"
	"image"
	"slices"
	"strings"

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
	// or when no loaded font has a letter of its text (a fallback font not installed:
	// Layout.ReceiptLanguageReason says which and its package).
	Lang string
}

// receiptText is one line or label of the receipt in Japanese and English; the other
// languages translate the English (internal/i18n's catalogs, source.json).
type receiptText struct{ ja, en string }

// receiptTexts lists every text of the receipt (receiptLang checks them all).
var receiptTexts = []receiptText{rcpTitle, rcpFeeOne, rcpFeeMany, rcpFor, rcpDate, rcpNumber, rcpKiosk, rcpPayee, rcpReceived}

// receiptLang is the language of the receipt's second texts for a resident's lang:
// English for Japanese, an unknown language, one not wholly translated, or one whose
// texts the fonts cannot draw (ReceiptLanguageReason says why).
func (l *Layout) receiptLang(lang string) string {
	got, _ := l.ReceiptLanguageReason(lang)
	return got
}

// ReceiptLanguage is the language a receipt for a resident reading lang is printed in
// beside Japanese (see Receipt.Lang).
func (l *Layout) ReceiptLanguage(lang string) string { return l.receiptLang(lang) }

// ReceiptLanguageReason is ReceiptLanguage and, when that is English for a language
// other than Japanese and English, why: not one of the kiosk's languages, a text not
// translated, or letters no loaded font has (naming the missing fallback font for the
// language and its Debian package, when one is). Never an error for ja and en.
func (l *Layout) ReceiptLanguageReason(lang string) (string, error) {
	if lang == i18n.Native || lang == i18n.Source {
		return i18n.Source, nil
	}
	if !i18n.Known(lang) {
		return i18n.Source, fmt.Errorf("receipt: %q is not a language of the kiosk", lang)
	}
	var missing []rune
	for _, t := range receiptTexts {
		s, ok := i18n.Text(lang, t.en)
		if !ok {
			return i18n.Source, fmt.Errorf("receipt in %s: %q is not translated", lang, t.en)
		}
		for _, r := range l.uncovered(s, lang) {
			if !slices.Contains(missing, r) {
				missing = append(missing, r)
			}
		}
	}
	if len(missing) == 0 {
		return lang, nil
	}
	var fonts []string
	for _, m := range l.problems() {
		if slices.Contains(m.Langs, lang) {
			fonts = append(fonts, m.err.Error())
		}
	}
	if len(fonts) == 0 {
		fonts = append(fonts, "no fallback font for them is configured")
	}
	return i18n.Source, fmt.Errorf("receipt in %s: no printer font has %q (%U): %s", lang, string(missing[:min(len(missing), 5)]), missing[0], strings.Join(fonts, "; "))
}

// second is t's text in the receipt's second language (receiptLang).
func (t receiptText) second(lang string) string { return i18n.Pick(lang, t.ja, t.en) }

// both is t's Japanese and its second text, sep apart, as runs.
func (t receiptText) both(m *metrics, lang, sep string) []run {
	return m.spans(span{t.ja + sep, i18n.Native}, span{t.second(lang), lang})
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
	m := newMetrics(l)
	second := func(s string) []run { return m.spans(span{s, r.Lang}) }
	lh := func(pt float64) float64 { return pt * mmPerPt * g.lineGap }
	inner := g.w - 2*g.margin
	var ops []op
	frameH := h - 2*g.margin
	ops = append(ops, op{kind: opRect, x: g.margin, y: g.margin, w: inner, h: frameH, lineW: 0.4})
	pad := g.pad * 2
	x0, w := g.margin+pad, inner-2*pad
	center := func(rs []run, pt, y float64) {
		ops = append(ops, op{kind: opText, x: g.margin + (inner-m.lineWidth(rs, pt))/2, y: y, pt: pt, runs: rs})
	}
	y := g.margin + pad + lh(g.titlePt)*0.8
	center(rcpTitle.both(m, r.Lang, "  "), g.titlePt, y)
	if l.opts.Sample {
		ops = append(ops, op{kind: opText, x: g.w - g.margin - pad - m.width("見本", g.bodyPt), y: y, pt: g.bodyPt, text: "見本"})
	}
	y += lh(g.titlePt) * 1.2
	amount := "金 " + yenDigits(r.Amount) + " 円"
	center(m.runs(amount), g.titlePt*1.2, y)
	ops = append(ops, op{kind: opLine, x: g.margin + inner*0.2, y: y + 1.5, w: g.margin + inner*0.8, h: y + 1.5, lineW: 0.3})
	y += lh(g.bodyPt) * 1.6
	fee := fmt.Sprintf(rcpFeeMany.second(r.Lang), yenDigits(r.Amount), r.Copies)
	if r.Copies == 1 {
		fee = fmt.Sprintf(rcpFeeOne.second(r.Lang), yenDigits(r.Amount))
	}
	center(second(fee), g.smallPt, y)
	y += lh(g.bodyPt) * 1.4
	type row struct {
		label []run
		value string
	}
	label := func(t receiptText) []run { return t.both(m, r.Lang, " ") }
	rows := []row{
		{label(rcpFor), fmt.Sprintf("%s %d通 交付手数料", r.Title, r.Copies)},
		{label(rcpDate), r.Date},
		{label(rcpNumber), r.IssuanceNumber},
		{label(rcpKiosk), r.KioskID},
	}
	if r.Municipality != "" {
		rows = append(rows, row{label(rcpPayee), r.Municipality})
	}
	labelW := min(g.labelW, w*0.42)
	for _, row := range rows {
		vl := m.wrap(row.value, g.bodyPt, w-labelW)
		// A label too wide for its column is set smaller (down to 3/4) before it is cut.
		lpt := g.bodyPt
		if lw := m.lineWidth(row.label, lpt); lw > labelW-1 {
			lpt = max(g.bodyPt*0.75, lpt*(labelW-1)/lw*0.999)
		}
		ops = append(ops, op{kind: opText, x: x0, y: y, pt: lpt, runs: fitRuns(m, row.label, lpt, labelW-1)})
		for i, t := range vl {
			ops = append(ops, op{kind: opText, x: x0 + labelW, y: y + float64(i)*lh(g.bodyPt), pt: g.bodyPt, text: t})
		}
		y += float64(max(len(vl), 1)) * lh(g.bodyPt)
	}
	y += lh(g.smallPt) * 0.6
	for _, t := range m.wrapRuns(rcpReceived.both(m, r.Lang, " "), g.smallPt, w) {
		ops = append(ops, op{kind: opText, x: x0, y: y, pt: g.smallPt, runs: t})
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
