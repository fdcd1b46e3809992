package escpos

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"madoguchi/printer"
)

// Defaults for Options.
const (
	DefaultWidthDots    = 576 // 80 mm paper, 72 mm printable at 203 dpi
	DefaultBandRows     = 256
	DefaultFeedLines    = 4
	DefaultReplyTimeout = time.Second
	DefaultWriteTimeout = 10 * time.Second
)

// Options configures a Printer. Zero values take the Default… constants; Cut's
// zero value is a full cut.
type Options struct {
	WidthDots    int           // widest page accepted, in dots
	BandRows     int           // rows per GS v 0 band; status is read between bands
	FeedLines    byte          // lines fed before the cut
	Cut          CutMode       // CutFull or CutPartial
	ReplyTimeout time.Duration // how long to wait for a DLE EOT answer
	WriteTimeout time.Duration // how long one band may take to be accepted
}

func (o Options) withDefaults() Options {
	if o.WidthDots <= 0 {
		o.WidthDots = DefaultWidthDots
	}
	if o.BandRows <= 0 {
		o.BandRows = DefaultBandRows
	}
	if o.FeedLines == 0 {
		o.FeedLines = DefaultFeedLines
	}
	if o.ReplyTimeout <= 0 {
		o.ReplyTimeout = DefaultReplyTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	return o
}

// Printer is an ESC/POS printer behind a device file. Its methods serialise on
// one job at a time.
type Printer struct {
	path string
	opts Options

	mu sync.Mutex
	f  *os.File // nil after the device went away; reopened on next use
}

// Open opens the device file and checks that it supports deadlines (a blocked
// read must never hang the kiosk). A missing device is printer.ErrUnplugged.
func Open(path string, opts Options) (*Printer, error) {
	p := &Printer{path: path, opts: opts.withDefaults()}
	if err := p.open(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Printer) open() error {
	f, err := os.OpenFile(p.path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("escpos: open %s: %w (%v)", p.path, printer.ErrUnplugged, err)
		}
		return fmt.Errorf("escpos: open %s: %w", p.path, err)
	}
	// f.Fd() would put the descriptor in blocking mode and defeat deadlines: use
	// the raw connection instead.
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return fmt.Errorf("escpos: %s: %w", p.path, err)
	}
	var rawErr error
	if err := rc.Control(func(fd uintptr) {
		if term.IsTerminal(int(fd)) {
			// A serial port (or pty): no echo, no CR/LF mapping, no XON/XOFF.
			_, rawErr = term.MakeRaw(int(fd))
		}
	}); err != nil || rawErr != nil {
		f.Close()
		return fmt.Errorf("escpos: raw mode on %s: %w", p.path, errors.Join(err, rawErr))
	}
	if err := f.SetDeadline(time.Time{}); err != nil {
		f.Close()
		return fmt.Errorf("escpos: %s does not support timeouts: %w", p.path, err)
	}
	p.f = f
	return nil
}

// String names the device.
func (p *Printer) String() string { return "escpos(" + p.path + ")" }

// Close closes the device file. Nothing is buffered on our side, so the printer is
// left idle.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil
	}
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("escpos: close %s: %w", p.path, err)
	}
	return nil
}

// classify maps an I/O error to the printer's sentinels.
func (p *Printer) classify(op string, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("escpos: %s %s: %w (timed out)", op, p.path, printer.ErrOffline)
	case errors.Is(err, io.EOF), errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENODEV),
		errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.EPIPE), errors.Is(err, os.ErrClosed):
		if p.f != nil {
			p.f.Close()
			p.f = nil
		}
		return fmt.Errorf("escpos: %s %s: %w (%v)", op, p.path, printer.ErrUnplugged, err)
	}
	return fmt.Errorf("escpos: %s %s: %w", op, p.path, err)
}

func (p *Printer) ensureOpen() error {
	if p.f != nil {
		return nil
	}
	return p.open()
}

func (p *Printer) write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dl := time.Now().Add(p.opts.WriteTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := p.f.SetWriteDeadline(dl); err != nil {
		return p.classify("write", err)
	}
	if _, err := p.f.Write(b); err != nil {
		return p.classify("write", err)
	}
	return nil
}

// drain discards stale input (late answers to an earlier query).
func (p *Printer) drain() error {
	var buf [64]byte
	for {
		if err := p.f.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return p.classify("read", err)
		}
		n, err := p.f.Read(buf[:])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			return p.classify("read", err)
		}
		if n == 0 {
			return nil
		}
	}
}

func (p *Printer) query(ctx context.Context, n byte) (byte, error) {
	if err := p.write(ctx, StatusQuery(n)); err != nil {
		return 0, err
	}
	dl := time.Now().Add(p.opts.ReplyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := p.f.SetReadDeadline(dl); err != nil {
		return 0, p.classify("read", err)
	}
	var b [1]byte
	if _, err := io.ReadFull(p.f, b[:]); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, p.classify(fmt.Sprintf("status %d", n), err)
	}
	if b[0]&0x93 != 0x12 {
		return 0, fmt.Errorf("escpos: status %d on %s: malformed answer %#02x", n, p.path, b[0])
	}
	return b[0], nil
}

