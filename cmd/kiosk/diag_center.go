package main

import (
	"context"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// clockFunc is a wall clock as a function (diag's now).
type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

// diagnoseCenter is the center section: the kiosk's own center client (the files loaded
// as the kiosk loads them, the certificate it presents, the pinned CA it trusts) checks
// itself and the way to the center (center.Client.Diagnose).
func diagnoseCenter(ctx context.Context, cfg *config.Config, now func() time.Time) center.Diagnosis {
	client, err := newCenterClient(cfg, clockFunc(now))
	if err != nil {
		d := center.Diagnosis{URL: cfg.Center.URL}
		d.Failf("cannot load the TLS files: %v", err)
		d.Settle()
		return d
	}
	defer client.Close()
	d := client.Diagnose(ctx, cfg.Center.CAFile)
	d.URL = cfg.Center.URL // as the technician wrote it
	return d
}
