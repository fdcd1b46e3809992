package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/internal/health"
	"madoguchi/printer"
	"madoguchi/printer/backend"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

func TestOpen(t *testing.T) {
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	dir := t.TempDir()
	tests := []struct {
		name    string
		p       config.Printer
		raster  bool   // the back end takes pages (else a PDF)
		device  string // Device.String
		target  string
		wantErr string
	}{
		{name: "file a4", p: config.Printer{Backend: config.BackendFile, Dir: filepath.Join(dir, "a4"), Paper: config.PaperA4},
			device: "file(" + filepath.Join(dir, "a4") + ")", target: "file " + filepath.Join(dir, "a4") + " (a4)"},
		{name: "file 80mm", p: config.Printer{Backend: config.BackendFile, Dir: filepath.Join(dir, "80"), Paper: config.Paper80mm},
			raster: true, device: "file(" + filepath.Join(dir, "80") + ")", target: "file " + filepath.Join(dir, "80") + " (80mm)"},
		{name: "escpos", p: config.Printer{Backend: config.BackendESCPOS, Device: dev.Path(), Paper: config.Paper80mm},
			raster: true, device: "escpos(" + dev.Path() + ")", target: "escpos " + dev.Path() + " (80mm)"},
		{name: "ipp", p: config.Printer{Backend: config.BackendIPP, IPPURL: "ipp://127.0.0.1:1/ipp/print", Paper: config.PaperA4},
			device: "ipp(ipp://127.0.0.1:1/ipp/print)", target: "ipp ipp://127.0.0.1:1/ipp/print (a4)"},
		{name: "escpos without device", p: config.Printer{Backend: config.BackendESCPOS, Device: filepath.Join(dir, "no-such-lp0")},
			target: "escpos " + filepath.Join(dir, "no-such-lp0") + " ()", wantErr: "no-such-lp0"},
		{name: "unknown", p: config.Printer{Backend: "fax"}, target: "fax", wantErr: `unknown back end "fax"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Target(); got != tt.target {
				t.Errorf("Target = %q, want %q", got, tt.target)
			}
			d, err := backend.Open(tt.p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open = %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if (d.Raster != nil) != tt.raster || (d.PDF != nil) == tt.raster {
				t.Fatalf("raster %v, pdf %v; want raster %v", d.Raster != nil, d.PDF != nil, tt.raster)
			}
			if d.String() != tt.device {
				t.Errorf("String = %q, want %q", d.String(), tt.device)
			}
		})
	}
}

// TestOpenStatus: a status read creates nothing; a missing or wrong output directory is
// an error of its own.
func TestOpenStatus(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, tt := range []struct {
		name, dir, wantErr string
	}{
		{"existing directory", dir, ""},
		{"missing directory", missing, "output directory"},
		{"not a directory", notDir, "is not a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := backend.OpenStatus(config.Printer{Backend: config.BackendFile, Dir: tt.dir, Paper: config.PaperA4})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OpenStatus = %v, want %q", err, tt.wantErr)
				}
				if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the status read created %s", missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if st, err := d.Status(context.Background()); err != nil || !st.Online {
				t.Fatalf("Status = %v, %v", st, err)
			}
		})
	}
}

// TestNew composes a printer from the [printer] section and prints through it.
func TestNew(t *testing.T) {
	lay, err := layout.New(layout.Options{Sample: true, Clock: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		paper string
		file  string
	}{{config.PaperA4, "tx-1.pdf"}, {config.Paper80mm, "tx-1.escpos"}} {
		t.Run(tt.paper, func(t *testing.T) {
			dir := t.TempDir()
			p, err := backend.New(config.Printer{Backend: config.BackendFile, Dir: dir, Paper: tt.paper}, printer.Options{Layout: lay})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if out, err := p.Print(context.Background(), printer.Job{TxID: "tx-1", Content: c}); err != nil || !out.Printed {
				t.Fatalf("Print = %+v, %v", out, err)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := backend.New(config.Printer{Backend: "fax"}, printer.Options{Layout: lay}); err == nil || !strings.Contains(err.Error(), "printer: unknown back end") {
		t.Fatalf("New with an unknown back end: %v", err)
	}
	if _, err := backend.New(config.Printer{Backend: config.BackendFile, Dir: t.TempDir(), Font: filepath.Join(t.TempDir(), "no.ttf")}, printer.Options{}); err == nil {
		t.Fatal("New with a missing font: no error")
	}
}

// TestDiagnose reads the configured printer's state as `kiosk diag` does.
func TestDiagnose(t *testing.T) {
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	escpos := config.Printer{Backend: config.BackendESCPOS, Device: dev.Path(), Paper: config.Paper80mm}
	tests := []struct {
		name    string
		p       config.Printer
		setup   func()
		status  string
		problem string
	}{
		{name: "file printer", p: config.Printer{Backend: config.BackendFile, Dir: t.TempDir(), Paper: config.PaperA4}, status: health.OK},
		{name: "file printer without its folder", p: config.Printer{Backend: config.BackendFile, Dir: filepath.Join(t.TempDir(), "gone")},
			status: health.Fail, problem: "printer cannot be opened: output directory"},
		{name: "escpos ready", p: escpos, status: health.OK},
		{name: "escpos paper low", p: escpos, setup: func() { dev.SetNearEnd(true) }, status: health.Warn, problem: "paper low"},
		{name: "escpos paper out", p: escpos, setup: func() { dev.SetNearEnd(false); dev.SetPaperOut(true) }, status: health.Fail, problem: "paper out"},
		{name: "escpos unplugged", p: config.Printer{Backend: config.BackendESCPOS, Device: "/dev/null/lp9"}, status: health.Fail,
			problem: "printer cannot be opened"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			d := backend.Diagnose(context.Background(), tt.p)
			if d.Status != tt.status || d.Target != tt.p.Target() {
				t.Fatalf("status %s target %q, want %s: %+v", d.Status, d.Target, tt.status, d)
			}
			all := strings.Join(append(append([]string{}, d.Problems...), d.Warnings...), "|")
			if tt.problem != "" && !strings.Contains(all, tt.problem) {
				t.Fatalf("report %q lacks %q", all, tt.problem)
			}
			if tt.status == health.OK && (d.State == nil || !d.State.Online) {
				t.Fatalf("state %v", d.State)
			}
			var b strings.Builder
			d.WriteText(&b)
			if !strings.HasPrefix(b.String(), "printer ["+tt.status+"]\n  target           "+d.Target+"\n") {
				t.Errorf("text:\n%s", b.String())
			}
		})
	}
}

// TestCheckFonts: `kiosk diag` fails without the certificate font and warns, naming the
// package, for each receipt language whose fallback font is missing.
func TestCheckFonts(t *testing.T) {
	without := func(lang string) []layout.Fallback {
		var out []layout.Fallback
		for _, f := range layout.DefaultFallbacks {
			for _, l := range f.Langs {
				if l == lang {
					f.Path = filepath.Join(t.TempDir(), "gone.ttf")
				}
			}
			out = append(out, f)
		}
		return out
	}
	tests := []struct {
		name   string
		font   string
		fbs    []layout.Fallback
		status string
		want   []string
	}{
		{"all fonts", "", layout.DefaultFallbacks, health.OK, nil},
		{"no Korean font", "", without("ko"), health.Warn, []string{"receipt in ko", "install fonts-nanum", "Japanese and English"}},
		{"no Nepali font", "", without("ne"), health.Warn, []string{"receipt in ne", "install fonts-lohit-deva"}},
		{"no certificate font", filepath.Join(t.TempDir(), "ipaexg.ttf"), layout.DefaultFallbacks, health.Fail, []string{"printer font", "install fonts-ipaexfont-gothic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v health.Verdict
			backend.CheckFonts(&v, tt.font, tt.fbs)
			v.Settle()
			all := strings.Join(append(append([]string{}, v.Problems...), v.Warnings...), "|")
			if v.Status != tt.status {
				t.Fatalf("status %s, want %s: %s", v.Status, tt.status, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("report %q lacks %q", all, w)
				}
			}
			if tt.status == health.Warn && len(v.Warnings) != 1 {
				t.Errorf("%d warnings, want one (the one language): %s", len(v.Warnings), all)
			}
		})
	}
}
