package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"madoguchi/config"
	"madoguchi/health"
	"madoguchi/offline"
)

// Section statuses of `kiosk diag` (package health). The kiosk is healthy when no
// section failed.
const (
	statusOK      = health.OK
	statusWarn    = health.Warn
	statusFail    = health.Fail
	statusSkipped = health.Skipped
)

// verdict is a health.Verdict for the sections still checked here (queue, disk), with
// short names for its methods.
type verdict struct{ health.Verdict }

func (v *verdict) fail(format string, args ...any) { v.Failf(format, args...) }
func (v *verdict) warn(format string, args ...any) { v.Warnf(format, args...) }
func (v *verdict) note(format string, args ...any) { v.Notef(format, args...) }
func (v *verdict) settle()                         { v.Settle() }
func (v *verdict) writeVerdict(w io.Writer)        { v.WriteText(w) }

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
