package main

import (
	"io"
	"path/filepath"

	"madoguchi/config"
	"madoguchi/internal/health"
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
func (v *verdict) settle()                         { v.Settle() }
func (v *verdict) writeVerdict(w io.Writer)        { v.WriteText(w) }

// diskStatfs reads free and total bytes of the file system holding path. Tests replace
// it to simulate a full disk.
var diskStatfs = offline.Statfs

// Disk thresholds: below diskFailBelow the queue refuses new sessions
// (offline.DefaultMinFreeDiskBytes, which `kiosk run` uses); below the warning
// threshold (-disk-warn) the technician should make room.
const (
	diskFailBelow      = offline.DefaultMinFreeDiskBytes
	diskWarnBelowDeflt = 256 << 20
)

// diagDir is the directory whose file system holds the queue.
func diagDir(cfg *config.Config) string { return filepath.Dir(cfg.Queue.Path) }

func diagnoseDisk(cfg *config.Config, warnBelow uint64) offline.DiskDiagnosis {
	return offline.DiagnoseDisk(cfg.Queue.Path, warnBelow, diskStatfs)
}

func mib(b uint64) string { return health.MiB(b) }
