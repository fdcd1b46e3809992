package printer

import (
	"context"
	"errors"
	"fmt"
	"image"
	"regexp"
	"sync"

	"madoguchi/center"
	"madoguchi/printer/layout"
)

// DefaultMaxCopies bounds Job.Copies (the walk-up flow offers 1–10).
const DefaultMaxCopies = 10

// RasterBackend is a printer that takes 1-bit pages (ESC/POS thermal, file).
type RasterBackend interface {
	PrintRaster(ctx context.Context, name string, pages []*image.Gray) (Result, error)
	Status(ctx context.Context) (Status, error)
	String() string
	Close() error
}

// PDFBackend is a printer that takes an A4 PDF (IPP, file).
type PDFBackend interface {
	PrintPDF(ctx context.Context, name string, pdf []byte, pages, copies int) (Result, error)
	Status(ctx context.Context) (Status, error)
	String() string
	Close() error
}

// Sensors are the kiosk's own printer-side inputs (printer/gpio.Panel).
type Sensors interface {
	PaperLow() (bool, error)
	CabinetOpen() (bool, error)
}

// Options composes a Printer. Layout and exactly one of Raster and PDF are required.
type Options struct {
	Layout    *layout.Layout
	Raster    RasterBackend
	PDF       PDFBackend
	Sensors   Sensors // optional
	MaxCopies int     // zero: DefaultMaxCopies
}

// Job is one document for one transaction.
type Job struct {
	TxID    string         // transaction ID: names every artefact of the job
	Content center.Content // the center's verified content
	Copies  int            // zero means 1
}

// Outcome is what the engine records: printed (pages) or failed (reason).
type Outcome struct {
	Printed bool
	Pages   int    // pages that came out (all copies) when Printed
	Reason  Reason // why not, when !Printed
	Stage   Stage  // when !Printed: StageBefore means no paper came out
	Bytes   int64  // bytes sent to the printer
	Device  string // the back end, for the technician
}

// Printer is layout plus one back end.
type Printer struct {
	o    Options
	busy sync.Mutex
}

var txIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// New checks the composition.
func New(o Options) (*Printer, error) {
	if o.Layout == nil {
		return nil, errors.New("printer: no layout")
	}
	if (o.Raster == nil) == (o.PDF == nil) {
		return nil, errors.New("printer: exactly one of a raster and a PDF back end is needed")
	}
	if o.MaxCopies <= 0 {
		o.MaxCopies = DefaultMaxCopies
	}
	return &Printer{o: o}, nil
}

func (p *Printer) device() interface {
	Status(context.Context) (Status, error)
	String() string
	Close() error
} {
	if p.o.Raster != nil {
		return p.o.Raster
	}
	return p.o.PDF
}

// String names the back end.
func (p *Printer) String() string { return "printer(" + p.device().String() + ")" }

// Close closes the back end.
func (p *Printer) Close() error { return p.device().Close() }

// Layout is the layout the printer lays documents out with (its fonts).
func (p *Printer) Layout() *layout.Layout { return p.o.Layout }

// Status reads the back end and the sensors. An unreachable back end is an error
// (ErrOffline, ErrUnplugged); conditions such as paper out are in the Status.
func (p *Printer) Status(ctx context.Context) (Status, error) {
	st, err := p.device().Status(ctx)
	if err != nil {
		return st, err
	}
	if p.o.Sensors != nil {
		low, err := p.o.Sensors.PaperLow()
		if err != nil {
			return st, fmt.Errorf("printer: paper-low sensor: %w", err)
		}
		open, err := p.o.Sensors.CabinetOpen()
		if err != nil {
			return st, fmt.Errorf("printer: door switch: %w", err)
		}
		st.PaperLow = st.PaperLow || low
		st.CabinetOpen = open
	}
	return st, nil
}

// Print lays job out and prints it. The error is nil exactly when
// Outcome.Printed; otherwise Outcome carries the Reason and Stage and the error
// wraps the sentinel.
func (p *Printer) Print(ctx context.Context, job Job) (Outcome, error) {
	return p.run(ctx, job.TxID, job.Copies, func() ([]*image.Gray, error) { return p.o.Layout.Raster(job.Content) },
		func() ([]byte, int, error) { return p.o.Layout.PDF(job.Content) })
}

