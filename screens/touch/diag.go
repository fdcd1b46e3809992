package touch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Lister lists input devices (Evdev does).
type Lister interface {
	Devices() ([]Info, []error, error)
}

// Report is the touch section of `kiosk diag`: the devices found, the one the
// configuration selects, its axes, and what is wrong.
type Report struct {
	Status   string   `json:"status"` // "ok", "warn" or "fail", as the other diag sections
	Input    string   `json:"input"`
	Selector string   `json:"selector"`
	Devices  []string `json:"devices,omitempty"`
	Device   *Info    `json:"device,omitempty"`
	Problems []string `json:"problems,omitempty"` // with input = "evdev": residents' taps do not arrive
	Warnings []string `json:"warnings,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Diagnose looks at the input devices as the kiosk would. evdev says whether the
// configuration reads the device (input = "evdev"): only then is a missing device a
// problem; on the terminal path it is a note.
func Diagnose(ctx context.Context, l Lister, o Opener, sel Selector, evdev bool, m Mapping) Report {
	r := diagnose(ctx, l, o, sel, evdev, m)
	r.Status = "ok"
	switch {
	case len(r.Problems) > 0:
		r.Status = "fail"
	case len(r.Warnings) > 0:
		r.Status = "warn"
	}
	return r
}

func diagnose(ctx context.Context, l Lister, o Opener, sel Selector, evdev bool, m Mapping) Report {
	r := Report{Input: "terminal", Selector: sel.String()}
	if evdev {
		r.Input = "evdev"
	}
	bad := func(format string, args ...any) {
		msg := strings.TrimPrefix(fmt.Sprintf(format, args...), "touch: ") // the section says touch
		if evdev {
			r.Problems = append(r.Problems, msg)
		} else {
			r.Notes = append(r.Notes, msg)
		}
	}
	const noTaps = "the kiosk gets no taps from the touchscreen until the device is there (keys still work); check the cable and screen.device"
	infos, errs, err := l.Devices()
	if err != nil {
		bad("%v", err)
		if evdev {
			r.Problems = append(r.Problems, noTaps)
		}
		return r
	}
	denied := false
	for i, in := range infos {
		if errs[i] != nil {
			r.Devices = append(r.Devices, errs[i].Error())
			denied = denied || errors.Is(errs[i], fs.ErrPermission)
			continue
		}
		r.Devices = append(r.Devices, in.String())
	}
	if denied {
		r.Warnings = append(r.Warnings, `some input devices cannot be opened: run diag as the kiosk user (group "input") or as root`)
	}
	dev, err := o.Open(ctx)
	switch {
	case errors.Is(err, ErrBusy):
		if evdev {
			r.Notes = append(r.Notes, "the device is held by the running kiosk (normal while it runs; stop it for -touch-tap)")
		} else {
			r.Warnings = append(r.Warnings, "another process holds the touchscreen exclusively: the terminal gets no taps")
		}
		return r
	case err != nil:
		bad("%v", err)
		if evdev {
			r.Problems = append(r.Problems, noTaps)
		}
		return r
	}
	defer dev.Close()
	info := dev.Info()
	r.Device = &info
	if _, err := m.WithDevice(info); err != nil {
		bad("%s: %v", info.Path, err)
	}
	if !evdev {
		r.Notes = append(r.Notes, `input = "terminal": taps come from the terminal (foot 1.15 or newer passes touch); input = "evdev" reads this device directly`)
	}
	return r
}

// WriteFacts prints the section's header and what was found, the way the other diag
// sections do; the caller prints Problems, Warnings and Notes as for its other sections.
func (r Report) WriteFacts(w io.Writer) {
	fmt.Fprintf(w, "touch [%s]\n", r.Status)
	fmt.Fprintf(w, "  input            %s (device: %s)\n", r.Input, r.Selector)
	for _, d := range r.Devices {
		fmt.Fprintf(w, "  found            %s\n", d)
	}
	if d := r.Device; d != nil {
		fmt.Fprintf(w, "  selected         %s %q (%s)\n", d.Path, d.Name, d.Kind)
		fmt.Fprintf(w, "  x axis           %d..%d (fuzz %d, resolution %d)\n", d.X.Min, d.X.Max, d.X.Fuzz, d.X.Res)
		fmt.Fprintf(w, "  y axis           %d..%d (fuzz %d, resolution %d)\n", d.Y.Min, d.Y.Max, d.Y.Fuzz, d.Y.Res)
	}
}

// Failed reports whether the report has problems.
func (r Report) Failed() bool { return len(r.Problems) > 0 }

// Tap is what NextTap saw: the raw positions, where they land on the screen, and the
// gesture.
type Tap struct {
	Contact Contact
	Gesture Gesture
	FX, FY  float64 // where it lifted, as fractions of the screen's width and height
}

// NextTap waits for the next touch on the device o opens and says where it lands on a
// screen of cols×rows cells: the calibration aid of `kiosk diag -touch-tap`. Ghosts are
// skipped; a drag is returned as one. It returns when ctx ends.
func NextTap(ctx context.Context, o Opener, m Mapping, cols, rows int) (Tap, Info, error) {
	dev, err := o.Open(ctx)
	if err != nil {
		return Tap{}, Info{}, err
	}
	defer dev.Close()
	stop := context.AfterFunc(ctx, func() { dev.Close() })
	defer stop()
	info := dev.Info()
	if m, err = m.WithDevice(info); err != nil {
		return Tap{}, info, err
	}
	rec, st := NewRecogniser(), NewStream(dev)
	size := fixedSize{cols, rows}
	for {
		e, err := st.Next()
		if err != nil {
			if ctx.Err() != nil {
				return Tap{}, info, fmt.Errorf("touch: no tap: %w", ctx.Err())
			}
			return Tap{}, info, fmt.Errorf("touch: %s: %w", info.Path, err)
		}
		c, ok := rec.Feed(e)
		if !ok {
			continue
		}
		g := Classify(c, m, size, minTouch(info))
		if g.Kind == GestureNone {
			continue
		}
		fx, fy := m.Norm(c.End)
		return Tap{Contact: c, Gesture: g, FX: fx, FY: fy}, info, nil
	}
}

type fixedSize [2]int

func (s fixedSize) Size() (int, int) { return s[0], s[1] }

// WriteText prints the tap for the technician.
func (t Tap) WriteText(w io.Writer, info Info, cols, rows int) {
	c := t.Contact
	fmt.Fprintf(w, "touch on %s %q: %s, %d ms\n", info.Path, info.Name, t.Gesture.Kind, c.Duration.Milliseconds())
	fmt.Fprintf(w, "  raw down         x %d, y %d\n", c.Start.X, c.Start.Y)
	fmt.Fprintf(w, "  raw lift         x %d, y %d\n", c.End.X, c.End.Y)
	fmt.Fprintf(w, "  on the screen    %.0f%% from the left, %.0f%% from the top\n", 100*t.FX, 100*t.FY)
	fmt.Fprintf(w, "  cell (%dx%d)     column %d, row %d (0-based, down at %d,%d)\n", cols, rows,
		t.Gesture.Lift[0], t.Gesture.Lift[1], t.Gesture.Down[0], t.Gesture.Down[1])
}
