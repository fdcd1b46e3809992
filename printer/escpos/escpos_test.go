package escpos_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

func pages(t testing.TB, ct center.CertType) []*image.Gray {
	t.Helper()
	l, err := layout.New(layout.Options{Sample: true, VerifyURL: "https://center.example.jp/verify"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := printertest.Content(ct)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.Raster(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func setup(t *testing.T) (*printertest.Device, *escpos.Printer) {
	t.Helper()
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	p, err := escpos.Open(dev.Path(), escpos.Options{ReplyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return dev, p
}

// waitPages waits until the device has cut n pages (the pty delivers asynchronously).
func waitPages(t *testing.T, dev *printertest.Device, n int) []*image.Gray {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if got := dev.Pages(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("device has %d pages, want %d", len(dev.Pages()), n)
	return nil
}

// TestPrintGolden prints each certificate through the pty-backed printer, decodes
// what the printer received and compares it with the layout's golden raster.
func TestPrintGolden(t *testing.T) {
	for _, ct := range []center.CertType{center.ResidentRecord, center.SealRegistration, center.FamilyRegister} {
		t.Run(string(ct), func(t *testing.T) {
			dev, p := setup(t)
			want := pages(t, ct)
			res, err := p.PrintRaster(context.Background(), "tx-test", want)
			if err != nil {
				t.Fatal(err)
			}
			if res.Pages != len(want) {
				t.Errorf("pages = %d, want %d", res.Pages, len(want))
			}
			if exp := escpos.Encode(want, escpos.Options{}); res.Bytes != int64(len(exp)) {
				t.Errorf("bytes = %d, want %d", res.Bytes, len(exp))
			}
			got := waitPages(t, dev, len(want))
			for i := range want {
				golden := filepath.Join("..", "layout", "testdata", "raster-"+string(ct)+"-p"+string(rune('1'+i))+".png")
				f, err := os.Open(golden)
				if err != nil {
					t.Fatal(err)
				}
				gimg, _, err := image.Decode(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if err := printertest.SameImage(gimg, got[i]); err != nil {
					t.Errorf("page %d vs %s: %v", i+1, golden, err)
				}
			}
			if err := dev.Err(); err != nil {
				t.Errorf("device decode: %v", err)
			}
			bands, cuts, queries := dev.Counts()
			if cuts != len(want) || bands == 0 || queries < 3*(bands+2) {
				t.Errorf("bands=%d cuts=%d queries=%d: status must be read before, between bands and after", bands, cuts, queries)
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	want := pages(t, center.TaxIncome)
	stream := escpos.Encode(want, escpos.Options{BandRows: 100})
	got, err := printertest.Decode(stream)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("pages %d != %d", len(got), len(want))
	}
	for i := range want {
		if err := printertest.SameImage(want[i], got[i]); err != nil {
			t.Errorf("page %d: %v", i+1, err)
		}
	}
	// A truncated stream is reported, not silently accepted.
	if _, err := printertest.Decode(stream[:len(stream)-5000]); !errors.Is(err, printertest.ErrIncomplete) {
		t.Errorf("truncated stream: err = %v", err)
	}
	if _, err := printertest.Decode(append(bytes.Clone(stream), 0x42)); err == nil {
		t.Error("stray byte accepted")
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name    string
		set     func(*printertest.Device)
		wantErr error // from Status().Err()
		low     bool
	}{
		{"ready", func(*printertest.Device) {}, nil, false},
		{"near end", func(d *printertest.Device) { d.SetNearEnd(true) }, nil, true},
		{"paper out", func(d *printertest.Device) { d.SetPaperOut(true) }, printer.ErrPaperOut, true},
		{"cover open", func(d *printertest.Device) { d.SetCoverOpen(true) }, printer.ErrCoverOpen, false},
		{"offline", func(d *printertest.Device) { d.SetOffline(true) }, printer.ErrOffline, false},
		{"cutter jam", func(d *printertest.Device) { d.SetJam(true) }, printer.ErrPaperJam, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, p := setup(t)
			tt.set(dev)
			st, err := p.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(st.Err(), tt.wantErr) || (tt.wantErr == nil) != (st.Err() == nil) {
				t.Errorf("status %v: Err() = %v, want %v", st, st.Err(), tt.wantErr)
			}
			if st.PaperLow != tt.low {
				t.Errorf("PaperLow = %v", st.PaperLow)
			}
		})
	}
}

func TestStatusNoAnswer(t *testing.T) {
	dev, p := setup(t)
	dev.SetSilent(true)
	_, err := p.Status(context.Background())
	if !errors.Is(err, printer.ErrOffline) {
		t.Fatalf("err = %v, want ErrOffline", err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name      string
		set       func(*printertest.Device)
		want      error
		stage     printer.Stage
		reason    printer.Reason
		wantPaper bool // some page image reached paper (partial)
	}{
		{"paper out before", func(d *printertest.Device) { d.SetPaperOut(true) }, printer.ErrPaperOut, printer.StageBefore, printer.ReasonPaperOut, false},
		{"cover open before", func(d *printertest.Device) { d.SetCoverOpen(true) }, printer.ErrCoverOpen, printer.StageBefore, printer.ReasonCoverOpen, false},
		{"offline before", func(d *printertest.Device) { d.SetOffline(true) }, printer.ErrOffline, printer.StageBefore, printer.ReasonOffline, false},
		{"not answering", func(d *printertest.Device) { d.SetSilent(true) }, printer.ErrOffline, printer.StageBefore, printer.ReasonOffline, false},
		{"paper out mid-job", func(d *printertest.Device) { d.PaperOutAfterBands(3) }, printer.ErrPaperOut, printer.StageDuring, printer.ReasonPaperOut, true},
		{"unplugged mid-job", func(d *printertest.Device) { d.UnplugAfterBands(4) }, printer.ErrUnplugged, printer.StageDuring, printer.ReasonUnplugged, false},
	}
	pg := pages(t, center.ResidentRecord)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev, p := setup(t)
			tt.set(dev)
			_, err := p.PrintRaster(context.Background(), "tx-test", pg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var je *printer.JobError
			if !errors.As(err, &je) || je.Stage != tt.stage {
				t.Errorf("stage = %v, want %s (err %v)", printer.StageOf(err), tt.stage, err)
			}
			if r := printer.ReasonOf(err); r != tt.reason {
				t.Errorf("reason = %q, want %q", r, tt.reason)
			}
			if tt.stage == printer.StageBefore {
				if bands, _, _ := dev.Counts(); bands != 0 {
					t.Errorf("%d bands sent although the printer was not ready", bands)
				}
			}
			if tt.wantPaper {
				// the partial page was cut off
				got := waitPages(t, dev, 1)
				if got[0].Bounds().Dy() >= pg[0].Bounds().Dy() {
					t.Errorf("partial page has full height %d", got[0].Bounds().Dy())
				}
			}
		})
	}
}

func TestUnpluggedThenBack(t *testing.T) {
	dev, p := setup(t)
	dev.Unplug()
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrUnplugged) {
		t.Fatalf("status after unplug: %v", err)
	}
	// The device node is gone: still unplugged, and Open says so too.
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrUnplugged) {
		t.Fatalf("second status after unplug: %v", err)
	}
	if _, err := escpos.Open(filepath.Join(t.TempDir(), "lp0"), escpos.Options{}); !errors.Is(err, printer.ErrUnplugged) {
		t.Fatalf("open missing device: %v", err)
	}
}

func TestBadPages(t *testing.T) {
	_, p := setup(t)
	wide := image.NewGray(image.Rect(0, 0, 640, 10))
	for name, pg := range map[string][]*image.Gray{"none": nil, "too wide": {wide}} {
		t.Run(name, func(t *testing.T) {
			_, err := p.PrintRaster(context.Background(), "tx-test", pg)
			if !errors.Is(err, printer.ErrBadDocument) || printer.StageOf(err) != printer.StageBefore {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	_, p := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.PrintRaster(ctx, "tx-test", pages(t, center.SealRegistration))
	if !errors.Is(err, context.Canceled) || printer.ReasonOf(err) != printer.ReasonCanceled {
		t.Fatalf("err = %v", err)
	}
}

func TestString(t *testing.T) {
	dev, p := setup(t)
	if got := p.String(); got != "escpos("+dev.Path()+")" {
		t.Errorf("String() = %q", got)
	}
	if err := p.Close(); err != nil {
		t.Error(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
