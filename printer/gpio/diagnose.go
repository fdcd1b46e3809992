package gpio

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"syscall"

	"madoguchi/internal/health"
)

// Diagnosis is what Diagnose found: the GPIO section of `kiosk diag`, the inputs'
// states. Outputs are not touched (the running kiosk may be driving them).
type Diagnosis struct {
	health.Verdict
	Pins        map[string]string `json:"pins,omitempty"` // [gpio] key → pin name
	PaperLow    *bool             `json:"paper_low,omitempty"`
	CabinetOpen *bool             `json:"cabinet_open,omitempty"`
	PaperInTray *bool             `json:"paper_in_tray,omitempty"`
}

// Diagnose reads the inputs named in g (the [gpio] section's pins). Pins the running
// kiosk holds are a warning, not a failure.
func Diagnose(g PinNames) (d Diagnosis) {
	d = Diagnosis{Pins: map[string]string{}}
	for k, v := range map[string]string{"paper_low": g.PaperLow, "door": g.Door, "card_led": g.CardLED, "buzzer": g.Buzzer, "paper_tray": g.PaperTray} {
		if v != "" {
			d.Pins[k] = v
		}
	}
	if g.PaperLow == "" && g.Door == "" && g.PaperTray == "" {
		d.Status = health.Skipped
		d.Notef("no input pins wired ([gpio] paper_low, door and paper_tray are empty)")
		return d
	}
	defer d.Settle()
	panel, err := OpenHost(PinNames{PaperLow: g.PaperLow, Door: g.Door, PaperTray: g.PaperTray}, Options{})
	if err != nil {
		if errors.Is(err, syscall.EBUSY) || strings.Contains(err.Error(), "busy") {
			d.Warnf("gpio pins busy: the running kiosk holds them")
			return d
		}
		d.Failf("gpio: %v", err)
		return d
	}
	defer panel.Close()
	if g.PaperLow != "" {
		low, err := panel.PaperLow()
		if err != nil {
			d.Failf("paper-low sensor: %v", err)
		} else {
			d.PaperLow = &low
			if low {
				d.Warnf("paper-low sensor: paper near end")
			}
		}
	}
	if g.Door != "" {
		open, err := panel.CabinetOpen()
		if err != nil {
			d.Failf("door switch: %v", err)
		} else {
			d.CabinetOpen = &open
			if open {
				d.Warnf("cabinet door is open")
			}
		}
	}
	if g.PaperTray != "" {
		in := panel.PaperInTray()
		d.PaperInTray = &in
		if in {
			d.Warnf("paper-tray sensor: a sheet lies in the output tray")
		}
	}
	return d
}

// WriteText prints the section for a technician.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "gpio [%s]\n", d.Status)
	keys := make([]string, 0, len(d.Pins))
	for k := range d.Pins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-16s %s\n", k, d.Pins[k])
	}
	if d.PaperLow != nil {
		fmt.Fprintf(w, "  paper low        %v\n", *d.PaperLow)
	}
	if d.CabinetOpen != nil {
		fmt.Fprintf(w, "  cabinet open     %v\n", *d.CabinetOpen)
	}
	if d.PaperInTray != nil {
		fmt.Fprintf(w, "  paper in tray    %v\n", *d.PaperInTray)
	}
	d.Verdict.WriteText(w)
}
