package touch

import (
	"time"
)

// Recorded-stream builders: input_event sequences shaped like what the kernel drivers of
// real controllers write (linux drivers/input/touchscreen/edt-ft5x06.c and goodix.c use
// protocol B slots with pointer emulation; USB ILITEK/eGalax panels in single-touch mode
// are HID with BTN_TOUCH, ABS_X/ABS_Y and MSC_SCAN; in mouse mode, and QEMU's usb-tablet,
// BTN_LEFT with ABS_X/ABS_Y 0..32767).

const evMsc, mscScan = 0x04, 0x04

func ev(tp, code uint16, v int32) Event { return Event{Type: tp, Code: code, Value: v} }

// frame stamps evs with t and ends them with SYN_REPORT.
func frame(t time.Duration, evs ...Event) []Event {
	out := make([]Event, 0, len(evs)+1)
	for _, e := range evs {
		e.Time = t
		out = append(out, e)
	}
	return append(out, Event{Time: t, Type: evSyn, Code: synReport})
}

func cat(parts ...[]Event) []Event {
	var out []Event
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// path is a finger's positions, one per frame.
func path(from, to Point, frames int) []Point {
	ps := make([]Point, frames)
	for i := range ps {
		f := int32(i)
		n := int32(max(frames-1, 1))
		ps[i] = Point{from.X + (to.X-from.X)*f/n, from.Y + (to.Y-from.Y)*f/n}
	}
	return ps
}

// still is a finger held at p for frames frames, jittering by a raw unit or two as real
// panels do.
func still(p Point, frames int) []Point {
	ps := make([]Point, frames)
	for i := range ps {
		j := int32(i%3) - 1
		ps[i] = Point{p.X + j, p.Y - j}
	}
	return ps
}

// mtTouch is one finger in slot 0 with tracking id id, on a protocol-B panel that also
// emulates the single-touch pointer (ft5x06, Goodix), one frame every period from t0.
// goodix adds the contact size axes Goodix reports.
func mtTouch(t0, period time.Duration, id int32, ps []Point, goodix bool) []Event {
	var out []Event
	t := t0
	for i, p := range ps {
		var evs []Event
		if i == 0 {
			evs = append(evs, ev(evAbs, absMTSlot, 0), ev(evAbs, absMTTrackingID, id))
		}
		evs = append(evs, ev(evAbs, absMTPositionX, p.X), ev(evAbs, absMTPositionY, p.Y))
		if goodix {
			evs = append(evs, ev(evAbs, 0x30 /* ABS_MT_TOUCH_MAJOR */, 12), ev(evAbs, 0x32 /* ABS_MT_WIDTH_MAJOR */, 12))
		}
		if i == 0 {
			evs = append(evs, ev(evKey, btnTouch, 1))
		}
		evs = append(evs, ev(evAbs, absX, p.X), ev(evAbs, absY, p.Y))
		out = append(out, frame(t, evs...)...)
		t += period
	}
	return append(out, frame(t, ev(evAbs, absMTTrackingID, -1), ev(evKey, btnTouch, 0))...)
}

// stTouch is a single-touch HID panel (ILITEK, eGalax): MSC_SCAN, BTN_TOUCH, ABS_X/Y.
func stTouch(t0, period time.Duration, ps []Point) []Event {
	var out []Event
	t := t0
	for i, p := range ps {
		evs := []Event{ev(evMsc, mscScan, 0x000d0042)}
		if i == 0 {
			evs = append(evs, ev(evKey, btnTouch, 1))
		}
		evs = append(evs, ev(evAbs, absX, p.X), ev(evAbs, absY, p.Y))
		out = append(out, frame(t, evs...)...)
		t += period
	}
	return append(out, frame(t, ev(evMsc, mscScan, 0x000d0042), ev(evKey, btnTouch, 0))...)
}

// pointerClick is an absolute pointer (QEMU's usb-tablet, a panel in mouse mode): the
// position first, then BTN_LEFT down and up.
func pointerClick(t0, hold time.Duration, p Point) []Event {
	return cat(
		frame(t0, ev(evAbs, absX, p.X), ev(evAbs, absY, p.Y)),
		frame(t0+time.Millisecond, ev(evMsc, mscScan, 0x00090001), ev(evKey, btnLeft, 1)),
		frame(t0+hold, ev(evMsc, mscScan, 0x00090001), ev(evKey, btnLeft, 0)),
	)
}

// The devices of the tests, with the axis ranges their drivers report.
var (
	// The official Raspberry Pi 7" display (800×480), ft5x06-class controller.
	ft5x06 = Info{Path: "/dev/input/event0", Name: "generic ft5x06 (79)", Kind: KindMultiTouch, Direct: true, Touch: true,
		X: Axis{Code: absMTPositionX, Max: 799}, Y: Axis{Code: absMTPositionY, Max: 479}}
	// A Goodix panel (1280×800 reported).
	goodix = Info{Path: "/dev/input/event1", Name: "Goodix Capacitive TouchScreen", Kind: KindMultiTouch, Direct: true, Touch: true,
		X: Axis{Code: absMTPositionX, Max: 1279}, Y: Axis{Code: absMTPositionY, Max: 799}}
	// A USB ILITEK panel in single-touch mode (12-bit).
	ilitek = Info{Path: "/dev/input/event2", Name: "ILITEK ILITEK-TP", Kind: KindSingleTouch, Touch: true,
		X: Axis{Code: absX, Max: 4095}, Y: Axis{Code: absY, Max: 4095}}
	// An eGalax controller in mouse mode, or QEMU's usb-tablet.
	tablet = Info{Path: "/dev/input/event3", Name: "QEMU QEMU USB Tablet", Kind: KindPointer, Touch: true,
		X: Axis{Code: absX, Max: 32767}, Y: Axis{Code: absY, Max: 32767}}
)

const ms = time.Millisecond
