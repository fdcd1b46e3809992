package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"madoguchi/config"
	"madoguchi/health"
	"madoguchi/offline"
	"madoguchi/printer/backend"
)

// Section statuses of `kiosk diag` (package health). The kiosk is healthy when no
// section failed.
const (
	statusOK      = health.OK
	statusWarn    = health.Warn
	statusFail    = health.Fail
	statusSkipped = health.Skipped
)

// verdict is a health.Verdict for the sections still checked here (config, center,
// queue, disk), with short names for its methods.
type verdict struct{ health.Verdict }

func (v *verdict) fail(format string, args ...any) { v.Failf(format, args...) }
func (v *verdict) warn(format string, args ...any) { v.Warnf(format, args...) }
func (v *verdict) note(format string, args ...any) { v.Notef(format, args...) }
func (v *verdict) settle()                         { v.Settle() }
func (v *verdict) writeVerdict(w io.Writer)        { v.WriteText(w) }

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
