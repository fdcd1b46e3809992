package printer

import (
	"strings"
	"time"

	"madoguchi/center"
)

// TestPage is a page that says, in both languages, that it is a printer test and not a
// certificate, with what identifies the kiosk (technician mode prints it).
type TestPage struct {
	KioskID, Location, Version string
}

// Job is the test page printed at now: one copy, its TxID "test-" and the UTC time.
func (tp TestPage) Job(now time.Time) Job {
	id := "test-" + now.UTC().Format("20060102T150405")
	c := center.Content{
		Type:         center.ResidentRecord, // the layout needs a known type; the title says what it is
		Title:        "印刷テスト TEST PAGE",
		Municipality: "証明書ではありません / NOT A CERTIFICATE",
		Sections: []center.Section{{Heading: "印刷テスト / Printer test", Rows: []center.Row{
			{Label: "端末 / Kiosk", Value: tp.KioskID},
			{Label: "設置場所 / Location", Value: tp.Location},
			{Label: "日時 / Time", Value: now.Format("2006-01-02 15:04:05 MST")},
			{Label: "版 / Version", Value: tp.Version},
			{Label: "文字 / Glyphs", Value: "あいうえお アイウエオ 漢字 ABC abc 0123456789"},
		}}},
		Certification:    "この用紙は印刷の確認用であり、証明書ではありません。 This page is a printer test, not a certificate.",
		IssuedOn:         now.Format("2006-01-02"),
		Issuer:           "TEST",
		IssuanceNumber:   strings.ToUpper(id),
		VerificationCode: "TEST-PAGE",
		KioskNote:        "印刷テスト / printer test",
	}
	return Job{TxID: id, Content: c, Copies: 1}
}
