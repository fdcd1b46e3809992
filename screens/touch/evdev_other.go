//go:build !linux

package touch

import (
	"context"
	"errors"
)

// ErrBusy means another process holds the device exclusively.
var ErrBusy = errors.New("touch: the device is held by another process")

var errNotLinux = errors.New("touch: evdev devices exist on Linux only")

// Evdev opens the touchscreen's evdev device; Linux only.
type Evdev struct {
	Sel Selector
	Dir string
}

// Devices lists the event devices; Linux only.
func (e Evdev) Devices() ([]Info, []error, error) { return nil, nil, errNotLinux }

// Open fails: Linux only.
func (e Evdev) Open(ctx context.Context) (Device, error) { return nil, errNotLinux }