// failed is the Outcome of a job that failed with err.
func (p *Printer) failed(err error) (Outcome, error) {
	out := Outcome{Device: p.device().String(), Reason: ReasonOf(err), Stage: StageOf(err)}
	return out, err
}

// run prints one job named txID: raster or pdf lays it out for the back end.
func (p *Printer) run(ctx context.Context, txID string, copies int, raster func() ([]*image.Gray, error), pdf func() ([]byte, int, error)) (Outcome, error) {
	out := Outcome{Device: p.device().String()}
	if !txIDPattern.MatchString(txID) {
		return p.failed(fmt.Errorf("printer: transaction id %q: %w", txID, ErrBadDocument))
	}
	copies = max(copies, 1)
	if copies > p.o.MaxCopies {
		return p.failed(fmt.Errorf("printer: %d copies, at most %d: %w", copies, p.o.MaxCopies, ErrBadDocument))
	}
	if !p.busy.TryLock() {
		return p.failed(fmt.Errorf("printer: job %s: %w", txID, ErrBusy))
	}
	defer p.busy.Unlock()

	var res Result
	var err error
	if p.o.Raster != nil {
		pages, lerr := raster()
		if lerr != nil {
			return p.failed(fmt.Errorf("printer: job %s: %w: %w", txID, ErrBadDocument, lerr))
		}
		all := make([]*image.Gray, 0, len(pages)*copies)
		for range copies {
			all = append(all, pages...)
		}
		res, err = p.o.Raster.PrintRaster(ctx, txID, all)
	} else {
		doc, n, lerr := pdf()
		if lerr != nil {
			return p.failed(fmt.Errorf("printer: job %s: %w: %w", txID, ErrBadDocument, lerr))
		}
		res, err = p.o.PDF.PrintPDF(ctx, txID, doc, n, copies)
	}
	out.Bytes = res.Bytes
	if err != nil {
		o, e := p.failed(err)
		o.Bytes = res.Bytes
		return o, e
	}
	out.Printed, out.Pages = true, res.Pages
	return out, nil
}

// PrintReceipt prints a 領収書 (layout.Receipt) for a fee taken: one page, A4 or thermal
// as the back end takes, named "receipt-" and the issuance number. It is not a
// certificate and needs no signature; it names no one.
func (p *Printer) PrintReceipt(ctx context.Context, r layout.Receipt) (Outcome, error) {
	out := Outcome{Device: p.device().String()}
	fail := func(err error) (Outcome, error) {
		out.Printed, out.Pages = false, 0
		out.Reason, out.Stage = ReasonOf(err), StageOf(err)
		return out, err
	}
	name := "receipt-" + r.IssuanceNumber
	if !txIDPattern.MatchString(name) {
		return fail(fmt.Errorf("printer: receipt %q: %w", name, ErrBadDocument))
	}
	if !p.busy.TryLock() {
		return fail(fmt.Errorf("printer: %s: %w", name, ErrBusy))
	}
	defer p.busy.Unlock()
	var res Result
	var err error
	if p.o.Raster != nil {
		img, lerr := p.o.Layout.ReceiptRaster(r)
		if lerr != nil {
			return fail(fmt.Errorf("printer: %s: %w: %w", name, ErrBadDocument, lerr))
		}
		res, err = p.o.Raster.PrintRaster(ctx, name, []*image.Gray{img})
	} else {
		pdf, lerr := p.o.Layout.ReceiptPDF(r)
		if lerr != nil {
			return fail(fmt.Errorf("printer: %s: %w: %w", name, ErrBadDocument, lerr))
		}
		res, err = p.o.PDF.PrintPDF(ctx, name, pdf, 1, 1)
	}
	out.Bytes = res.Bytes
	if err != nil {
		return fail(err)
	}
	out.Printed, out.Pages = true, res.Pages
	return out, nil
}
