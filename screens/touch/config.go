package touch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"madoguchi/config"
)

// FromConfig returns the device selector and the mapping of a [screen] section.
func FromConfig(s config.Screen) (Selector, Mapping) {
	return Selector{Path: s.DevicePath, Pattern: s.DevicePattern}, Mapping{
		X:        Range{int32(s.XMin), int32(s.XMax)},
		Y:        Range{int32(s.YMin), int32(s.YMax)},
		SwapXY:   s.SwapXY,
		Rotation: s.Rotation,
	}
}

// Run reads the configured touchscreen and posts its taps to scr until ctx ends (see
// Reader); with input = "terminal" it returns at once, and the terminal's mouse reports
// are the only taps.
func Run(ctx context.Context, s config.Screen, scr Screen, log *slog.Logger) error {
	if s.Input != config.InputEvdev {
		return nil
	}
	sel, m := FromConfig(s)
	r := &Reader{Open: Evdev{Sel: sel}, Map: m, Screen: scr, Log: log}
	return r.Run(ctx)
}

// Diag is `kiosk diag`'s touch section for a [screen] section, with the devices of
// /dev/input.
func Diag(ctx context.Context, s config.Screen) Report {
	sel, m := FromConfig(s)
	e := Evdev{Sel: sel}
	return Diagnose(ctx, e, e, sel, s.Input == config.InputEvdev, m)
}

// CalibrationAid is `kiosk diag -touch-tap`: it waits up to wait for one touch on the
// configured device (the kiosk must be stopped: it holds the device) and prints where it
// lands on a screen of cols×rows cells, with the raw values to put into [screen]
// x_min/x_max/y_min/y_max.
func CalibrationAid(ctx context.Context, s config.Screen, cols, rows int, wait time.Duration, w io.Writer) error {
	sel, m := FromConfig(s)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	fmt.Fprintf(w, "touch the screen (%s, within %s)...\n", sel, wait)
	tap, info, err := NextTap(ctx, Evdev{Sel: sel}, m, cols, rows)
	if err != nil {
		return err
	}
	tap.WriteText(w, info, cols, rows)
	return nil
}
