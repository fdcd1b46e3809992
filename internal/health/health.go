// Package health is the verdict a part's self-check gives `kiosk diag` and technician
// mode: a status with the problems, warnings and notes behind it. Each part's package
// owns its check (config.Diagnose, pcsc.Diagnose, backend.Diagnose, gpio.Diagnose,
// center.Client.Diagnose, offline.DiagnoseDisk) and reports with a Verdict; cmd/kiosk
// only gathers the sections. MiB formats sizes the same way in every section.
//
// # Invariants
//
//   - Status is derived from what was collected (Settle): any problem fails the section,
//     else any warning warns; Skipped, once set, stays.
//   - The kiosk is healthy when no section failed; a warning never makes it unhealthy.
//   - A verdict carries no PIN, My Number, name or certificate: file names and states only.
package health

import (
	"fmt"
	"io"
)

// Section statuses.
const (
	OK      = "ok"      // nothing to do
	Warn    = "warn"    // works, but the technician should look (paper low, parked messages)
	Fail    = "fail"    // the kiosk cannot serve residents, or will not for long
	Skipped = "skipped" // not checked (no configuration, nothing wired)
)

// Verdict collects a section's problems (fail), warnings (warn) and notes.
type Verdict struct {
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Failf adds a problem.
func (v *Verdict) Failf(format string, args ...any) {
	v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
}

// Warnf adds a warning.
func (v *Verdict) Warnf(format string, args ...any) {
	v.Warnings = append(v.Warnings, fmt.Sprintf(format, args...))
}

// Notef adds a note: what to do next, not a fault.
func (v *Verdict) Notef(format string, args ...any) {
	v.Notes = append(v.Notes, fmt.Sprintf(format, args...))
}

// Settle sets Status from what was collected (unless it was set to Skipped).
func (v *Verdict) Settle() {
	switch {
	case v.Status == Skipped:
	case len(v.Problems) > 0:
		v.Status = Fail
	case len(v.Warnings) > 0:
		v.Status = Warn
	default:
		v.Status = OK
	}
}

// WriteText prints the problems, warnings and notes as the last lines of a section.
func (v *Verdict) WriteText(w io.Writer) {
	for _, p := range v.Problems {
		fmt.Fprintf(w, "  FAIL             %s\n", p)
	}
	for _, p := range v.Warnings {
		fmt.Fprintf(w, "  warning          %s\n", p)
	}
	for _, p := range v.Notes {
		fmt.Fprintf(w, "  note             %s\n", p)
	}
}

// MiB formats a byte count for a report: "12.5 MiB".
func MiB(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
