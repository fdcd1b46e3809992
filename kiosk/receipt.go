package kiosk

import (
	"context"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// A receipt (領収書) on request: where the kiosk took a fee (a Payer took Payment.Amount >
// 0), the take screen offers to print one. It holds what the payment was for and nothing
// personal: amount, certificate type and copies, date, the document's issuance number,
// the kiosk and the municipality. The offer lives on after the session's wipe until the
// take screen ends; the receipt prints once.

// Receipt is what a receipt says.
type Receipt struct {
	Type           center.CertType
	Copies         int
	Amount         int64     // yen, > 0
	At             time.Time // when it was paid (the kiosk's clock); zero: not known
	IssuedOn       string    // the document's issue date as printed, for a zero At
	IssuanceNumber string
	KioskID        string
	Municipality   string
	Lang           Lang // the screen's language when it was asked for: the receipt's second language
}

// ReceiptPrinter is optionally implemented by a Printer: it prints a receipt.
type ReceiptPrinter interface {
	PrintReceipt(ctx context.Context, r Receipt) error
}

// ReceiptState is where the receipt on the take screen is.
type ReceiptState int

// The receipt states.
const (
	ReceiptNone     ReceiptState = iota // no fee taken, or no receipt printer: no offer
	ReceiptOffered                      // the take screen offers it (InputReceipt)
	ReceiptPrinting                     // printing
	ReceiptPrinted                      // printed
	ReceiptFailed                       // could not be printed (the certificate is not affected)
)

// ReceiptTimeout bounds the printing of a receipt.
const ReceiptTimeout = time.Minute

// receiptOffer is the receipt of the session that just ended. Its fields are the loop's.
type receiptOffer struct {
	r     Receipt
	state ReceiptState
	work  owner
}

// offerReceipt keeps the receipt of a session whose fee was taken, before the wipe.
func (e *Engine) offerReceipt() {
	s := e.sess
	e.receipt = nil
	if _, ok := e.o.Printer.(ReceiptPrinter); !ok || s == nil || s.payment == nil || s.payment.Amount <= 0 || s.issued == nil {
		return
	}
	d := s.issued.Document
	r := Receipt{Type: s.cert, Copies: s.copies, Amount: s.payment.Amount, At: e.o.Clock.Now(),
		IssuedOn: d.Content.IssuedOn, IssuanceNumber: d.Content.IssuanceNumber, KioskID: e.o.Center.KioskID(),
		Municipality: e.o.Municipalities[s.muni].Name}
	if !r.At.IsZero() {
		r.At = r.At.In(config.JST)
	}
	e.receipt = &receiptOffer{r: r, state: ReceiptOffered, work: owner{ctx: e.ctx}}
}

// printReceipt prints the offered receipt once.
func (e *Engine) printReceipt() {
	o := e.receipt
	if o == nil || o.state != ReceiptOffered && o.state != ReceiptFailed {
		return
	}
	o.state = ReceiptPrinting
	rp, r := e.o.Printer.(ReceiptPrinter), o.r
	r.Lang = e.lang
	e.spawn(&o.work, ReceiptTimeout, func(ctx context.Context) func() {
		err := rp.PrintReceipt(ctx, r)
		return func() {
			if err != nil {
				e.log.Warn("kiosk: receipt", "err", err)
				o.state = ReceiptFailed
			} else {
				e.log.Info("kiosk: receipt printed")
				o.state = ReceiptPrinted
			}
			if e.receipt == o {
				e.publish()
			}
		}
	})
}

// dropReceipt ends the offer when the take screen ends; a receipt printing goes on.
func (e *Engine) dropReceipt() {
	if e.receipt != nil && e.receipt.state != ReceiptPrinting {
		e.receipt = nil
	}
}
