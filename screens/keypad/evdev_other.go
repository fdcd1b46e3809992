//go:build !linux

package keypad

import (
	"context"
	"errors"
	"regexp"
)

// Evdev reads Linux input devices; elsewhere it has none.
type Evdev struct {
	Path    string
	Pattern *regexp.Regexp
	Dir     string
	SysDir  string
	Grab    bool
}

// Open implements Opener.
func (e Evdev) Open(ctx context.Context) (Device, error) {
	return nil, errors.New("keypad: evdev devices exist only on Linux")
}
