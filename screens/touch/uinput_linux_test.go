//go:build linux && realdevice

// The real-device test needs /dev/uinput (the uinput kernel module and root, or a VM):
// run it there with `go test -tags realdevice ./screens/touch`. It is not part of
// `make test`, whose machines have no input devices; the appliance image test (under
// qemu-system) is where taps go through a real kernel device.

package touch

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// uinput ioctls (linux/uinput.h).
func uiIoc(dir, nr uintptr) uintptr { return dir<<30 | 4<<16 | 'U'<<8 | nr }

var (
	uiSetEvBit   = uiIoc(iocWrite, 100)
	uiSetKeyBit  = uiIoc(iocWrite, 101)
	uiSetAbsBit  = uiIoc(iocWrite, 103)
	uiSetPropBit = uiIoc(iocWrite, 110)
	uiDevCreate  = uintptr('U'<<8 | 1)
	uiDevDestroy = uintptr('U'<<8 | 2)
)

// uinputTouchscreen creates a kernel input device shaped like the Pi display's ft5x06
// (protocol B with pointer emulation, 800×480, INPUT_PROP_DIRECT) and returns its uinput
// file, to which the test writes records.
func uinputTouchscreen(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.OpenFile("/dev/uinput", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("-tags realdevice: /dev/uinput cannot be opened (%v); the uinput kernel module and root, or a VM, are needed", err)
	}
	t.Cleanup(func() { f.Close() })
	fd := f.Fd()
	set := func(req uintptr, v int) {
		if _, _, errno := unix.Syscall(unix.SYS_IOCTL, fd, req, uintptr(v)); errno != 0 {
			t.Fatalf("uinput ioctl %#x %d: %v", req, v, errno)
		}
	}
	set(uiSetEvBit, evKey)
	set(uiSetEvBit, evAbs)
	set(uiSetKeyBit, btnTouch)
	for _, a := range []int{absX, absY, absMTSlot, absMTPositionX, absMTPositionY, absMTTrackingID} {
		set(uiSetAbsBit, a)
	}
	set(uiSetPropBit, inputPropDirect)
	// struct uinput_user_dev: name[80], input_id (4×u16), ff_effects_max, absmax[64],
	// absmin[64], absfuzz[64], absflat[64].
	dev := make([]byte, 80+8+4+4*64*4)
	copy(dev, name)
	binary.NativeEndian.PutUint16(dev[80:], 0x18) // BUS_I2C
	absmax := dev[92:]
	for a, v := range map[int]int32{absX: 799, absY: 479, absMTPositionX: 799, absMTPositionY: 479, absMTSlot: 9, absMTTrackingID: 65535} {
		binary.NativeEndian.PutUint32(absmax[4*a:], uint32(v))
	}
	if _, err := f.Write(dev); err != nil {
		t.Fatalf("uinput setup: %v", err)
	}
	set(uiDevCreate, 0)
	t.Cleanup(func() { unix.Syscall(unix.SYS_IOCTL, fd, uiDevDestroy, 0) })
	return f
}

// The real thing: a kernel device found by name in /dev/input, grabbed (a second grab is
// refused as busy), read through the Reader; destroying it is the device going away.
func TestUinputDevice(t *testing.T) {
	name := fmt.Sprintf("madoguchi test ft5x06 %d", os.Getpid())
	ui := uinputTouchscreen(t, name)
	sel := Selector{Pattern: regexp.MustCompile("^" + regexp.QuoteMeta(name) + "$")}
	var dev Device
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if dev, err = (Evdev{Sel: sel}).Open(context.Background()); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("open the uinput device: %v", err)
	}
	info := dev.Info()
	if info.Kind != KindMultiTouch || !info.Direct || info.X.Max != 799 || info.Y.Max != 479 {
		t.Errorf("info %+v, want multi-touch, direct, 800×480", info)
	}
	if _, err := (Evdev{Sel: Selector{Path: info.Path}}).Open(context.Background()); !errors.Is(err, ErrBusy) {
		t.Errorf("second grab: %v, want ErrBusy", err)
	}
	dev.Close()

	scr := &fakeScreen{cols: 80, rows: 24}
	r := &Reader{Open: Evdev{Sel: sel}, Screen: scr, Retry: 100 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	for deadline := time.Now().Add(5 * time.Second); !r.Status().Open; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("reader did not open the device: %+v", r.Status())
		}
	}
	for _, e := range mtTouch(0, 0, 5, still(Point{405, 245}, 3), false) {
		if _, err := ui.Write(e.Encode(nil)); err != nil {
			t.Fatal(err)
		}
		if e.Type == evSyn {
			time.Sleep(20 * time.Millisecond) // the kernel stamps the records: let the touch last
		}
	}
	for deadline := time.Now().Add(5 * time.Second); len(scr.events()) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	if got := scr.events(); fmt.Sprint(got) != "[press 40,12 release 40,12]" {
		t.Errorf("posted %v, want a tap at 40,12", got)
	}
	unix.Syscall(unix.SYS_IOCTL, ui.Fd(), uiDevDestroy, 0) // unplugged
	for deadline := time.Now().Add(5 * time.Second); r.Status().Open; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the reader did not notice the device going away")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
}

// A file that is not an input device, and a directory without devices, are reported.
func TestWrongDevice(t *testing.T) {
	p := t.TempDir() + "/event0"
	if err := os.WriteFile(p, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Evdev{Sel: Selector{Path: p}}.Open(context.Background())
	if err == nil || !regexp.MustCompile(`not an evdev device`).MatchString(err.Error()) {
		t.Errorf("regular file as device: %v", err)
	}
	_, err = Evdev{Sel: Selector{Path: "/dev/input/event-none"}}.Open(context.Background())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing device: %v, want not exist", err)
	}
	_, err = Evdev{Dir: t.TempDir() + "/none"}.Open(context.Background())
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no /dev/input: %v", err)
	}
	_, err = Evdev{Dir: t.TempDir()}.Open(context.Background())
	if err == nil || !regexp.MustCompile(`no touchscreen \(the first touchscreen\) among 0 input devices`).MatchString(err.Error()) {
		t.Errorf("no devices: %v", err)
	}
	// The directory's regular file is listed as not an input device.
	infos, errs, err := Evdev{Dir: t.TempDir()}.Devices()
	if err != nil || len(infos) != 0 || len(errs) != 0 {
		t.Errorf("empty dir: %v %v %v", infos, errs, err)
	}
}
