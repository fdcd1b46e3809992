package touch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl request numbers of linux/input.h (asm-generic layout: arm, arm64, x86).
const (
	iocWrite = 1
	iocRead  = 2
)

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'E'<<8 | nr }

func eviocgname(n uintptr) uintptr    { return ioc(iocRead, 0x06, n) }
func eviocgprop(n uintptr) uintptr    { return ioc(iocRead, 0x09, n) }
func eviocgbit(ev, n uintptr) uintptr { return ioc(iocRead, 0x20+ev, n) }
func eviocgabs(abs uintptr) uintptr   { return ioc(iocRead, 0x40+abs, 24) }
func eviocgrab() uintptr              { return ioc(iocWrite, 0x90, 4) }

const inputPropPointer, inputPropDirect = 0, 1

// ErrBusy means another process holds the device exclusively (EVIOCGRAB), usually the
// running kiosk.
var ErrBusy = errors.New("touch: the device is held by another process (the running kiosk?)")

// Evdev opens the touchscreen among Dir's event devices (default /dev/input) as Sel
// chooses, and grabs it: while the kiosk holds it, the compositor and terminal see no
// touches, so nothing else acts on them.
type Evdev struct {
	Sel Selector
	Dir string
}

func (e Evdev) dir() string {
	if e.Dir != "" {
		return e.Dir
	}
	return "/dev/input"
}

// Devices lists the event devices of Dir, each described (or the error opening it).
func (e Evdev) Devices() ([]Info, []error, error) {
	paths, err := filepath.Glob(filepath.Join(e.dir(), "event*"))
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(e.dir()); err != nil {
			return nil, nil, fmt.Errorf("touch: list input devices: %w", err)
		}
	}
	sort.Slice(paths, func(i, j int) bool { return eventNum(paths[i]) < eventNum(paths[j]) })
	infos := make([]Info, len(paths))
	errs := make([]error, len(paths))
	for i, p := range paths {
		infos[i], errs[i] = describePath(p)
	}
	return infos, errs, nil
}

func eventNum(p string) int {
	n := 0
	for _, c := range strings.TrimPrefix(filepath.Base(p), "event") {
		if c < '0' || c > '9' {
			return 1 << 30
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func describePath(p string) (Info, error) {
	f, err := os.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return Info{Path: p}, fmt.Errorf("touch: open %s: %w", p, err)
	}
	defer f.Close()
	return describe(f, p)
}

// Open finds the device, describes it and grabs it.
func (e Evdev) Open(ctx context.Context) (Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := e.Sel.Path
	if path == "" {
		infos, _, err := e.Devices()
		if err != nil {
			return nil, err
		}
		i := e.Sel.pick(infos)
		if i < 0 {
			return nil, fmt.Errorf("touch: no touchscreen (%s) among %d input devices in %s", e.Sel, len(infos), e.dir())
		}
		path = infos[i].Path
	}
	return openDevice(path)
}

func openDevice(path string) (Device, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("touch: open %s: %w", path, err)
	}
	info, err := describe(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if info.Kind == "" {
		f.Close()
		return nil, fmt.Errorf("touch: %s %q has no absolute X/Y with a touch or left button: not a touchscreen", path, info.Name)
	}
	if err := control(f, func(fd uintptr) error { return ioctlInt(fd, eviocgrab(), 1) }); err != nil {
		f.Close()
		if errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("touch: grab %s: %w", path, ErrBusy)
		}
		return nil, fmt.Errorf("touch: grab %s: %w", path, err)
	}
	return &evdevFile{f: f, info: info}, nil
}

type evdevFile struct {
	f    *os.File
	info Info
}

func (d *evdevFile) Read(p []byte) (int, error) { return d.f.Read(p) }
func (d *evdevFile) Close() error               { return d.f.Close() } // closing releases the grab
func (d *evdevFile) Info() Info                 { return d.info }

// control runs fn on f's descriptor without taking it out of the poller (f.Fd would make
// it blocking, and Close could no longer end a Read).
func control(f *os.File, fn func(fd uintptr) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(fd) }); err != nil {
		return err
	}
	return ferr
}

func ioctlPtr(fd, req uintptr, p unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(p)); errno != 0 {
		return errno
	}
	return nil
}

func ioctlInt(fd, req uintptr, v int) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(v)); errno != 0 {
		return errno
	}
	return nil
}

func bit(b []byte, n int) bool { return n/8 < len(b) && b[n/8]&(1<<(n%8)) != 0 }

// describe reads the device's name, capabilities and axes.
func describe(f *os.File, path string) (Info, error) {
	info := Info{Path: path}
	var name [256]byte
	var evBits [4]byte
	keyBits := make([]byte, 0x300/8)
	absBits := make([]byte, 0x40/8)
	var props [4]byte
	err := control(f, func(fd uintptr) error {
		if err := ioctlPtr(fd, eviocgname(uintptr(len(name))), unsafe.Pointer(&name[0])); err != nil {
			return fmt.Errorf("touch: %s: read the device name (not an evdev device?): %w", path, err)
		}
		if err := ioctlPtr(fd, eviocgbit(0, uintptr(len(evBits))), unsafe.Pointer(&evBits[0])); err != nil {
			return fmt.Errorf("touch: %s: read the event types: %w", path, err)
		}
		if bit(evBits[:], evKey) {
			if err := ioctlPtr(fd, eviocgbit(evKey, uintptr(len(keyBits))), unsafe.Pointer(&keyBits[0])); err != nil {
				return fmt.Errorf("touch: %s: read the keys: %w", path, err)
			}
		}
		if bit(evBits[:], evAbs) {
			if err := ioctlPtr(fd, eviocgbit(evAbs, uintptr(len(absBits))), unsafe.Pointer(&absBits[0])); err != nil {
				return fmt.Errorf("touch: %s: read the axes: %w", path, err)
			}
		}
		_ = ioctlPtr(fd, eviocgprop(uintptr(len(props))), unsafe.Pointer(&props[0])) // old kernels lack it
		return nil
	})
	if err != nil {
		return info, err
	}
	info.Name = strings.TrimRight(string(name[:]), "\x00")
	info.Direct, info.Touch = bit(props[:], inputPropDirect), !bit(props[:], inputPropPointer)
	axis := func(code uint16) (Axis, error) {
		var ai [24]byte // struct input_absinfo: value, minimum, maximum, fuzz, flat, resolution
		err := control(f, func(fd uintptr) error { return ioctlPtr(fd, eviocgabs(uintptr(code)), unsafe.Pointer(&ai[0])) })
		v := func(i int) int32 { return int32(binary.NativeEndian.Uint32(ai[4*i:])) }
		return Axis{Code: code, Value: v(0), Min: v(1), Max: v(2), Fuzz: v(3), Res: v(5)}, err
	}
	xc, yc := uint16(absX), uint16(absY)
	mt := bit(absBits, absMTPositionX) && bit(absBits, absMTPositionY)
	st := bit(absBits, absX) && bit(absBits, absY)
	switch {
	case mt:
		xc, yc, info.Kind = absMTPositionX, absMTPositionY, KindMultiTouch
	case st && bit(keyBits, btnTouch):
		info.Kind = KindSingleTouch
	case st && bit(keyBits, btnLeft):
		info.Kind = KindPointer
	default:
		return info, nil
	}
	if info.X, err = axis(xc); err == nil {
		info.Y, err = axis(yc)
	}
	if err != nil {
		return info, fmt.Errorf("touch: %s: read the axis ranges: %w", path, err)
	}
	return info, nil
}
