package printer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"madoguchi/printer"
)

// TestTestPage: the test page names the kiosk, says it is no certificate, and prints.
func TestTestPage(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 5, 0, time.FixedZone("JST", 9*3600))
	j := printer.TestPage{KioskID: "k-1", Location: "見本市役所", Version: "v1 (abc)"}.Job(now)
	if j.TxID != "test-20261127T003005" || j.Copies != 1 || j.Content.IssuanceNumber != "TEST-20261127T003005" {
		t.Fatalf("job %s, %d copies, number %s", j.TxID, j.Copies, j.Content.IssuanceNumber)
	}
	var text []string
	for _, s := range j.Content.Sections {
		for _, r := range s.Rows {
			text = append(text, r.Value)
		}
	}
	all := strings.Join(append(text, j.Content.Title, j.Content.Municipality, j.Content.Certification), "|")
	for _, want := range []string{"k-1", "見本市役所", "v1 (abc)", "2026-11-27 09:30:05 JST", "NOT A CERTIFICATE", "not a certificate"} {
		if !strings.Contains(all, want) {
			t.Errorf("test page lacks %q: %s", want, all)
		}
	}
	rec := &pdfRecorder{status: printer.Status{Online: true}}
	p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: rec})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := p.Print(context.Background(), j); err != nil || !out.Printed || len(rec.jobs) != 1 {
		t.Fatalf("print: %+v, %v", out, err)
	}
}
