package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"madoguchi/config"
	"madoguchi/offline"
)

// queueDiag is the queue section: what waits for the center, and whether the SQLite
// file is sound. It reads the file read-only, so it is safe beside a running kiosk.
type queueDiag struct {
	verdict
	Path       string          `json:"path,omitempty"`
	QuickCheck string          `json:"quick_check,omitempty"`
	Stats      *offline.Stats  `json:"stats,omitempty"`
	AlertList  []offline.Alert `json:"alert_list,omitempty"`
}

func diagnoseQueue(ctx context.Context, cfg *config.Config, now time.Time) (d queueDiag) {
	d = queueDiag{Path: cfg.Queue.Path}
	defer d.settle()
	q, err := offline.OpenReadOnly(ctx, cfg.Queue.Path)
	if errors.Is(err, offline.ErrNoDatabase) {
		d.warn("no queue database yet at %s: `kiosk run` creates it at its first start", cfg.Queue.Path)
		return d
	}
	if err != nil {
		d.fail("cannot read the queue: %v", err)
		return d
	}
	defer q.Close()
	if d.QuickCheck, err = q.QuickCheck(ctx); err != nil {
		d.fail("%v", err)
		return d
	}
	if d.QuickCheck != "ok" {
		d.fail("queue database is damaged (quick_check: %s); the kiosk moves it aside and starts a fresh one at its next start", d.QuickCheck)
	}
	st, err := q.Stats(ctx, now)
	if err != nil {
		d.fail("%v", err)
		return d
	}
	d.Stats = &st
	if d.AlertList, err = q.Alerts(ctx); err != nil {
		d.fail("%v", err)
		return d
	}
	qc := cfg.Queue
	undelivered := st.Pending + st.Parked
	switch {
	case undelivered >= qc.MaxMessages:
		d.fail("%d messages undelivered: at the cap of %d, the kiosk is out of service until the center takes them", undelivered, qc.MaxMessages)
	case undelivered >= qc.MaxMessages/2:
		d.warn("%d messages undelivered (cap %d)", undelivered, qc.MaxMessages)
	}
	switch {
	case st.UndeliveredB >= qc.MaxBytes:
		d.fail("%s undelivered: at the cap of %s, the kiosk is out of service", mib(uint64(st.UndeliveredB)), mib(uint64(qc.MaxBytes)))
	case st.UndeliveredB >= qc.MaxBytes/2:
		d.warn("%s undelivered (cap %s)", mib(uint64(st.UndeliveredB)), mib(uint64(qc.MaxBytes)))
	}
	if st.Oldest != nil {
		age := now.Sub(*st.Oldest)
		switch {
		case age >= qc.MaxAge:
			d.fail("oldest undelivered message is %s old: at the cap of %s, the kiosk is out of service", age.Round(time.Second), qc.MaxAge)
		case age >= time.Hour:
			d.warn("oldest undelivered message is %s old: is the center reachable?", age.Round(time.Second))
		}
	}
	if st.Parked > 0 {
		d.warn("%d messages refused by the center (parked): see `kiosk queue list`, fix the cause with the center, then `kiosk queue retry`", st.Parked)
	}
	if len(d.AlertList) > 0 {
		d.warn("%d alerts for the technician (listed below)", len(d.AlertList))
	}
	return d
}

func (d *queueDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "queue [%s]\n", d.Status)
	fmt.Fprintf(w, "  file             %s\n", d.Path)
	if d.QuickCheck != "" {
		fmt.Fprintf(w, "  sqlite check     %s\n", d.QuickCheck)
	}
	if s := d.Stats; s != nil {
		fmt.Fprintf(w, "  undelivered      %d pending, %d parked, %s\n", s.Pending, s.Parked, mib(uint64(s.UndeliveredB)))
		if s.Oldest != nil {
			fmt.Fprintf(w, "  oldest           %s (%s ago)\n", s.Oldest.Format(time.RFC3339), time.Duration(s.OldestAgeS*float64(time.Second)))
		}
		fmt.Fprintf(w, "  delivered, kept  %d (last seq %d)\n", s.Delivered, s.LastSeq)
		if s.OpenSessions > 0 || s.FlaggedSession > 0 {
			fmt.Fprintf(w, "  sessions         %d open, %d flagged\n", s.OpenSessions, s.FlaggedSession)
		}
	}
	for _, a := range d.AlertList {
		fmt.Fprintf(w, "  alert %-10d %s %s: %s\n", a.ID, a.At.Format(time.RFC3339), a.Kind, a.Detail)
	}
	d.writeVerdict(w)
}
