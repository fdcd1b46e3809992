package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"madoguchi/internal/durable"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
)

// Options configures a Printer.
type Options struct {
	// Dir receives the files; created if missing. Required.
	Dir string
	// ESCPOS shapes the .escpos stream (band height, cut); zero value: escpos defaults.
	ESCPOS escpos.Options
}

// Printer writes jobs to Dir. It implements both the PDF and the raster back-end
// interfaces of package printer.
type Printer struct {
	o     Options
	mu    sync.Mutex
	fault error
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// New creates Dir if needed.
func New(o Options) (*Printer, error) {
	if o.Dir == "" {
		return nil, fmt.Errorf("file: no output directory")
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("file: %w", err)
	}
	return &Printer{o: o}, nil
}

// SetFault makes following jobs and status reads report err (e.g.
// printer.ErrPaperOut); nil clears it.
func (p *Printer) SetFault(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = err
}

// String names the directory.
func (p *Printer) String() string { return "file(" + p.o.Dir + ")" }

// Close has nothing to release.
func (p *Printer) Close() error { return nil }

// Status is online unless a fault is set, which it reports.
func (p *Printer) Status(ctx context.Context) (printer.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := printer.Status{Online: true}
	switch {
	case p.fault == nil:
	case errors.Is(p.fault, printer.ErrPaperOut):
		st.PaperOut = true
	case errors.Is(p.fault, printer.ErrCoverOpen):
		st.CoverOpen = true
	case errors.Is(p.fault, printer.ErrPaperJam):
		st.Jam = true
	default:
		return st, p.fault
	}
	return st, nil
}

func (p *Printer) begin(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return &printer.JobError{Stage: printer.StageBefore, Err: err}
	}
	if !validName.MatchString(name) {
		return &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("file: job name %q: %w", name, printer.ErrBadDocument)}
	}
	if p.fault != nil {
		return &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("file: %s: %w", p.o.Dir, p.fault)}
	}
	return nil
}

// create writes data to the new file Dir/name, durably: after a power cut the name
// holds the whole document or does not exist, never a half-written file.
func (p *Printer) create(name string, data []byte) error {
	if err := durable.Create(filepath.Join(p.o.Dir, name), data, 0o640); err != nil {
		return fmt.Errorf("file: %w", err)
	}
	return nil
}

// PrintPDF writes Dir/<name>.pdf holding every sheet the job prints: the document's
// pages once per copy, collated (1..n, 1..n, …), so the copy count can be checked by
// counting pages. With one copy the file is the layout's PDF byte for byte.
func (p *Printer) PrintPDF(ctx context.Context, name string, pdf []byte, pages, copies int) (printer.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, name); err != nil {
		return printer.Result{}, err
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return printer.Result{}, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("file: not a PDF: %w", printer.ErrBadDocument)}
	}
	copies = max(copies, 1)
	out, err := repeatPages(pdf, pages, copies)
	if err != nil {
		return printer.Result{}, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("file: %d copies: %w: %w", copies, err, printer.ErrBadDocument)}
	}
	if err := p.create(name+".pdf", out); err != nil {
		return printer.Result{}, &printer.JobError{Stage: printer.StageBefore, Err: err}
	}
	return printer.Result{Pages: pages * copies, Bytes: int64(len(out))}, nil
}

// PrintRaster writes Dir/<name>-pN.png for each page and Dir/<name>.escpos, the
// byte stream an ESC/POS printer would receive (without status queries).
func (p *Printer) PrintRaster(ctx context.Context, name string, pages []*image.Gray) (printer.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, name); err != nil {
		return printer.Result{}, err
	}
	if len(pages) == 0 {
		return printer.Result{}, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("file: no pages: %w", printer.ErrBadDocument)}
	}
	stream := escpos.Encode(pages, p.o.ESCPOS)
	if err := p.create(name+".escpos", stream); err != nil {
		return printer.Result{}, &printer.JobError{Stage: printer.StageBefore, Err: err}
	}
	for i, pg := range pages {
		var b bytes.Buffer
		if err := png.Encode(&b, pg); err != nil {
			return printer.Result{}, &printer.JobError{Stage: printer.StageDuring, Pages: i, Err: fmt.Errorf("file: png: %w", err)}
		}
		if err := p.create(fmt.Sprintf("%s-p%d.png", name, i+1), b.Bytes()); err != nil {
			return printer.Result{}, &printer.JobError{Stage: printer.StageDuring, Pages: i, Err: err}
		}
	}
	return printer.Result{Pages: len(pages), Bytes: int64(len(stream))}, nil
}
