// Package touch is the kiosk's direct touch path: it reads the touchscreen's evdev device
// itself, so taps reach the kiosk whatever the terminal does with touch (foot before 1.15
// passes none), and posts them to the tcell screen as the mouse events foot ≥ 1.15 sends,
// so screens.UI takes both paths the same way. The kiosk logic (package kiosk) never
// imports it; cmd/kiosk starts it when [screen] input = "evdev".
//
// # Concepts
//
//   - Stream reads struct input_event records (24 bytes on arm64/amd64, 16 on armhf) from
//     any io.Reader: the device, a pipe, a recorded file.
//   - Recogniser turns records into Contacts (down to lift, raw coordinates) for the three
//     shapes panels report: multi-touch protocol B (ABS_MT_* slots; the Pi display's
//     ft5x06, Goodix), single-touch BTN_TOUCH with ABS_X/Y (USB ILITEK, eGalax), and
//     absolute pointers BTN_LEFT with ABS_X/Y (mouse mode, QEMU's usb-tablet). One finger
//     is followed; SYN_DROPPED cancels the touch in progress.
//   - Mapping maps raw coordinates to cells: calibration range per axis (from [screen], or
//     the device's), swap, then rotation (degrees clockwise the image is turned on the
//     panel).
//   - Classify: a touch without a position or shorter than MinTouch is a ghost (nothing);
//     one whose box spans DragCells cells is a drag (one wheel event, which the UI
//     ignores); else a tap: press at the down cell and release at the lift cell, posted
//     together at lift. Absolute pointers have no minimum duration.
//   - Reader (Run) opens the device through an Opener (Evdev on Linux: by path, by name
//     pattern, or the first touchscreen; grabbed with EVIOCGRAB), reads it, and when it is
//     missing or goes away logs it once per distinct problem and looks again every
//     RetryEvery until its context ends. It never panics on any input and never stops
//     the screen: keys keep working.
//   - Diagnose and NextTap are `kiosk diag`'s touch section and its calibration aid
//     (-touch-tap: the raw values and the cell of the next tap).
//
// # Files
//
//	event.go        input_event records and Stream
//	contact.go      Recogniser: records to Contacts
//	mapping.go      Mapping: calibration, swap, rotation, cells
//	device.go       Device, Opener, Info, Selector
//	evdev_linux.go  Evdev: discovery, ioctls (golang.org/x/sys/unix), grab; evdev_other.go
//	run.go          Reader, Classify and the events a gesture posts
//	diag.go         Diagnose, NextTap
//	config.go       from a config.Screen: FromConfig, Run, Diag
//
// Tests feed recorded streams shaped like the controllers' drivers write them
// (streams_test.go) through pipes; TestUinputDevice, built with -tags realdevice on a
// machine with /dev/uinput, uses a real kernel device (not part of make test: its
// machines have no input devices).
package touch
