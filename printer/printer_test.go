package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	pgpio "periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/file"
	"madoguchi/printer/gpio"
	"madoguchi/printer/ipp"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

var fixedTime = time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC)

func newLayout(t testing.TB) *layout.Layout {
	t.Helper()
	l, err := layout.New(layout.Options{Sample: true, VerifyURL: "https://center.example.jp/verify",
		Clock: func() time.Time { return fixedTime }})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func job(t testing.TB, tx string, ct center.CertType) printer.Job {
	t.Helper()
	c, err := printertest.Content(ct)
	if err != nil {
		t.Fatal(err)
	}
	return printer.Job{TxID: tx, Content: c}
}

func TestFilePrinterPDF(t *testing.T) {
	dir := t.TempDir()
	fp, err := file.New(file.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	l := newLayout(t)
	p, err := printer.New(printer.Options{Layout: l, PDF: fp})
	if err != nil {
		t.Fatal(err)
	}
	for i, ct := range printertest.CertTypes {
		t.Run(string(ct), func(t *testing.T) {
			tx := fmt.Sprintf("tx-%04d", i)
			j := job(t, tx, ct)
			out, err := p.Print(context.Background(), j)
			if err != nil || !out.Printed {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			want, pages, err := l.PDF(j.Content)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, tx+".pdf"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || out.Pages != pages || out.Bytes != int64(len(want)) {
				t.Errorf("file differs from layout or outcome %+v wrong (pages %d)", out, pages)
			}
			// The same transaction is never printed over again.
			if out, err := p.Print(context.Background(), j); err == nil || out.Printed {
				t.Errorf("reprint of %s accepted", tx)
			}
		})
	}
}

func TestFilePrinterRaster(t *testing.T) {
	dir := t.TempDir()
	fp, err := file.New(file.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	l := newLayout(t)
	p, err := printer.New(printer.Options{Layout: l, Raster: fp})
	if err != nil {
		t.Fatal(err)
	}
	j := job(t, "tx-raster-1", center.FamilyRegister)
	j.Copies = 2
	out, err := p.Print(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.Raster(j.Content)
	if err != nil {
		t.Fatal(err)
	}
	if out.Pages != 2*len(want) {
		t.Errorf("pages %d, want %d", out.Pages, 2*len(want))
	}
	stream, err := os.ReadFile(filepath.Join(dir, "tx-raster-1.escpos"))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(stream)) != out.Bytes {
		t.Errorf("outcome bytes %d, file %d", out.Bytes, len(stream))
	}
	got, err := printertest.Decode(stream)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*len(want) {
		t.Fatalf("decoded %d pages", len(got))
	}
	for i := range got {
		if err := printertest.SameImage(want[i%len(want)], got[i]); err != nil {
			t.Errorf("page %d: %v", i+1, err)
		}
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("tx-raster-1-p%d.png", i+1))); err != nil {
			t.Error(err)
		}
	}
}

// TestFailureOutcomes: each printer failure named in the issue ends as a failed
// outcome with its resident-facing reason (the engine then queues a void).
func TestFailureOutcomes(t *testing.T) {
	l := newLayout(t)
	type rig struct {
		p   *printer.Printer
		arm func() // make it fail
	}
	escposRig := func(t *testing.T, arm func(*printertest.Device)) rig {
		dev, err := printertest.NewDevice()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dev.Close() })
		e, err := escpos.Open(dev.Path(), escpos.Options{ReplyTimeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		p, err := printer.New(printer.Options{Layout: l, Raster: e})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return rig{p, func() { arm(dev) }}
	}
	tests := []struct {
		name   string
		rig    func(t *testing.T) rig
		want   error
		reason printer.Reason
		stage  printer.Stage
	}{
		{"escpos paper out", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.SetPaperOut(true) })
		}, printer.ErrPaperOut, printer.ReasonPaperOut, printer.StageBefore},
		{"escpos paper out mid-job", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.PaperOutAfterBands(2) })
		}, printer.ErrPaperOut, printer.ReasonPaperOut, printer.StageDuring},
		{"escpos cover open", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.SetCoverOpen(true) })
		}, printer.ErrCoverOpen, printer.ReasonCoverOpen, printer.StageBefore},
		{"escpos offline", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.SetOffline(true) })
		}, printer.ErrOffline, printer.ReasonOffline, printer.StageBefore},
		{"escpos unplugged", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.Unplug() })
		}, printer.ErrUnplugged, printer.ReasonUnplugged, printer.StageBefore},
		{"escpos unplugged mid-job", func(t *testing.T) rig {
			return escposRig(t, func(d *printertest.Device) { d.UnplugAfterBands(3) })
		}, printer.ErrUnplugged, printer.ReasonUnplugged, printer.StageDuring},
		{"ipp job aborted", func(t *testing.T) rig {
			srv := printertest.StartIPPPrinter(t)
			b, err := ipp.New(ipp.Options{URI: srv.URI, PollInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			p, err := printer.New(printer.Options{Layout: l, PDF: b})
			if err != nil {
				t.Fatal(err)
			}
			return rig{p, func() { srv.FailJobs(t, "other") }}
		}, printer.ErrJobAborted, printer.ReasonJobAborted, printer.StageDuring},
		{"file printer fault", func(t *testing.T) rig {
			fp, err := file.New(file.Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			p, err := printer.New(printer.Options{Layout: l, PDF: fp})
			if err != nil {
				t.Fatal(err)
			}
			return rig{p, func() { fp.SetFault(printer.ErrPaperOut) }}
		}, printer.ErrPaperOut, printer.ReasonPaperOut, printer.StageBefore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.rig(t)
			r.arm()
			out, err := r.p.Print(context.Background(), job(t, "tx-fail-1", center.ResidentRecord))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if out.Printed || out.Pages != 0 {
				t.Errorf("failed job reported printed: %+v", out)
			}
			if out.Reason != tt.reason || out.Stage != tt.stage {
				t.Errorf("outcome reason %q stage %q, want %q %q", out.Reason, out.Stage, tt.reason, tt.stage)
			}
			if out.Device == "" {
				t.Error("outcome lacks the device")
			}
		})
	}
}

