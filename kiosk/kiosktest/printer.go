package kiosktest

import (
	"context"
	"fmt"
	"sync"

	"madoguchi/kiosk"
)

// Printer records the jobs it prints and fails, hangs or runs out of paper on command.
type Printer struct {
	mu       sync.Mutex
	fail     error
	paperOut bool
	hold     chan struct{}
	jobs     []kiosk.PrintJob
	receipts []kiosk.Receipt
	forms    []kiosk.FormJob
	apps     []kiosk.ApplicationReceiptJob
	started  chan struct{}
}

// PrintReceipt records the receipt; it fails as Print does (Fail, PaperOut).
func (p *Printer) PrintReceipt(ctx context.Context, r kiosk.Receipt) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	if p.paperOut {
		return kiosk.ErrPaperOut
	}
	p.receipts = append(p.receipts, r)
	return nil
}

// Receipts returns the receipts printed.
func (p *Printer) Receipts() []kiosk.Receipt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]kiosk.Receipt(nil), p.receipts...)
}

var _ kiosk.ReceiptPrinter = (*Printer)(nil)

// Fail makes Print fail with err (nil: print again).
func (p *Printer) Fail(err error) {
	p.mu.Lock()
	p.fail = err
	p.mu.Unlock()
}

// PaperOut makes Check and Print report kiosk.ErrPaperOut (false: paper loaded).
func (p *Printer) PaperOut(out bool) {
	p.mu.Lock()
	p.paperOut = out
	p.mu.Unlock()
}

// Hold makes Print wait until Release is called or its context ends.
func (p *Printer) Hold() {
	p.mu.Lock()
	p.hold = make(chan struct{})
	p.mu.Unlock()
}

// Release lets held Print calls finish.
func (p *Printer) Release() {
	p.mu.Lock()
	if p.hold != nil {
		close(p.hold)
		p.hold = nil
	}
	p.mu.Unlock()
}

// Started returns a channel that receives once per Print call, as it begins (the
// benchmark's "first byte to the printer"). Call before the job is sent.
func (p *Printer) Started() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started == nil {
		p.started = make(chan struct{}, 16)
	}
	return p.started
}

// Jobs returns the jobs Print was called with.
func (p *Printer) Jobs() []kiosk.PrintJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]kiosk.PrintJob(nil), p.jobs...)
}

// Check reports whether the printer is ready.
func (p *Printer) Check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paperOut {
		return fmt.Errorf("kiosktest: check: %w", kiosk.ErrPaperOut)
	}
	return nil
}

// Print "prints" a job.
func (p *Printer) Print(ctx context.Context, job kiosk.PrintJob) error {
	p.mu.Lock()
	p.jobs = append(p.jobs, job)
	if p.started != nil {
		select {
		case p.started <- struct{}{}:
		default:
		}
	}
	p.mu.Unlock()
	return p.outcome(ctx, "print")
}

// outcome is how a print ends: held until Release, out of paper, or the set failure.
func (p *Printer) outcome(ctx context.Context, what string) error {
	p.mu.Lock()
	hold, fail, out := p.hold, p.fail, p.paperOut
	p.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return fmt.Errorf("kiosktest: %s: %w", what, ctx.Err())
		}
	}
	if out {
		return fmt.Errorf("kiosktest: %s: %w", what, kiosk.ErrPaperOut)
	}
	return fail
}

// Payer takes money, fails or hangs on command.
type Payer struct {
	mu   sync.Mutex
	fail error
	hold chan struct{}
	paid []int64
}

// Fail makes Pay fail with err (nil: pay again).
func (p *Payer) Fail(err error) {
	p.mu.Lock()
	p.fail = err
	p.mu.Unlock()
}

// Hold makes Pay wait until Release or its context ends.
func (p *Payer) Hold() {
	p.mu.Lock()
	p.hold = make(chan struct{})
	p.mu.Unlock()
}

// Release lets a held Pay finish.
func (p *Payer) Release() {
	p.mu.Lock()
	if p.hold != nil {
		close(p.hold)
		p.hold = nil
	}
	p.mu.Unlock()
}

// Paid returns the amounts taken.
func (p *Payer) Paid() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int64(nil), p.paid...)
}

// Pay takes amount yen in cash.
func (p *Payer) Pay(ctx context.Context, amount int64) (kiosk.Payment, error) {
	p.mu.Lock()
	hold, fail := p.hold, p.fail
	p.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return kiosk.Payment{}, fmt.Errorf("kiosktest: pay: %w: %w", kiosk.ErrPaymentCancelled, ctx.Err())
		}
	}
	if fail != nil {
		return kiosk.Payment{}, fail
	}
	p.mu.Lock()
	p.paid = append(p.paid, amount)
	p.mu.Unlock()
	return kiosk.Payment{Method: "cash", Amount: amount, Ref: "test"}, nil
}
