package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/kiosk"
)

// TestTechOffice runs technician mode's back office against the demo-like rig: PIN
// check, diagnostics, queue and a real test page through the file printer.
func TestTechOffice(t *testing.T) {
	r := newDiagRig(t)
	cfg := r.load(t, r.write(t, "kiosk.toml", `^Virtual PCD 00 00$`, "backend = \"file\"\ndir = \"printed\""))
	if cfg.Kiosk.TechnicianPIN != "97531086" {
		t.Fatalf("technician pin from the file: %q", cfg.Kiosk.TechnicianPIN)
	}
	cfg.Kiosk.TechnicianPIN = ""
	if newTechnician(cfg, nil) != nil {
		t.Fatal("technician mode enabled without a PIN")
	}
	cfg.Kiosk.TechnicianPIN = "20261127"
	prn, err := newPrinter(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer prn.Close()
	var tech kiosk.Technician = newTechnician(cfg, prn)
	tests := []struct {
		pin  string
		want bool
	}{{"20261127", true}, {"2026112", false}, {"202611270", false}, {"", false}, {"00000000", false}}
	for _, tt := range tests {
		if got := tech.CheckPIN([]byte(tt.pin)); got != tt.want {
			t.Errorf("CheckPIN(%q) = %v", tt.pin, got)
		}
	}
	ctx := context.Background()
	diag := strings.Join(tech.Diagnostics(ctx), "\n")
	for _, want := range []string{"printer [ok]", "center [ok] clock skew", "queue [ok] 0 pending, 0 parked", "disk [ok]", "kiosk diag-kiosk-1"} {
		if !strings.Contains(diag, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, diag)
		}
	}
	q := strings.Join(tech.Queue(ctx), "\n")
	for _, want := range []string{"pending 0, parked 0", "last seq 1", "alerts 0"} {
		if !strings.Contains(q, want) {
			t.Errorf("queue lacks %q:\n%s", want, q)
		}
	}
	if err := tech.TestPage(ctx); err != nil {
		t.Fatal(err)
	}
	pdfs, _ := filepath.Glob(filepath.Join(r.dir, "printed", "test-*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("test page files: %v", pdfs)
	}
	if keep := os.Getenv("KIOSK_KEEP_TESTPAGE"); keep != "" {
		b, _ := os.ReadFile(pdfs[0])
		must(t, os.WriteFile(keep, b, 0o600))
	}
	// With the center down the summary says so.
	must(t, r.center.Close())
	if d := strings.Join(tech.Diagnostics(ctx), "\n"); !strings.Contains(d, "center [fail] center not reachable") {
		t.Errorf("diagnostics with the center down:\n%s", d)
	}
}
