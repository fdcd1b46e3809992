package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/printer"
	"madoguchi/printer/backend"
	"madoguchi/printer/layout"
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
	key, err := tls.LoadX509KeyPair(cfg.Center.ClientCert, cfg.Center.ClientKey)
	if err != nil {
		pr.Close()
		return nil, fmt.Errorf("printer: the kiosk's key for form stamps: %w", err)
	}
	signer, ok := key.PrivateKey.(crypto.Signer)
	if !ok {
		pr.Close()
		return nil, fmt.Errorf("printer: the kiosk's key %T cannot sign form stamps", key.PrivateKey)
	}
	return &enginePrinter{Guard: printer.NewGuard(pr, docKey), stampKey: signer}, nil
}

// warnReceiptFonts logs each fallback font that is not installed: the receipts of its
// languages print in Japanese and English (the error names the package). It reads no
// font (the fallbacks are read when first needed); `kiosk diag` checks them fully.
func warnReceiptFonts(log *slog.Logger, lay *layout.Layout) {
	if log == nil || lay == nil {
		return
	}
	for _, err := range lay.MissingFonts() {
		log.Warn("receipt font missing: its language's receipts print in Japanese and English", "err", err)
	}
}

// enginePrinter is the printer as the engine sees it: the guard that re-verifies every
// document against the center's signature and its session before printing.
// It prints prefilled forms too, their QR stamp signed with the kiosk's TLS key.
type enginePrinter struct {
	*printer.Guard
	stampKey crypto.Signer
}

var (
	_ kiosk.Printer        = (*enginePrinter)(nil)
	_ kiosk.PrinterChecker = (*enginePrinter)(nil)
	_ kiosk.FormPrinter    = (*enginePrinter)(nil)
)

func (e *enginePrinter) PrintForm(ctx context.Context, job kiosk.FormJob) error {
	_, err := e.Guard.Printer().PrintForm(ctx, e.stampKey, job)
	return err
}

func (e *enginePrinter) Print(ctx context.Context, job kiosk.PrintJob) error {
	return e.Guard.Print(ctx, printer.SignedJob(job))
}

var _ kiosk.ApplicationPrinter = (*enginePrinter)(nil)

// PrintApplicationReceipt prints an e-application's receipt through the same back end.
func (e *enginePrinter) PrintApplicationReceipt(ctx context.Context, job kiosk.ApplicationReceiptJob) error {
	_, err := e.Guard.Printer().PrintApplicationReceipt(ctx, job)
	return err
}

var _ kiosk.ReceiptPrinter = (*enginePrinter)(nil)

// PrintReceipt prints the engine's receipt through the same back end (not a center's
// document: the guard has no signature to check).
func (e *enginePrinter) PrintReceipt(ctx context.Context, r kiosk.Receipt) error {
	date := r.IssuedOn
	if !r.At.IsZero() {
		date = r.At.In(config.JST).Format("2006-01-02 15:04 MST")
	}
	_, err := e.Guard.Printer().PrintReceipt(ctx, layout.Receipt{Title: r.Type.Title(), Copies: r.Copies, Amount: r.Amount,
		Date: date, IssuanceNumber: r.IssuanceNumber, KioskID: r.KioskID, Municipality: r.Municipality,
		Lang: string(r.Lang)})
	return err
}
