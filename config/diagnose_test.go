package config

import (
	"encoding/json"
	"strings"
	"testing"

	"madoguchi/internal/health"
)

func TestPrinterTarget(t *testing.T) {
	for _, tt := range []struct {
		p    Printer
		want string
	}{
		{Printer{Backend: BackendFile, Dir: "/var/lib/madoguchi/printed", Paper: PaperA4}, "file /var/lib/madoguchi/printed (a4)"},
		{Printer{Backend: BackendESCPOS, Device: "/dev/usb/lp0", Paper: Paper80mm}, "escpos /dev/usb/lp0 (80mm)"},
		{Printer{Backend: BackendIPP, IPPURL: "ipp://printer.local/ipp/print", Paper: PaperA4}, "ipp ipp://printer.local/ipp/print (a4)"},
		{Printer{Backend: "fax"}, "fax"},
	} {
		if got := tt.p.Target(); got != tt.want {
			t.Errorf("Target of %+v = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestDiagnose summarises a configuration for `kiosk diag`: what a technician needs to
// read, a warning for the file back end, and never the technician PIN.
func TestDiagnose(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		status string
		text   []string
	}{
		{"demo: the file back end prints nothing", func(*Config) {}, health.Warn,
			[]string{`  printer          file `, "technician mode  off", `  warning          printer backend is "file"`}},
		{"escpos with technician mode", func(c *Config) {
			c.Printer = Printer{Backend: BackendESCPOS, Device: "/dev/usb/lp0", Paper: Paper80mm}
			c.Kiosk.TechnicianPIN = "97531086"
		}, health.OK, []string{"  printer          escpos /dev/usb/lp0 (80mm)", "technician mode  on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Demo(t.TempDir())
			cfg.File = "kiosk.toml"
			tt.change(cfg)
			d := Diagnose(cfg)
			if d.Status != tt.status || d.KioskID != cfg.Kiosk.ID || d.File != "kiosk.toml" || len(d.Municipalities) != len(cfg.Municipalities) {
				t.Fatalf("diagnosis %+v, want status %s", d, tt.status)
			}
			var b strings.Builder
			d.WriteText(&b)
			js, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append(tt.text, "config ["+tt.status+"]\n  file             kiosk.toml\n", "  municipality     "+d.Municipalities[0]) {
				if !strings.Contains(b.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, b.String())
				}
			}
			if pin := cfg.Kiosk.TechnicianPIN; pin != "" && (strings.Contains(b.String(), pin) || strings.Contains(string(js), pin)) {
				t.Fatal("the technician PIN is in the report")
			}
		})
	}
	var skipped Diagnosis
	skipped.Status = health.Skipped
	skipped.Notef("needs the configuration")
	var b strings.Builder
	skipped.WriteText(&b)
	if b.String() != "config [skipped]\n  note             needs the configuration\n" {
		t.Errorf("skipped section:\n%s", b.String())
	}
}
