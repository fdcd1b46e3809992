package offline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"madoguchi/internal/health"
)

// Statfs reads the free bytes (for unprivileged users) and the size of the file system
// holding path.
func Statfs(path string) (free, size uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail * uint64(st.Bsize), st.Blocks * uint64(st.Bsize), nil
}

// DiskDiagnosis is the disk section of `kiosk diag`: the free space of the file system
// holding the queue, and the queue database's size against its limit.
type DiskDiagnosis struct {
	health.Verdict
	Path      string `json:"path,omitempty"`
	FreeBytes uint64 `json:"free_bytes"`
	SizeBytes uint64 `json:"size_bytes"`
	FailBelow uint64 `json:"fail_below_bytes"` // the kiosk goes out of service below this
	WarnBelow uint64 `json:"warn_below_bytes"`
	DBBytes   int64  `json:"db_bytes"` // queue file with its WAL
	DBLimit   int64  `json:"db_limit_bytes"`
}

// DiagnoseDisk checks the queue database at path with the default limits: below
// DefaultMinFreeDiskBytes free the queue refuses new sessions (a failure), below
// warnBelow the technician should make room (a warning); a database near
// DefaultMaxDBBytes fails too. statfs reads the file system (nil: Statfs; tests simulate
// a full disk).
func DiagnoseDisk(path string, warnBelow uint64, statfs func(string) (free, size uint64, err error)) (d DiskDiagnosis) {
	if statfs == nil {
		statfs = Statfs
	}
	dir := filepath.Dir(path)
	d = DiskDiagnosis{Path: dir, FailBelow: DefaultMinFreeDiskBytes, WarnBelow: warnBelow, DBLimit: DefaultMaxDBBytes}
	defer d.Settle()
	free, size, err := statfs(dir)
	if err != nil {
		d.Failf("cannot read free space of %s: %v", dir, err)
		return d
	}
	d.FreeBytes, d.SizeBytes = free, size
	switch {
	case free < d.FailBelow:
		d.Failf("disk nearly full: %s free on %s; the kiosk refuses new sessions below %s", health.MiB(free), dir, health.MiB(d.FailBelow))
	case free < warnBelow:
		d.Warnf("disk space low: %s free on %s (warning below %s)", health.MiB(free), dir, health.MiB(warnBelow))
	}
	for _, suf := range []string{"", "-wal"} {
		if fi, err := os.Stat(path + suf); err == nil {
			d.DBBytes += fi.Size()
		}
	}
	if d.DBBytes > d.DBLimit-DefaultReserveBytes {
		d.Failf("queue database is %s, at its limit of %s", health.MiB(uint64(d.DBBytes)), health.MiB(uint64(d.DBLimit)))
	} else if d.DBBytes > d.DBLimit/2 {
		d.Warnf("queue database is %s, over half its limit of %s", health.MiB(uint64(d.DBBytes)), health.MiB(uint64(d.DBLimit)))
	}
	return d
}

// WriteText prints the section for a technician.
func (d *DiskDiagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "disk [%s]\n", d.Status)
	fmt.Fprintf(w, "  file system of   %s\n", d.Path)
	fmt.Fprintf(w, "  free             %s of %s\n", health.MiB(d.FreeBytes), health.MiB(d.SizeBytes))
	fmt.Fprintf(w, "  queue database   %s (limit %s)\n", health.MiB(uint64(d.DBBytes)), health.MiB(uint64(d.DBLimit)))
	d.Verdict.WriteText(w)
}
