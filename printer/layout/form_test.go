package layout_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

// sampleForm is a 転入届 as the kiosk fills it from the default virtual card. Its stamp
// is fixed text (a real one carries an ECDSA signature, which differs each time).
func sampleForm() layout.Form {
	return layout.Form{ID: "tennyu", Title: "転入届", Municipality: "見本市",
		Rows: []layout.FormRow{
			{Label: "氏名", Value: "見本 花子", FromCard: true, Lines: 1},
			{Label: "生年月日", Value: "1990年1月2日", FromCard: true, Lines: 1},
			{Label: "性別", Value: "女", FromCard: true, Lines: 1},
			{Label: "新しい住所", Value: "東京都千代田区霞が関二丁目1番2号", FromCard: true, Lines: 2},
			{Label: "前の住所", Lines: 2},
			{Label: "転入した日", Lines: 1},
			{Label: "世帯主の氏名", Lines: 1},
			{Label: "電話番号", Lines: 1},
		},
		Stamp: "MDGF1|139998|tennyu|demo-kiosk-1|2026-11-26T19:30:00+09:00|見本 花子|東京都千代田区霞が関二丁目1番2号|19900102|2|" +
			strings.Repeat("A", 96),
		Made: "作成 2026年11月26日 19:30　端末 demo-kiosk-1",
	}
}

func TestFormGolden(t *testing.T) {
	l := newLayout(t)
	f := sampleForm()
	pdf, err := l.FormPDF(f)
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.FormPDF(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pdf, again) {
		t.Fatal("form PDF is not deterministic")
	}
	golden(t, "a4-form-tennyu.pdf", pdf)

	img, err := l.FormRaster(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range img.Pix {
		if v != 0 && v != 255 {
			t.Fatalf("form raster not 1-bit: %d", v)
		}
	}
	if *update {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		golden(t, "raster-form-tennyu.png", b.Bytes())
		return
	}
	if err := printertest.SameImage(readPNG(t, filepath.Join("testdata", "raster-form-tennyu.png")), img); err != nil {
		t.Errorf("raster-form-tennyu.png: %v", err)
	}
}

// TestFormReadable reads the form back with poppler: one A4 page with the title, the
// facts, the blank boxes' labels and the signature box.
func TestFormReadable(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	l := newLayout(t)
	f := sampleForm()
	pdf, err := l.FormPDF(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "form.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil || !strings.Contains(string(info), "A4") || !regexp.MustCompile(`(?m)^Pages:\s+1$`).Match(info) {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	text := strings.Join(strings.Fields(string(txt)), "")
	for _, w := range []string{"転入届", "見本花子", "1990年1月2日", "東京都千代田区霞が関二丁目1番2号", "前の住所", "転入した日",
		"署名（自署）", "（カードから）", "作成当日のみ有効", "見本"} {
		if !strings.Contains(text, w) {
			t.Errorf("extracted text lacks %q", w)
		}
	}
}

func TestFormRefused(t *testing.T) {
	l := newLayout(t)
	tall := sampleForm()
	for i := range 12 {
		tall.Rows = append(tall.Rows, layout.FormRow{Label: "欄" + string(rune('A'+i)), Lines: 8})
	}
	tests := []struct {
		name string
		edit func(*layout.Form)
	}{
		{"too tall", func(f *layout.Form) { *f = tall }},
		{"no stamp", func(f *layout.Form) { f.Stamp = "" }},
		{"my number row", func(f *layout.Form) { f.Rows[4].Label = "個人番号" }},
		{"control in a value", func(f *layout.Form) { f.Rows[0].Value = "見本\x1b[2J" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleForm()
			tc.edit(&f)
			if _, err := l.FormPDF(f); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("PDF: %v, want ErrInvalidContent", err)
			}
			if _, err := l.FormRaster(f); !errors.Is(err, layout.ErrInvalidContent) {
				t.Errorf("raster: %v, want ErrInvalidContent", err)
			}
		})
	}
}

// sampleApplicationReceipt is the receipt of an electronic 転出届.
func sampleApplicationReceipt() layout.Form {
	return layout.Form{ID: "receipt-K1-APP-000001", Title: "電子申請 受付控", Municipality: "見本市", Receipt: true,
		Rows: []layout.FormRow{
			{Label: "申請番号", Value: "K1-APP-000001", Lines: 1},
			{Label: "申請書", Value: "転出届", Lines: 1},
			{Label: "署名した日時", Value: "2026年11月26日 19:30", Lines: 1},
			{Label: "転出予定日", Value: "2026年12月20日", Lines: 1},
		},
		Note:  "この申請はマイナンバーカードの署名用電子証明書で署名され、見本市に送られます。受付の結果は市からお知らせします。",
		Stamp: "K1-APP-000001",
		Made:  "作成 2026年11月26日 19:30　端末 demo-kiosk-1",
	}
}

func TestApplicationReceiptGolden(t *testing.T) {
	l := newLayout(t)
	pdf, err := l.FormPDF(sampleApplicationReceipt())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "a4-application-receipt.pdf", pdf)
	text := pdfText(t, pdf)
	for _, w := range []string{"電子申請受付控", "K1-APP-000001", "転出届", "受付の結果は市からお知らせします"} {
		if !strings.Contains(text, w) {
			t.Errorf("receipt lacks %q", w)
		}
	}
	for _, w := range []string{"署名（自署）", "長様"} {
		if strings.Contains(text, w) {
			t.Errorf("receipt carries the form's %q", w)
		}
	}
}
