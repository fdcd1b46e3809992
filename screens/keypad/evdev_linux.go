//go:build linux

package keypad

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// eviocgrab is EVIOCGRAB, _IOW('E', 0x90, int).
const eviocgrab = 1<<30 | 4<<16 | 'E'<<8 | 0x90

// Evdev opens the keypad's event device and grabs it, so that its keys reach only the
// kiosk (not the terminal as well). Path names the device (a stable /dev/input/by-id
// link is best); else the first device whose name (from sysfs) matches Pattern.
type Evdev struct {
	Path    string
	Pattern *regexp.Regexp
	Dir     string // default /dev/input
	SysDir  string // default /sys/class/input
	Grab    bool   // hold the device exclusively (a keypad; not a jack the sound system also reads)
}

// Open implements Opener.
func (e Evdev) Open(ctx context.Context) (Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := e.Path
	if path == "" {
		var err error
		if path, err = e.find(); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("keypad: open %s: %w", path, err)
	}
	if !e.Grab {
		return f, nil
	}
	sc, err := f.SyscallConn()
	if err == nil {
		cerr := sc.Control(func(fd uintptr) { err = unix.IoctlSetInt(int(fd), eviocgrab, 1) })
		err = errors.Join(cerr, err)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("keypad: grab %s: %w", path, err)
	}
	return f, nil
}

// find is the first event device whose name matches Pattern.
func (e Evdev) find() (string, error) {
	if e.Pattern == nil {
		return "", errors.New("keypad: no device configured ([keypad] device: a path or a name pattern)")
	}
	dir, sys := e.Dir, e.SysDir
	if dir == "" {
		dir = "/dev/input"
	}
	if sys == "" {
		sys = "/sys/class/input"
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "event*"))
	sort.Strings(paths)
	for _, p := range paths {
		name, err := os.ReadFile(filepath.Join(sys, filepath.Base(p), "device", "name"))
		if err == nil && e.Pattern.MatchString(strings.TrimSpace(string(name))) {
			return p, nil
		}
	}
	return "", fmt.Errorf("keypad: no input device named like %q among %d in %s", e.Pattern, len(paths), dir)
}
