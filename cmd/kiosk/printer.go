package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer"
	"madoguchi/printer/escpos"
	"madoguchi/printer/file"
	"madoguchi/printer/ipp"
	"madoguchi/printer/layout"
)

// newPrinter composes the printer the configuration names: the certificate layout (with
// its font) and one back end.
func newPrinter(cfg *config.Config, sensors printer.Sensors) (*enginePrinter, error) {
	docKey, err := center.LoadDocumentKey(cfg.Center.DocumentKey)
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	lay, err := layout.New(layout.Options{FontPath: cfg.Printer.Font})
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	o := printer.Options{Layout: lay, MaxCopies: cfg.Kiosk.MaxCopies, Sensors: sensors}
	p := cfg.Printer
	switch p.Backend {
	case config.BackendFile:
		f, err := file.New(file.Options{Dir: p.Dir})
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		if p.Paper == config.Paper80mm {
			o.Raster = f
		} else {
			o.PDF = f
		}
	case config.BackendESCPOS:
		e, err := escpos.Open(p.Device, escpos.Options{})
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		o.Raster = e
	case config.BackendIPP:
		i, err := ipp.New(ipp.Options{URI: p.IPPURL})
		if err != nil {
			return nil, fmt.Errorf("printer: %w", err)
		}
		o.PDF = i
	default:
		return nil, fmt.Errorf("printer: unknown back end %q", p.Backend)
	}
	pr, err := printer.New(o)
	if err != nil {
		return nil, err
	}
	return &enginePrinter{p: pr, docKey: docKey}, nil
}

// enginePrinter is the printer as the engine sees it. Before anything reaches the
// printer it verifies, again and independently of the center client, that the document
// is the one the center signed and that it belongs to this very session's request.
type enginePrinter struct {
	p      *printer.Printer
	docKey ed25519.PublicKey
}

var (
	_ kiosk.Printer        = (*enginePrinter)(nil)
	_ kiosk.PrinterChecker = (*enginePrinter)(nil)
)

// errNotThisDocument refuses a job whose signed payload is not the document handed over.
var errNotThisDocument = errors.New("printer: job does not match the center-signed document")

func (e *enginePrinter) Print(ctx context.Context, job kiosk.PrintJob) error {
	signed, err := center.VerifyDocument(e.docKey, job.Payload, job.Signature)
	if err != nil {
		return fmt.Errorf("print %s: %w", job.Session, err)
	}
	if signed.Key != job.Document.Key || signed.IssueID != job.Document.IssueID ||
		signed.Content.IssuanceNumber != job.Document.Content.IssuanceNumber {
		return fmt.Errorf("print %s: %w", job.Session, errNotThisDocument)
	}
	// Print what was signed, not what was handed over.
	_, err = e.p.Print(ctx, printer.Job{TxID: job.Session, Content: signed.Content, Copies: signed.Request.Copies})
	return err
}

// Check reports whether the printer can take a job now (paper, cover, reachable).
func (e *enginePrinter) Check(ctx context.Context) error {
	st, err := e.p.Status(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

func (e *enginePrinter) Close() error { return e.p.Close() }