func TestBadJobs(t *testing.T) {
	fp, err := file.New(file.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: fp})
	if err != nil {
		t.Fatal(err)
	}
	good := job(t, "tx-1", center.TaxIncome)
	tests := []struct {
		name   string
		mutate func(*printer.Job)
	}{
		{"no transaction id", func(j *printer.Job) { j.TxID = "" }},
		{"path in transaction id", func(j *printer.Job) { j.TxID = "../etc/passwd" }},
		{"too many copies", func(j *printer.Job) { j.Copies = 11 }},
		{"invalid content", func(j *printer.Job) { j.Content.IssuanceNumber = "" }},
		{"my number in content", func(j *printer.Job) {
			j.Content.Sections[0].Rows = append(j.Content.Sections[0].Rows, center.Row{Label: "個人番号", Value: "123456789012"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := good
			j.Content.Sections = append([]center.Section(nil), good.Content.Sections...)
			j.Content.Sections[0].Rows = append([]center.Row(nil), good.Content.Sections[0].Rows...)
			tt.mutate(&j)
			out, err := p.Print(context.Background(), j)
			if !errors.Is(err, printer.ErrBadDocument) || out.Reason != printer.ReasonBadDocument || out.Stage != printer.StageBefore {
				t.Errorf("outcome %+v, err %v", out, err)
			}
		})
	}
	for _, o := range []printer.Options{{}, {Layout: newLayout(t)}, {Layout: newLayout(t), PDF: fp, Raster: fp}} {
		if _, err := printer.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// heldRaster holds the first job at the start of PrintRaster until release is closed,
// then passes it on: a job under way for as long as a test needs, on no timer. Later jobs
// pass at once; entered counts every job.
type heldRaster struct {
	printer.RasterBackend
	entered chan struct{}
	release chan struct{}
}

func (h heldRaster) PrintRaster(ctx context.Context, name string, pages []*image.Gray) (printer.Result, error) {
	h.entered <- struct{}{}
	if name == "tx-first" {
		<-h.release
	}
	return h.RasterBackend.PrintRaster(ctx, name, pages)
}

// TestBusy: a second job while one runs is refused at once, never queued.
func TestBusy(t *testing.T) {
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	dev.SetSilent(true) // once released, the first job hangs on its status query for ReplyTimeout
	e, err := escpos.Open(dev.Path(), escpos.Options{ReplyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	held := heldRaster{RasterBackend: e, entered: make(chan struct{}, 2), release: make(chan struct{})}
	p, err := printer.New(printer.Options{Layout: newLayout(t), Raster: held})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	first := job(t, "tx-first", center.SealRegistration)
	second := job(t, "tx-second", center.SealRegistration)
	done := make(chan error, 1)
	go func() {
		_, err := p.Print(context.Background(), first)
		done <- err
	}()
	// Once the first job is in the back end, it holds the printer (until released: no
	// timer runs out under a slow machine).
	select {
	case <-held.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("first job never reached the printer")
	}
	out, err := p.Print(context.Background(), second)
	if !errors.Is(err, printer.ErrBusy) || out.Reason != printer.ReasonBusy || out.Printed {
		t.Fatalf("second job: %+v %v", out, err)
	}
	close(held.release)
	if len(held.entered) != 0 {
		t.Error("the second job reached the printer")
	}
	if err := <-done; !errors.Is(err, printer.ErrOffline) {
		t.Errorf("first job: %v", err)
	}
	if bands, _, _ := dev.Counts(); bands != 0 {
		t.Errorf("%d bands printed", bands)
	}
}

func TestStatusWithSensors(t *testing.T) {
	fp, err := file.New(file.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	paper := &gpiotest.Pin{N: "PAPER", EdgesChan: make(chan pgpio.Level, 1)}
	door := &gpiotest.Pin{N: "DOOR", EdgesChan: make(chan pgpio.Level, 1)}
	panel, err := gpio.New(gpio.Options{PaperLow: paper, Door: door})
	if err != nil {
		t.Fatal(err)
	}
	p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: fp, Sensors: panel})
	if err != nil {
		t.Fatal(err)
	}
	// With the pull-ups: a roll present holds the sensor High; a disconnected door
	// switch reads open, so close the door first.
	st, err := p.Status(context.Background())
	if err != nil || !st.CabinetOpen {
		t.Fatalf("unwired door must read open: %v %v", st, err)
	}
	door.Out(pgpio.Low)
	st, err = p.Status(context.Background())
	if err != nil || st.PaperLow || st.CabinetOpen || st.Err() != nil {
		t.Fatalf("idle: %v %v", st, err)
	}
	paper.Out(pgpio.Low) // sensor sees the roll end
	door.Out(pgpio.High) // door opened
	st, err = p.Status(context.Background())
	if err != nil || !st.PaperLow || !st.CabinetOpen {
		t.Fatalf("after: %v %v", st, err)
	}
	if st.Err() != nil {
		t.Errorf("paper low / open cabinet must not stop printing: %v", st.Err())
	}
	fp.SetFault(printer.ErrCoverOpen)
	if st, err := p.Status(context.Background()); err != nil || !errors.Is(st.Err(), printer.ErrCoverOpen) {
		t.Errorf("fault: %v %v", st, err)
	}
	if got := p.String(); got != "printer(file("+fp.String()[5:]+")" {
		t.Errorf("String() = %q", got)
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want printer.Reason
	}{
		{nil, printer.ReasonNone},
		{printer.ErrPaperOut, printer.ReasonPaperOut},
		{&printer.JobError{Stage: printer.StageDuring, Err: fmt.Errorf("x: %w", printer.ErrCoverOpen)}, printer.ReasonCoverOpen},
		{printer.ErrPaperJam, printer.ReasonPaperJam},
		{printer.ErrOffline, printer.ReasonOffline},
		{printer.ErrUnplugged, printer.ReasonUnplugged},
		{printer.ErrJobAborted, printer.ReasonJobAborted},
		{fmt.Errorf("%w; printer: %w", printer.ErrJobAborted, printer.ErrPaperOut), printer.ReasonPaperOut},
		{printer.ErrBusy, printer.ReasonBusy},
		{printer.ErrBadDocument, printer.ReasonBadDocument},
		{context.Canceled, printer.ReasonCanceled},
		{errors.New("something else"), printer.ReasonUnknown},
	}
	for _, tt := range tests {
		t.Run(string(tt.want), func(t *testing.T) {
			if got := printer.ReasonOf(tt.err); got != tt.want {
				t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
	je := &printer.JobError{Stage: printer.StageAfter, Pages: 2, Err: printer.ErrPaperOut}
	if printer.StageOf(fmt.Errorf("wrapped: %w", je)) != printer.StageAfter || printer.StageOf(printer.ErrOffline) != printer.StageBefore {
		t.Error("StageOf")
	}
}

func TestStatusErr(t *testing.T) {
	tests := []struct {
		name string
		st   printer.Status
		want error
	}{
		{"ready", printer.Status{Online: true}, nil},
		{"low paper prints", printer.Status{Online: true, PaperLow: true}, nil},
		{"offline", printer.Status{}, printer.ErrOffline},
		{"paper out", printer.Status{Online: true, PaperOut: true}, printer.ErrPaperOut},
		{"cover beats paper", printer.Status{PaperOut: true, CoverOpen: true}, printer.ErrCoverOpen},
		{"jam", printer.Status{Online: true, Jam: true}, printer.ErrPaperJam},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.st.Err(); got != tt.want {
				t.Errorf("Err() = %v, want %v", got, tt.want)
			}
		})
	}
}
