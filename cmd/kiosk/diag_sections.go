package main

import (
	"context"
	"path/filepath"
	"time"

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

// diagnoseQueue is the queue section against the configuration's caps.
func diagnoseQueue(ctx context.Context, cfg *config.Config, now time.Time) offline.Diagnosis {
	return offline.Diagnose(ctx, cfg.Queue.Path, offlineOptions(cfg.Queue), now)
}
