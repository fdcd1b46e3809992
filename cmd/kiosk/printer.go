package main

import (
	"context"
	"fmt"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer"
	"madoguchi/printer/backend"
)

// newPrinter composes the printer the configuration names (printer/backend), guarded by
// the center's document key.
func newPrinter(cfg *config.Config, sensors printer.Sensors) (*enginePrinter, error) {
	docKey, err := center.LoadDocumentKey(cfg.Center.DocumentKey)
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	pr, err := backend.New(cfg.Printer, printer.Options{MaxCopies: cfg.Kiosk.MaxCopies, Sensors: sensors})
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
