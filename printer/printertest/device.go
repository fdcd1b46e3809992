package printertest

import (
	"errors"
	"fmt"
	"image"
	"os"
	"sync"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Device is a fake ESC/POS printer behind a real pseudo-terminal: the code under
// test opens Path() as it would open /dev/usb/lp0. The device decodes what it
// receives into pages and answers DLE EOT with its current state.
type Device struct {
	master, slave *os.File
	path          string
	done          chan struct{}

	mu        sync.Mutex
	dec       Decoder
	stream    []byte
	paperOut  bool
	nearEnd   bool
	coverOpen bool
	offline   bool
	silent    bool
	jam       bool
	outAfter  int // paper runs out after this many bands (0: never)
	plugAfter int // unplug after this many bands (0: never)
	unplugged bool
	decodeErr error
}

// NewDevice creates the pseudo-terminal (raw mode) and starts the printer.
func NewDevice() (*Device, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("printertest: pty: %w", err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("printertest: raw pty: %w", err)
	}
	// pty.Open leaves the master in blocking mode (it called Fd()), and closing a
	// file with a read blocked in a syscall would wait for that read forever. A
	// non-blocking duplicate is run by Go's poller, so Close (Unplug) ends the read.
	// The duplicate is close-on-exec: a copy inherited by a child process (a kiosk
	// the test starts) would keep the master open, and Unplug would not hang up.
	nfd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err == nil {
		err = syscall.SetNonblock(nfd, true)
	}
	m.Close()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("printertest: pty master: %w", err)
	}
	m = os.NewFile(uintptr(nfd), "/dev/ptmx")
	d := &Device{master: m, slave: s, path: s.Name(), done: make(chan struct{})}
	d.dec.OnStatus = d.answer
	d.dec.OnBand = d.band
	go d.run()
	return d, nil
}

// Path is the device file to open (/dev/pts/N).
func (d *Device) Path() string { return d.path }

func (d *Device) run() {
	defer close(d.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := d.master.Read(buf)
		if n > 0 {
			d.mu.Lock()
			d.stream = append(d.stream, buf[:n]...)
			if _, derr := d.dec.Write(buf[:n]); derr != nil && d.decodeErr == nil {
				d.decodeErr = derr
			}
			unplug := d.unplugged
			d.mu.Unlock()
			if unplug {
				d.master.Close()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// answer is called with d.mu held.
func (d *Device) answer(n byte) {
	if d.silent || d.unplugged {
		return
	}
	b := byte(0x12)
	stopped := d.paperOut || d.coverOpen
	switch n {
	case 1:
		if d.offline || stopped {
			b |= 0x08
		}
	case 2:
		if d.coverOpen {
			b |= 0x04
		}
		if d.paperOut {
			b |= 0x20
		}
		if d.jam {
			b |= 0x40
		}
	case 3:
		if d.jam {
			b |= 0x08
		}
	case 4:
		if d.nearEnd || d.paperOut {
			b |= 0x0c
		}
		if d.paperOut {
			b |= 0x60
		}
	}
	// Written from the reader goroutine; the pty buffer takes one byte at once.
	_, _ = d.master.Write([]byte{b})
}

// band is called with d.mu held after each raster band.
func (d *Device) band() bool {
	if d.paperOut || d.coverOpen || d.offline || d.unplugged {
		return false
	}
	if d.plugAfter > 0 && d.dec.Bands >= d.plugAfter {
		d.unplugged = true
		return false
	}
	if d.outAfter > 0 && d.dec.Bands >= d.outAfter {
		d.paperOut = true
		return true // this band still made it onto paper
	}
	return true
}

func (d *Device) set(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

// SetPaperOut, SetNearEnd, SetCoverOpen, SetOffline and SetJam switch the state the
// printer reports (and whether it prints). SetSilent makes it stop answering
// status queries (a hung printer).
func (d *Device) SetPaperOut(v bool)  { d.set(func() { d.paperOut = v }) }
func (d *Device) SetNearEnd(v bool)   { d.set(func() { d.nearEnd = v }) }
func (d *Device) SetCoverOpen(v bool) { d.set(func() { d.coverOpen = v }) }
func (d *Device) SetOffline(v bool)   { d.set(func() { d.offline = v }) }
func (d *Device) SetJam(v bool)       { d.set(func() { d.jam = v }) }
func (d *Device) SetSilent(v bool)    { d.set(func() { d.silent = v }) }

// PaperOutAfterBands makes the paper run out once n raster bands were printed.
func (d *Device) PaperOutAfterBands(n int) { d.set(func() { d.outAfter = n }) }

// UnplugAfterBands pulls the cable when band n arrives (that band is lost).
func (d *Device) UnplugAfterBands(n int) { d.set(func() { d.plugAfter = n }) }

// Unplug pulls the cable now: the pseudo-terminal's master side closes and the
// printer's device file fails with EIO.
func (d *Device) Unplug() {
	d.set(func() { d.unplugged = true })
	d.master.Close()
	<-d.done
}

// Pages returns copies of the pages cut so far.
func (d *Device) Pages() []*image.Gray {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*image.Gray(nil), d.dec.Pages()...)
}

// Stream returns a copy of every byte received.
func (d *Device) Stream() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]byte(nil), d.stream...)
}

// Counts returns how many raster bands, cuts and status queries were received.
func (d *Device) Counts() (bands, cuts, queries int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dec.Bands, d.dec.Cuts, d.dec.StatusQueries
}

// Err returns the first decoding error (a malformed stream), or nil.
func (d *Device) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.decodeErr
}

// Close stops the device.
func (d *Device) Close() error {
	d.mu.Lock()
	d.unplugged = true
	d.mu.Unlock()
	err := errors.Join(d.master.Close(), d.slave.Close())
	<-d.done
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
