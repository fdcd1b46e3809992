package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"madoguchi/config"
	"madoguchi/offline"
	"madoguchi/printer"
	"madoguchi/printer/backend"
	"madoguchi/printer/gpio"
)

// Section verdicts of `kiosk diag`. The kiosk is healthy when no section failed.
const (
	statusOK      = "ok"      // nothing to do
	statusWarn    = "warn"    // works, but the technician should look (paper low, parked messages)
	statusFail    = "fail"    // the kiosk cannot serve residents, or will not for long
	statusSkipped = "skipped" // not checked (no configuration, nothing wired)
)

// verdict collects a section's problems (fail) and warnings (warn).
type verdict struct {
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

func (v *verdict) fail(format string, args ...any) {
	v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
}
func (v *verdict) warn(format string, args ...any) {
	v.Warnings = append(v.Warnings, fmt.Sprintf(format, args...))
}
func (v *verdict) note(format string, args ...any) {
	v.Notes = append(v.Notes, fmt.Sprintf(format, args...))
}

// settle sets Status from what was collected (unless it was set to skipped).
func (v *verdict) settle() {
	switch {
	case v.Status == statusSkipped:
	case len(v.Problems) > 0:
		v.Status = statusFail
	case len(v.Warnings) > 0:
		v.Status = statusWarn
	default:
		v.Status = statusOK
	}
}

func (v *verdict) writeVerdict(w io.Writer) {
	for _, p := range v.Problems {
		fmt.Fprintf(w, "  FAIL             %s\n", p)
	}
	for _, p := range v.Warnings {
		fmt.Fprintf(w, "  warning          %s\n", p)
	}
	for _, p := range v.Notes {
		fmt.Fprintf(w, "  note             %s\n", p)
	}
}

// configDiag summarises the configuration (no secrets: file names, not contents).
type configDiag struct {
	verdict
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

func summariseConfig(cfg *config.Config) configDiag {
	d := configDiag{
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
	d.Printer = backend.Target(cfg.Printer)
	if cfg.Printer.Backend == config.BackendFile {
		d.warn("printer backend is %q: documents go to a directory, not paper (demo and tests only)", config.BackendFile)
	}
	d.settle()
	return d
}

func (d *configDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "config [%s]\n", d.Status)
	if d.Status == statusSkipped {
		d.writeVerdict(w)
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
	d.writeVerdict(w)
}

// printerDiag is the printer section.
type printerDiag struct {
	verdict
	Target string          `json:"target,omitempty"`
	State  *printer.Status `json:"state,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func diagnosePrinter(ctx context.Context, cfg *config.Config) (d printerDiag) {
	d = printerDiag{Target: backend.Target(cfg.Printer)}
	defer d.settle()
	be, err := backend.OpenStatus(cfg.Printer)
	if err != nil {
		d.Error = err.Error()
		if errors.Is(err, syscall.EBUSY) {
			d.warn("printer device is busy: the running kiosk holds it (see the status endpoint, or stop the kiosk to check it)")
			return d
		}
		d.fail("printer cannot be opened: %v", err)
		return d
	}
	defer be.Close()
	st, err := be.Status(ctx)
	if err != nil {
		d.Error = err.Error()
		d.fail("printer not answering: %v", err)
		return d
	}
	d.State = &st
	if err := st.Err(); err != nil {
		d.fail("%v", err)
	}
	if st.PaperLow {
		d.warn("paper low: refill soon")
	}
	return d
}

func (d *printerDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "printer [%s]\n", d.Status)
	if d.Target != "" {
		fmt.Fprintf(w, "  target           %s\n", d.Target)
	}
	if d.State != nil {
		fmt.Fprintf(w, "  state            %s\n", d.State)
	}
	d.writeVerdict(w)
}

// gpioDiag is the GPIO section: the inputs' states. Outputs are not touched (the
// running kiosk may be driving them).
type gpioDiag struct {
	verdict
	Pins        map[string]string `json:"pins,omitempty"` // config key → pin name
	PaperLow    *bool             `json:"paper_low,omitempty"`
	CabinetOpen *bool             `json:"cabinet_open,omitempty"`
}

func diagnoseGPIO(cfg *config.Config) (d gpioDiag) {
	g := cfg.GPIO
	d = gpioDiag{Pins: map[string]string{}}
	for k, v := range map[string]string{"paper_low": g.PaperLow, "door": g.Door, "card_led": g.CardLED, "buzzer": g.Buzzer} {
		if v != "" {
			d.Pins[k] = v
		}
	}
	if g.PaperLow == "" && g.Door == "" {
		d.Status = statusSkipped
		d.note("no input pins wired ([gpio] paper_low and door are empty)")
		return d
	}
	defer d.settle()
	panel, err := gpio.OpenHost(gpio.PinNames{PaperLow: g.PaperLow, Door: g.Door}, gpio.Options{})
	if err != nil {
		if errors.Is(err, syscall.EBUSY) || strings.Contains(err.Error(), "busy") {
			d.warn("gpio pins busy: the running kiosk holds them")
			return d
		}
		d.fail("gpio: %v", err)
		return d
	}
	defer panel.Close()
	if g.PaperLow != "" {
		low, err := panel.PaperLow()
		if err != nil {
			d.fail("paper-low sensor: %v", err)
		} else {
			d.PaperLow = &low
			if low {
				d.warn("paper-low sensor: paper near end")
			}
		}
	}
	if g.Door != "" {
		open, err := panel.CabinetOpen()
		if err != nil {
			d.fail("door switch: %v", err)
		} else {
			d.CabinetOpen = &open
			if open {
				d.warn("cabinet door is open")
			}
		}
	}
	return d
}

func (d *gpioDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "gpio [%s]\n", d.Status)
	keys := make([]string, 0, len(d.Pins))
	for k := range d.Pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-16s %s\n", k, d.Pins[k])
	}
	if d.PaperLow != nil {
		fmt.Fprintf(w, "  paper low        %v\n", *d.PaperLow)
	}
	if d.CabinetOpen != nil {
		fmt.Fprintf(w, "  cabinet open     %v\n", *d.CabinetOpen)
	}
	d.writeVerdict(w)
}

// diskDiag is the free space of the file system holding the queue.
type diskDiag struct {
	verdict
	Path      string `json:"path,omitempty"`
	FreeBytes uint64 `json:"free_bytes"`
	SizeBytes uint64 `json:"size_bytes"`
	FailBelow uint64 `json:"fail_below_bytes"` // the kiosk goes out of service below this
	WarnBelow uint64 `json:"warn_below_bytes"`
	DBBytes   int64  `json:"db_bytes"` // queue file with its WAL
	DBLimit   int64  `json:"db_limit_bytes"`
}

// diskStatfs reads free and total bytes (for unprivileged users) of the file system
// holding path. Tests replace it to simulate a full disk.
var diskStatfs = func(path string) (free, size uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

// Disk thresholds: below diskFailBelow the queue refuses new sessions
// (offline.DefaultMinFreeDiskBytes, which `kiosk run` uses); below the warning
// threshold (-disk-warn) the technician should make room.
const (
	diskFailBelow      = offline.DefaultMinFreeDiskBytes
	diskWarnBelowDeflt = 256 << 20
)

// diagDir is the directory whose file system holds the queue.
func diagDir(cfg *config.Config) string { return filepath.Dir(cfg.Queue.Path) }

func diagnoseDisk(cfg *config.Config, warnBelow uint64) (d diskDiag) {
	dir := diagDir(cfg)
	d = diskDiag{Path: dir, FailBelow: diskFailBelow, WarnBelow: warnBelow, DBLimit: offline.DefaultMaxDBBytes}
	defer d.settle()
	free, size, err := diskStatfs(dir)
	if err != nil {
		d.fail("cannot read free space of %s: %v", dir, err)
		return d
	}
	d.FreeBytes, d.SizeBytes = free, size
	switch {
	case free < d.FailBelow:
		d.fail("disk nearly full: %s free on %s; the kiosk refuses new sessions below %s", mib(free), dir, mib(d.FailBelow))
	case free < warnBelow:
		d.warn("disk space low: %s free on %s (warning below %s)", mib(free), dir, mib(warnBelow))
	}
	for _, suf := range []string{"", "-wal"} {
		if fi, err := os.Stat(cfg.Queue.Path + suf); err == nil {
			d.DBBytes += fi.Size()
		}
	}
	if d.DBBytes > d.DBLimit-offline.DefaultReserveBytes {
		d.fail("queue database is %s, at its limit of %s", mib(uint64(d.DBBytes)), mib(uint64(d.DBLimit)))
	} else if d.DBBytes > d.DBLimit/2 {
		d.warn("queue database is %s, over half its limit of %s", mib(uint64(d.DBBytes)), mib(uint64(d.DBLimit)))
	}
	return d
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (d *diskDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "disk [%s]\n", d.Status)
	fmt.Fprintf(w, "  file system of   %s\n", d.Path)
	fmt.Fprintf(w, "  free             %s of %s\n", mib(d.FreeBytes), mib(d.SizeBytes))
	fmt.Fprintf(w, "  queue database   %s (limit %s)\n", mib(uint64(d.DBBytes)), mib(uint64(d.DBLimit)))
	d.writeVerdict(w)
}
