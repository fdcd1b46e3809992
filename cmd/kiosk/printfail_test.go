package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/printer"
	"madoguchi/printer/printertest"
)

// TestPrintFailuresEndToEnd runs `kiosk run` with real printer back ends — an ESC/POS
// printer on a pseudo-terminal and CUPS's ippeveprinter — and breaks the printer during
// a resident's issuance. Each failure must end with a clear screen for the resident, a
// void the center receives (so nobody is charged and the issuance is not reassigned),
// and an alert the technician finds with `kiosk queue alerts`.
func TestPrintFailuresEndToEnd(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T) (printerTOML string, arm func())
		screen string // the problem screen's title
		reason string // the void's reason
	}{
		{"escpos paper out mid-job", func(t *testing.T) (string, func()) {
			dev := escposDevice(t)
			return escposTOML(dev), func() { dev.PaperOutAfterBands(2) }
		}, "用紙切れのため印刷できませんでした", string(printer.ReasonPaperOut)},
		{"escpos cover open", func(t *testing.T) (string, func()) {
			dev := escposDevice(t)
			return escposTOML(dev), func() { dev.SetCoverOpen(true) }
		}, "印刷できませんでした", string(printer.ReasonCoverOpen)},
		{"escpos unplugged mid-job", func(t *testing.T) (string, func()) {
			dev := escposDevice(t)
			return escposTOML(dev), func() { dev.UnplugAfterBands(2) }
		}, "印刷できませんでした", string(printer.ReasonUnplugged)},
		{"ipp job aborted", func(t *testing.T) (string, func()) {
			srv := printertest.StartIPPPrinter(t)
			return fmt.Sprintf("backend = \"ipp\"\nipp_url = %q", srv.URI), func() { srv.FailJobs(t, "other") }
		}, "印刷できませんでした", string(printer.ReasonJobAborted)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			printerTOML, arm := tt.setup(t)
			r := newRunRigPrinter(t, printerTOML)
			s := startTmux(t, []string{"KIOSK_TEST_MAIN=run -config " + r.cfgPath}, os.Args[0])
			s.waitFor("画面にタッチしてください")
			s.orderResidentRecord()
			if err := r.host.Insert(r.card); err != nil {
				t.Fatal(err)
			}
			s.waitFor("入力できる残り回数：3回")
			s.tapDigits(runRigPIN)
			s.keys("Enter")
			s.waitFor("手数料")
			arm()
			s.keys("Enter")
			s.waitFor(tt.screen)
			s.waitFor("係員にお知らせください")
			if err := r.host.Remove(); err != nil {
				t.Fatal(err)
			}

			db, err := sql.Open("sqlite3", "file:"+filepath.Join(r.dir, "kiosk.db")+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			deadline := time.Now().Add(15 * time.Second)
			for {
				var kinds, states string
				err := db.QueryRow(`SELECT group_concat(kind), group_concat(state) FROM outbox WHERE kind IN ('completed', 'voided')`).Scan(&kinds, &states)
				if err == nil && kinds == "voided" && states == "delivered" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("outbox: kinds %q states %q (%v); want one voided, delivered to the center", kinds, states, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			var payload string
			if err := db.QueryRow(`SELECT payload FROM outbox WHERE kind = 'voided'`).Scan(&payload); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(payload, tt.reason) {
				t.Errorf("void payload %s lacks reason %q", payload, tt.reason)
			}
			var alerts string
			if err := db.QueryRow(`SELECT coalesce(group_concat(kind || ': ' || detail, '; '), '') FROM alerts`).Scan(&alerts); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(alerts, "print_failed") || !strings.Contains(alerts, tt.reason) {
				t.Errorf("alerts %q: want a print_failed alert naming %s", alerts, tt.reason)
			}
		})
	}
}

func escposDevice(t *testing.T) *printertest.Device {
	t.Helper()
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	return dev
}

func escposTOML(dev *printertest.Device) string {
	return fmt.Sprintf("backend = \"escpos\"\ndevice = %q", dev.Path())
}
