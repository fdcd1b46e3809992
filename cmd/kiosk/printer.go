package main

import (
	"context"
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
	return &enginePrinter{printer.NewGuard(pr, docKey)}, nil
}

// enginePrinter is the printer as the engine sees it: the guard that re-verifies every
// document against the center's signature and its session before printing.
type enginePrinter struct{ *printer.Guard }

var (
	_ kiosk.Printer        = (*enginePrinter)(nil)
	_ kiosk.PrinterChecker = (*enginePrinter)(nil)
)

func (e *enginePrinter) Print(ctx context.Context, job kiosk.PrintJob) error {
	return e.Guard.Print(ctx, printer.SignedJob(job))
}
