package keypad

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"

	"madoguchi/config"
)

// RunJack reads the headphone jack's input device ([voice] jack) until ctx ends: plugging
// headphones in turns the voice guidance on. Empty: it waits for ctx.
func RunJack(ctx context.Context, path string, pattern *regexp.Regexp, scr Screen, log *slog.Logger) error {
	if path == "" && pattern == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	return (&Reader{Open: Evdev{Path: path, Pattern: pattern, Grab: false}, Screen: scr, Log: log}).Run(ctx)
}

// Run reads the keypad the [keypad] section names until ctx ends (nothing for "none").
// A USB keypad that is missing is looked for again; matrix pins that do not exist are an
// error.
func Run(ctx context.Context, k config.Keypad, scr Screen, log *slog.Logger) error {
	switch k.Kind {
	case config.KeypadUSB:
		r := &Reader{Open: Evdev{Path: k.DevicePath, Pattern: k.DevicePattern, Grab: true}, Screen: scr, Log: log}
		return r.Run(ctx)
	case config.KeypadMatrix:
		if _, err := host.Init(); err != nil {
			return fmt.Errorf("keypad: periph host: %w", err)
		}
		pins := func(names []string) ([]gpio.PinIO, error) {
			var out []gpio.PinIO
			for _, n := range names {
				p := gpioreg.ByName(n)
				if p == nil {
					return nil, fmt.Errorf("keypad: no GPIO pin %q", n)
				}
				out = append(out, p)
			}
			return out, nil
		}
		rows, err := pins(k.Rows)
		if err != nil {
			return err
		}
		cols, err := pins(k.Cols)
		if err != nil {
			return err
		}
		return (&Matrix{Rows: rows, Cols: cols, Screen: scr}).Run(ctx)
	}
	<-ctx.Done()
	return ctx.Err()
}
