package main

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestReceiptEndToEnd: with a cash machine, the wired kiosk (reference center, queue, file
// printer) offers a receipt after the certificate; asked for, the printer's folder holds
// receipt-<issuance number>.pdf whose text (poppler) has the fee, the type, the kiosk and
// the number, and not the resident's name.
func TestReceiptEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install the Debian package poppler-utils")
	}
	dir, c := newKioskDir(t, "receipt-kiosk")
	cfg := config.Demo(dir)
	cfg.Kiosk.ID, cfg.Center.URL = "receipt-kiosk", c.URL()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	parts, err := assemble(ctx, cfg, assembleOptions{Log: log, Payer: demoPayer{10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer parts.close()
	eng := parts.engine
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	vc := residentCard(t, c, 0, 3500, readertest.Options{})
	in := func(k kiosk.InputKind, arg int) { eng.Input(kiosk.Input{Kind: k, Arg: arg}) }
	fee := issueToTake(t, eng, func() { vc.Insert(); eng.CardInserted(reader.New(vc)) }).Fee
	vc.Remove()
	eng.CardRemoved()
	waitFor(t, func() bool { return eng.View().Receipt == kiosk.ReceiptOffered })
	in(kiosk.InputReceipt, 0)
	waitFor(t, func() bool { return eng.View().Receipt == kiosk.ReceiptPrinted })

	files, _ := filepath.Glob(filepath.Join(cfg.Printer.Dir, "receipt-*.pdf"))
	if len(files) != 1 {
		t.Fatalf("receipts in the printer's folder: %v", files)
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", files[0], "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, txt)
	}
	text := strings.Join(strings.Fields(string(txt)), "")
	number := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(files[0]), "receipt-"), ".pdf")
	for _, w := range []string{"領収書", "金" + yenComma(fee) + "円", "住民票の写し1通", "receipt-kiosk", number, "見本市"} {
		if !strings.Contains(text, w) {
			t.Errorf("receipt lacks %q:\n%s", w, txt)
		}
	}
	name := strings.Join(strings.Fields(strings.ReplaceAll(centertest.DemoPeople()[0].Resident.Name, "　", " ")), "")
	if name == "" || strings.Contains(text, name) {
		t.Errorf("the receipt names the resident:\n%s", txt)
	}
}

func yenComma(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
