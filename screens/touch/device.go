package touch

import (
	"context"
	"fmt"
	"io"
	"regexp"
)

// Axis is one absolute axis as the device reports it (struct input_absinfo).
type Axis struct {
	Code                       uint16
	Value, Min, Max, Fuzz, Res int32
}

// Kinds of devices the reader uses.
const (
	KindMultiTouch  = "multi-touch"      // ABS_MT_POSITION_X/Y (ft5x06, Goodix)
	KindSingleTouch = "single-touch"     // BTN_TOUCH with ABS_X/Y
	KindPointer     = "absolute pointer" // BTN_LEFT with ABS_X/Y (QEMU's usb-tablet, mouse mode)
)

// Info describes an input device.
type Info struct {
	Path   string
	Name   string
	Kind   string // one of the Kind constants; "" for a device that is no touchscreen
	X, Y   Axis   // the axes positions come from (MT axes on a multi-touch device)
	Direct bool   // INPUT_PROP_DIRECT: a touchscreen, not a touchpad
	Touch  bool   // INPUT_PROP_POINTER not set (a touchpad moves a pointer)
}

func (i Info) String() string {
	if i.Kind == "" {
		return fmt.Sprintf("%s %q (no absolute X/Y with a touch or left button: not a touchscreen)", i.Path, i.Name)
	}
	return fmt.Sprintf("%s %q, %s, x %d..%d, y %d..%d", i.Path, i.Name, i.Kind, i.X.Min, i.X.Max, i.Y.Min, i.Y.Max)
}

// Device is an opened touchscreen: a source of input_event records.
type Device interface {
	io.Reader
	Close() error // also ends a Read in progress
	Info() Info
}

// Opener finds and opens the touchscreen (on Linux: Evdev). Open fails when the device is
// missing, is not a touchscreen, or another process holds it.
type Opener interface {
	Open(ctx context.Context) (Device, error)
}

// Selector chooses the device: a path (a /dev/input/by-id link is followed), else the
// first touchscreen whose name matches Pattern, else the first touchscreen found
// (INPUT_PROP_DIRECT devices first, then touch devices, then absolute pointers).
type Selector struct {
	Path    string
	Pattern *regexp.Regexp
}

func (s Selector) String() string {
	switch {
	case s.Path != "":
		return s.Path
	case s.Pattern != nil:
		return fmt.Sprintf("name matching %q", s.Pattern)
	}
	return "the first touchscreen"
}

// pick returns the device s selects among infos (in /dev/input order), or -1.
func (s Selector) pick(infos []Info) int {
	best, rank := -1, 0
	for i, in := range infos {
		if in.Kind == "" {
			continue
		}
		if s.Pattern != nil {
			if s.Pattern.MatchString(in.Name) {
				return i
			}
			continue
		}
		r := 1
		switch {
		case in.Direct:
			r = 3
		case in.Touch && in.Kind != KindPointer:
			r = 2
		}
		if r > rank {
			best, rank = i, r
		}
	}
	return best
}
