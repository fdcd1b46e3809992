package main

import (
	"context"
	"time"

	"madoguchi/config"
	"madoguchi/internal/health"
	"madoguchi/offline"
)

// Section statuses of `kiosk diag` (package health). The kiosk is healthy when no
// section failed.
const (
	statusFail    = health.Fail
	statusSkipped = health.Skipped
)

// diskStatfs reads free and total bytes of the file system holding path. Tests replace
// it to simulate a full disk.
var diskStatfs = offline.Statfs

// diskWarnBelowDeflt is the default of -disk-warn-mb: below it the technician should
// make room (below offline.DefaultMinFreeDiskBytes the queue refuses new sessions).
const diskWarnBelowDeflt = 256 << 20

func diagnoseDisk(cfg *config.Config, warnBelow uint64) offline.DiskDiagnosis {
	return offline.DiagnoseDisk(cfg.Queue.Path, warnBelow, diskStatfs)
}

func mib(b uint64) string { return health.MiB(b) }

// diagnoseQueue is the queue section against the configuration's caps.
func diagnoseQueue(ctx context.Context, cfg *config.Config, now time.Time) offline.Diagnosis {
	return offline.Diagnose(ctx, cfg.Queue.Path, offlineOptions(cfg.Queue), now)
}
