package printer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/forms"
	"madoguchi/printer"
	"madoguchi/printer/file"
	"madoguchi/printer/layout"
)

func formJob() printer.FormJob {
	return printer.FormJob{Session: "s-0001", MunicipalityCode: "139998", MunicipalityName: "見本市", Kiosk: "k-1",
		Form: forms.Form{ID: "tennyu", Title: "転入届", Fields: []forms.Field{
			{Label: "氏名", Source: forms.SourceName}, {Label: "生年月日", Source: forms.SourceBirthDate},
			{Label: "前の住所", Lines: 2}}},
		Facts: forms.Facts{Name: "見本 花子", Address: "東京都千代田区", BirthDate: "19900102", Sex: "2"},
		At:    time.Date(2026, 12, 1, 10, 30, 15, 500, forms.JST)}
}

func TestFormLayout(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	job := formJob()
	f, err := printer.FormLayout(job, key)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		value    string
		fromCard bool
		lines    int
	}{{"見本 花子", true, 1}, {"1990年1月2日", true, 1}, {"", false, 2}}
	for i, w := range want {
		r := f.Rows[i]
		if r.Value != w.value || r.FromCard != w.fromCard || r.Lines != w.lines {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	st, err := forms.Verify(f.Stamp, key.Public(), job.At.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st.Facts != job.Facts || st.Form != "tennyu" || st.Kiosk != "k-1" || st.Municipality != "139998" ||
		!st.Time.Equal(job.At.Truncate(time.Second)) {
		t.Errorf("stamp %+v", st)
	}
	if _, err := forms.Verify(f.Stamp, key.Public(), job.At.Add(14*time.Hour)); !errors.Is(err, forms.ErrStampExpired) {
		t.Errorf("stamp next day: %v", err)
	}
}

func TestPrintForm(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dir := t.TempDir()
	fp, err := file.New(file.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: fp})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.PrintForm(context.Background(), key, formJob())
	if err != nil || !out.Printed || out.Pages != 1 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "form-s-0001.pdf")); err != nil || int64(len(b)) != out.Bytes {
		t.Fatalf("printed file: %v (%d bytes, outcome %d)", err, len(b), out.Bytes)
	}
	bad := formJob()
	bad.Facts.Name = "見本\x1b[2J"
	bad.Session = "s-0002"
	if out, err := p.PrintForm(context.Background(), key, bad); !errors.Is(err, printer.ErrBadDocument) || out.Printed {
		t.Errorf("control character printed: %+v, %v", out, err)
	}
}

// TestFormQRScans reads the printed form's QR code back with ZBar (zbarimg, an
// independent decoder), as the counter's scanner does, from the A4 PDF (rendered by
// poppler at 200 dpi) and from the thermal raster, and verifies the stamp it carries.
func TestFormQRScans(t *testing.T) {
	for _, tool := range []string{"zbarimg", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install the Debian packages zbar-tools and poppler-utils (make deps)", tool)
		}
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	job := formJob()
	f, err := printer.FormLayout(job, key)
	if err != nil {
		t.Fatal(err)
	}
	l := newLayout(t)
	dir := t.TempDir()
	pdf, err := l.FormPDF(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "form.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-singlefile", filepath.Join(dir, "form.pdf"), filepath.Join(dir, "a4")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	img, err := l.FormRaster(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "thermal.png"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a4.png", "thermal.png"} {
		t.Run(name, func(t *testing.T) {
			out, err := exec.Command("zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, name)).Output()
			if err != nil {
				t.Fatalf("zbarimg found no QR code: %v", err)
			}
			got := strings.TrimSuffix(string(out), "\n")
			if got != f.Stamp {
				t.Fatalf("QR code says %q, want %q", got, f.Stamp)
			}
			if st, err := forms.Verify(got, key.Public(), job.At); err != nil || st.Facts != job.Facts {
				t.Fatalf("scanned stamp: %+v, %v", st, err)
			}
		})
	}
}

func TestPrintApplicationReceipt(t *testing.T) {
	dir := t.TempDir()
	fp, err := file.New(file.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: fp})
	if err != nil {
		t.Fatal(err)
	}
	job := printer.ApplicationReceiptJob{Number: "K1-APP-000001", MunicipalityName: "見本市", Kiosk: "k-1",
		Form: forms.Form{ID: "tenshutsu", Title: "転出届"}, Signed: formJob().At,
		Entries: []layout.FormRow{{Label: "転出予定日", Value: "2026年12月20日"}}}
	out, err := p.PrintApplicationReceipt(context.Background(), job)
	if err != nil || !out.Printed {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "receipt-K1-APP-000001.pdf"))
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("receipt file: %v", err)
	}
	if f := printer.ApplicationReceiptLayout(job); len(f.Rows) != 4 || f.Rows[3].Value != "2026年12月20日" || f.Stamp != job.Number {
		t.Errorf("receipt layout %+v", f)
	}
}