// Status reads the printer's real-time status (DLE EOT 1, 2, 4, and 3 when an error
// is flagged). A device that does not answer gives printer.ErrOffline; a vanished
// one printer.ErrUnplugged.
func (p *Printer) Status(ctx context.Context) (printer.Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.ensureOpen(); err != nil {
		return printer.Status{}, err
	}
	return p.status(ctx)
}

func (p *Printer) status(ctx context.Context) (printer.Status, error) {
	if err := p.drain(); err != nil {
		return printer.Status{}, err
	}
	var st printer.Status
	s1, err := p.query(ctx, 1)
	if err != nil {
		return st, err
	}
	s2, err := p.query(ctx, 2)
	if err != nil {
		return st, err
	}
	s4, err := p.query(ctx, 4)
	if err != nil {
		return st, err
	}
	st.Online = s1&0x08 == 0
	st.CoverOpen = s2&0x04 != 0
	st.PaperOut = s2&0x20 != 0 || s4&0x60 != 0
	st.PaperLow = s4&0x0c != 0
	if s1&0x08 != 0 {
		st.Reasons = append(st.Reasons, "offline")
	}
	if st.CoverOpen {
		st.Reasons = append(st.Reasons, "cover-open")
	}
	if st.PaperOut {
		st.Reasons = append(st.Reasons, "paper-end")
	}
	if st.PaperLow {
		st.Reasons = append(st.Reasons, "paper-near-end")
	}
	if s2&0x40 != 0 {
		s3, err := p.query(ctx, 3)
		if err != nil {
			return st, err
		}
		if s3&0x08 != 0 {
			st.Jam = true
			st.Reasons = append(st.Reasons, "autocutter-error")
		}
		if s3&0x20 != 0 {
			st.Jam = true
			st.Reasons = append(st.Reasons, "unrecoverable-error")
		}
		if s3&0x40 != 0 {
			st.Reasons = append(st.Reasons, "auto-recoverable-error")
		}
	}
	return st, nil
}

func (p *Printer) check(ctx context.Context) error {
	st, err := p.status(ctx)
	if err != nil {
		return err
	}
	if err := st.Err(); err != nil {
		return fmt.Errorf("escpos: %s: %w [%s]", p.path, err, st)
	}
	return nil
}

// PrintRaster prints pages (1-bit images at most WidthDots wide), each followed by
// a feed and a cut, checking status before, between bands and after. name (the
// transaction's job name) is only used in errors. Failures are *printer.JobError
// values wrapping the printer sentinels.
func (p *Printer) PrintRaster(ctx context.Context, name string, pages []*image.Gray) (printer.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var res printer.Result
	if len(pages) == 0 {
		return res, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("escpos: no pages: %w", printer.ErrBadDocument)}
	}
	for i, pg := range pages {
		if w := pg.Bounds().Dx(); w > p.opts.WidthDots || w == 0 || w > 0xffff*8 {
			return res, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("escpos: page %d is %d dots wide, printer takes %d: %w", i+1, w, p.opts.WidthDots, printer.ErrBadDocument)}
		}
	}
	fail := func(stage printer.Stage, err error) (printer.Result, error) {
		if stage == printer.StageDuring && p.f != nil && !errors.Is(err, printer.ErrUnplugged) {
			// Best effort: cut off what was printed so it is not taken for a whole page.
			_ = p.write(context.WithoutCancel(ctx), append(Feed(p.opts.FeedLines), Cut(p.opts.Cut)...))
		}
		return res, &printer.JobError{Stage: stage, Pages: res.Pages, Err: fmt.Errorf("job %s: %w", name, err)}
	}
	if err := p.ensureOpen(); err != nil {
		return fail(printer.StageBefore, err)
	}
	if err := p.check(ctx); err != nil {
		return fail(printer.StageBefore, err)
	}
	if err := p.write(ctx, Init()); err != nil {
		return fail(printer.StageBefore, err)
	}
	res.Bytes += 2
	for _, pg := range pages {
		b := pg.Bounds()
		for _, bd := range Bands(b.Dy(), p.opts.BandRows) {
			band := Raster(pg, b.Min.Y+bd[0], b.Min.Y+bd[1])
			if err := p.write(ctx, band); err != nil {
				return fail(printer.StageDuring, err)
			}
			res.Bytes += int64(len(band))
			if err := p.check(ctx); err != nil {
				return fail(printer.StageDuring, err)
			}
		}
		end := append(Feed(p.opts.FeedLines), Cut(p.opts.Cut)...)
		if err := p.write(ctx, end); err != nil {
			return fail(printer.StageDuring, err)
		}
		res.Bytes += int64(len(end))
		res.Pages++
	}
	if err := p.check(ctx); err != nil {
		return fail(printer.StageAfter, err)
	}
	return res, nil
}
