package config

import (
	"fmt"
	"io"
	"sort"

	"madoguchi/internal/health"
)

// Diagnosis is the config section of `kiosk diag`: a summary of the configuration (no
// secrets: file names, not contents, and whether a technician PIN is set).
type Diagnosis struct {
	health.Verdict
	File           string   `json:"file,omitempty"`
	KioskID        string   `json:"kiosk_id,omitempty"`
	Location       string   `json:"location,omitempty"`
	Language       string   `json:"language,omitempty"`
	Municipalities []string `json:"municipalities,omitempty"`
	ReaderPattern  string   `json:"reader_pattern,omitempty"`
	Printer        string   `json:"printer,omitempty"`
	CenterURL      string   `json:"center_url,omitempty"`
	QueuePath      string   `json:"queue_path,omitempty"`
	StatusListen   string   `json:"status_listen,omitempty"`
	TechnicianMode bool     `json:"technician_mode"` // a technician PIN is set (the PIN itself is never shown)
}

// Diagnose summarises cfg. The file back end, which prints nothing, is a warning.
func Diagnose(cfg *Config) Diagnosis {
	d := Diagnosis{
		File: cfg.File, KioskID: cfg.Kiosk.ID, Location: cfg.Kiosk.Location, Language: cfg.Kiosk.Language,
		CenterURL: cfg.Center.URL, QueuePath: cfg.Queue.Path, StatusListen: cfg.Status.Listen,
		TechnicianMode: cfg.Kiosk.TechnicianPIN != "",
	}
	for _, m := range cfg.Municipalities {
		var types []string
		for _, c := range m.Certificates {
			types = append(types, string(c.Type))
		}
		sort.Strings(types)
		d.Municipalities = append(d.Municipalities, fmt.Sprintf("%s %s %s %v", m.Code, m.Name, m.Hours, types))
	}
	if cfg.Reader.NamePattern != nil {
		d.ReaderPattern = cfg.Reader.NamePattern.String()
	}
	d.Printer = cfg.Printer.Target()
	if cfg.Printer.Backend == BackendFile {
		d.Warnf("printer backend is %q: documents go to a directory, not paper (demo and tests only)", BackendFile)
	}
	d.Settle()
	return d
}

// WriteText prints the section for a technician.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "config [%s]\n", d.Status)
	if d.Status == health.Skipped {
		d.Verdict.WriteText(w)
		return
	}
	fmt.Fprintf(w, "  file             %s\n", d.File)
	fmt.Fprintf(w, "  kiosk            %s (%s), language %s\n", d.KioskID, d.Location, d.Language)
	for _, m := range d.Municipalities {
		fmt.Fprintf(w, "  municipality     %s\n", m)
	}
	fmt.Fprintf(w, "  printer          %s\n", d.Printer)
	fmt.Fprintf(w, "  center           %s\n", d.CenterURL)
	fmt.Fprintf(w, "  queue            %s\n", d.QueuePath)
	if d.StatusListen != "" {
		fmt.Fprintf(w, "  status endpoint  http://%s/\n", d.StatusListen)
	}
	if d.TechnicianMode {
		fmt.Fprintln(w, "  technician mode  on (tap the top-left corner of the idle screen 5 times)")
	} else {
		fmt.Fprintln(w, "  technician mode  off (no kiosk.technician_pin)")
	}
	d.Verdict.WriteText(w)
}

// Target names the printer the section configures, with its paper, for a technician
// ("escpos /dev/usb/lp0 (80mm)").
func (p Printer) Target() string {
	switch p.Backend {
	case BackendFile:
		return fmt.Sprintf("file %s (%s)", p.Dir, p.Paper)
	case BackendESCPOS:
		return fmt.Sprintf("escpos %s (%s)", p.Device, p.Paper)
	case BackendIPP:
		return fmt.Sprintf("ipp %s (%s)", p.IPPURL, p.Paper)
	}
	return p.Backend
}
