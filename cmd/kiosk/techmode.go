package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"time"

	"madoguchi/config"
	"madoguchi/internal/health"
	"madoguchi/kiosk"
	"madoguchi/offline"
	"madoguchi/offline/queuetool"
	"madoguchi/printer"
)

// techOffice is technician mode's back office (kiosk.Technician): the PIN check, a
// diagnostics summary (the sections of `kiosk diag`, the printer read in-process), the
// queue read-only, and a test page. It shows nothing personal and no payload.
type techOffice struct {
	cfg     *config.Config
	pinHash [sha256.Size]byte // only the hash is kept here
	printer *enginePrinter    // nil: no printer (no test page)
	now     func() time.Time
}

// newTechnician returns the back office, or nil (technician mode disabled) when the
// configuration has no technician PIN. The kiosk wires it as kiosk.Options.Technician.
func newTechnician(cfg *config.Config, prn *enginePrinter) kiosk.Technician {
	if cfg.Kiosk.TechnicianPIN == "" {
		return nil
	}
	return &techOffice{cfg: cfg, pinHash: sha256.Sum256([]byte(cfg.Kiosk.TechnicianPIN)), printer: prn, now: time.Now}
}

// CheckPIN compares hashes in constant time, so neither the digits nor the length of
// the configured PIN leak through timing.
func (t *techOffice) CheckPIN(pin []byte) bool {
	h := sha256.Sum256(pin)
	ok := subtle.ConstantTimeCompare(h[:], t.pinHash[:]) == 1
	clear(h[:])
	return ok
}

// Diagnostics runs the checks of `kiosk diag` except the card reader (the kiosk owns
// it) and reads the printer through the running kiosk's own printer.
func (t *techOffice) Diagnostics(ctx context.Context) []string {
	now := t.now()
	var lines []string
	add := func(name string, v health.Verdict, detail string) {
		line := fmt.Sprintf("%s [%s]", name, v.Status)
		if detail != "" {
			line += " " + detail
		}
		switch {
		case len(v.Problems) > 0:
			line += " " + v.Problems[0]
		case len(v.Warnings) > 0:
			line += " " + v.Warnings[0]
		}
		lines = append(lines, line)
	}
	var p health.Verdict
	if t.printer != nil {
		st, err := t.printer.Printer().Status(ctx)
		switch {
		case err != nil:
			p.Failf("%v", err)
		case st.Err() != nil:
			p.Failf("%v", st.Err())
		case st.PaperLow:
			p.Warnf("paper low")
		}
		p.Settle()
		add("printer", p, "")
	}
	c := diagnoseCenter(ctx, t.cfg, t.now)
	detail := ""
	if c.SkewSeconds != nil {
		detail = fmt.Sprintf("clock skew %+.0f s", *c.SkewSeconds)
	}
	add("center", c.Verdict, detail)
	q := diagnoseQueue(ctx, t.cfg, now)
	detail = ""
	if s := q.Stats; s != nil {
		detail = fmt.Sprintf("%d pending, %d parked", s.Pending, s.Parked)
	}
	add("queue", q.Verdict, detail)
	d := diagnoseDisk(t.cfg, diskWarnBelowDeflt)
	add("disk", d.Verdict, fmt.Sprintf("%s free", mib(d.FreeBytes)))
	lines = append(lines, fmt.Sprintf("kiosk %s, version %s", t.cfg.Kiosk.ID, version), now.Format("2006-01-02 15:04:05 MST"))
	return lines
}

// Queue summarises the queue and lists the alerts (read-only).
func (t *techOffice) Queue(ctx context.Context) []string {
	q, err := offline.OpenReadOnly(ctx, t.cfg.Queue.Path)
	if err != nil {
		return []string{err.Error()}
	}
	defer q.Close()
	return queuetool.Summary(ctx, q, t.now())
}

// TestPage prints one page that says, in both languages, that it is a printer test and
// not a certificate.
func (t *techOffice) TestPage(ctx context.Context) error {
	if t.printer == nil {
		return fmt.Errorf("no printer")
	}
	page := printer.TestPage{KioskID: t.cfg.Kiosk.ID, Location: t.cfg.Kiosk.Location, Version: version + " (" + commit + ")"}
	if _, err := t.printer.Printer().Print(ctx, page.Job(t.now())); err != nil {
		return err
	}
	return nil
}
