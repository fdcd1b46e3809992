package printer

import "strings"

// Status is a printer's condition as read from the device (and the kiosk's GPIO
// sensors, when wired). It is what `kiosk diag` shows and what Print checks before
// and after a job.
type Status struct {
	Online    bool // the device answered
	PaperOut  bool
	PaperLow  bool // near end: print, but tell the technician
	CoverOpen bool
	Jam       bool // paper jam or cutter error
	// CabinetOpen is the kiosk's door switch (GPIO); it does not stop printing.
	CabinetOpen bool
	// Reasons are the device's own words (IPP printer-state-reasons, ESC/POS bits).
	Reasons []string
}

// Err returns the sentinel for the most serious condition that stops printing, or nil.
func (s Status) Err() error {
	switch {
	case s.CoverOpen:
		return ErrCoverOpen
	case s.PaperOut:
		return ErrPaperOut
	case s.Jam:
		return ErrPaperJam
	case !s.Online:
		return ErrOffline
	}
	return nil
}

// String is a one-line summary for logs and diagnostics.
func (s Status) String() string {
	var parts []string
	add := func(ok bool, w string) {
		if ok {
			parts = append(parts, w)
		}
	}
	add(s.Online, "online")
	add(!s.Online, "offline")
	add(s.PaperOut, "paper-out")
	add(s.PaperLow, "paper-low")
	add(s.CoverOpen, "cover-open")
	add(s.Jam, "jam")
	add(s.CabinetOpen, "cabinet-open")
	out := strings.Join(parts, ",")
	if len(s.Reasons) > 0 {
		out += " [" + strings.Join(s.Reasons, " ") + "]"
	}
	return out
}
