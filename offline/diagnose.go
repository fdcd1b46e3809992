package offline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"madoguchi/internal/health"
)

// Diagnosis is the queue section of `kiosk diag`: what waits for the center, and
// whether the SQLite file is sound.
type Diagnosis struct {
	health.Verdict
	Path       string  `json:"path,omitempty"`
	QuickCheck string  `json:"quick_check,omitempty"`
	Stats      *Stats  `json:"stats,omitempty"`
	AlertList  []Alert `json:"alert_list,omitempty"`
}

// Diagnose checks the queue at path read-only (safe beside a running kiosk) against
// the caps of o (MaxPending, MaxPendingBytes, MaxPendingAge), as of now.
func Diagnose(ctx context.Context, path string, o Options, now time.Time) (d Diagnosis) {
	d = Diagnosis{Path: path}
	defer d.Settle()
	q, err := OpenReadOnly(ctx, path)
	if errors.Is(err, ErrNoDatabase) {
		d.Warnf("no queue database yet at %s: `kiosk run` creates it at its first start", path)
		return d
	}
	if err != nil {
		d.Failf("cannot read the queue: %v", err)
		return d
	}
	defer q.Close()
	if d.QuickCheck, err = q.QuickCheck(ctx); err != nil {
		d.Failf("%v", err)
		return d
	}
	if d.QuickCheck != "ok" {
		d.Failf("queue database is damaged (quick_check: %s); the kiosk moves it aside and starts a fresh one at its next start", d.QuickCheck)
	}
	st, err := q.Stats(ctx, now)
	if err != nil {
		d.Failf("%v", err)
		return d
	}
	d.Stats = &st
	if d.AlertList, err = q.Alerts(ctx); err != nil {
		d.Failf("%v", err)
		return d
	}
	d.checkCaps(st, o, now)
	return d
}

// checkCaps fails the section at a cap (the kiosk is out of service there) and warns
// half way, at an hour's backlog, at parked messages and at open alerts.
func (d *Diagnosis) checkCaps(st Stats, o Options, now time.Time) {
	undelivered := st.Pending + st.Parked
	switch {
	case undelivered >= o.MaxPending:
		d.Failf("%d messages undelivered: at the cap of %d, the kiosk is out of service until the center takes them", undelivered, o.MaxPending)
	case undelivered >= o.MaxPending/2:
		d.Warnf("%d messages undelivered (cap %d)", undelivered, o.MaxPending)
	}
	switch {
	case st.UndeliveredB >= o.MaxPendingBytes:
		d.Failf("%s undelivered: at the cap of %s, the kiosk is out of service", health.MiB(uint64(st.UndeliveredB)), health.MiB(uint64(o.MaxPendingBytes)))
	case st.UndeliveredB >= o.MaxPendingBytes/2:
		d.Warnf("%s undelivered (cap %s)", health.MiB(uint64(st.UndeliveredB)), health.MiB(uint64(o.MaxPendingBytes)))
	}
	if st.Oldest != nil {
		age := now.Sub(*st.Oldest)
		switch {
		case age >= o.MaxPendingAge:
			d.Failf("oldest undelivered message is %s old: at the cap of %s, the kiosk is out of service", age.Round(time.Second), o.MaxPendingAge)
		case age >= time.Hour:
			d.Warnf("oldest undelivered message is %s old: is the center reachable?", age.Round(time.Second))
		}
	}
	if st.Parked > 0 {
		d.Warnf("%d messages refused by the center (parked): see `kiosk queue list`, fix the cause with the center, then `kiosk queue retry`", st.Parked)
	}
	if len(d.AlertList) > 0 {
		d.Warnf("%d alerts for the technician (listed below)", len(d.AlertList))
	}
}

// WriteText prints the section for a person.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "queue [%s]\n", d.Status)
	fmt.Fprintf(w, "  file             %s\n", d.Path)
	if d.QuickCheck != "" {
		fmt.Fprintf(w, "  sqlite check     %s\n", d.QuickCheck)
	}
	if s := d.Stats; s != nil {
		fmt.Fprintf(w, "  undelivered      %d pending, %d parked, %s\n", s.Pending, s.Parked, health.MiB(uint64(s.UndeliveredB)))
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
	d.Verdict.WriteText(w)
}
