package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"madoguchi/internal/health"
)

// sysDRM is where the kernel lists its display devices and their connectors.
const sysDRM = "/sys/class/drm"

// displayDiagnosis is diag's display section: the DRM devices cage can show the kiosk on
// and the connectors with a screen plugged in.
type displayDiagnosis struct {
	health.Verdict
	Devices   []string `json:"devices"`   // card0, card1 …
	Connected []string `json:"connected"` // card0-HDMI-A-1 …
}

// diagnoseDisplay reads sys (sysDRM; a folder in tests): a device is a cardN entry, a
// connector a cardN-NAME entry whose status file says "connected". Without either it
// warns (see below).
func diagnoseDisplay(sys string) displayDiagnosis {
	var d displayDiagnosis
	ents, err := os.ReadDir(sys)
	if err != nil && !os.IsNotExist(err) {
		d.Failf("cannot read %s: %v", sys, err)
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "card") {
			continue
		}
		if !strings.Contains(name, "-") {
			d.Devices = append(d.Devices, name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(sys, name, "status"))
		if err == nil && strings.TrimSpace(string(b)) == "connected" {
			d.Connected = append(d.Connected, name)
		}
	}
	sort.Strings(d.Devices)
	sort.Strings(d.Connected)
	switch {
	case len(d.Problems) > 0:
	case len(d.Devices) == 0:
		// A warning, not a failure: `kiosk run` also serves a terminal (tmux, ssh) on a
		// machine without a screen of its own; on the appliance it means a dark kiosk.
		d.Warnf("no display device (no /dev/dri/card*): the kiosk cannot show its screen; check the display's cable and driver (on a Raspberry Pi the vc4-kms-v3d overlay)")
	case len(d.Connected) == 0:
		d.Warnf("no screen connected to %s: check the display's cable and power", strings.Join(d.Devices, ", "))
	}
	d.Settle()
	return d
}

// WriteText prints the section like the others.
func (d *displayDiagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "display [%s]\n", d.Status)
	if len(d.Devices) > 0 {
		fmt.Fprintf(w, "  devices          %s\n", strings.Join(d.Devices, ", "))
	}
	if len(d.Connected) > 0 {
		fmt.Fprintf(w, "  connected        %s\n", strings.Join(d.Connected, ", "))
	}
	d.Verdict.WriteText(w)
}
