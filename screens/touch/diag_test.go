package touch

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"
)

type fakeLister struct {
	infos []Info
	errs  []error
	err   error
}

func (l fakeLister) Devices() ([]Info, []error, error) { return l.infos, l.errs, l.err }

type openerFunc func(context.Context) (Device, error)

func (f openerFunc) Open(ctx context.Context) (Device, error) { return f(ctx) }

func openInfo(info Info, err error) Opener {
	return openerFunc(func(context.Context) (Device, error) {
		if err != nil {
			return nil, err
		}
		return pipeDevice{nil, info}, nil
	})
}

func TestDiagnose(t *testing.T) {
	keyboard := Info{Path: "/dev/input/event4", Name: "USB Keyboard"}
	found := fakeLister{infos: []Info{keyboard, ft5x06}, errs: []error{nil, nil}}
	cases := []struct {
		name    string
		l       Lister
		o       Opener
		evdev   bool
		m       Mapping
		fail    bool
		want    []string // lines of the text report (regexps)
		notWant []string
	}{
		{"evdev ok", found, openInfo(ft5x06, nil), true, Mapping{}, false,
			[]string{`touch \[ok\]`, `input +evdev \(device: the first touchscreen\)`, `found +/dev/input/event4 "USB Keyboard" \(no absolute X/Y`,
				`selected +/dev/input/event0 "generic ft5x06 \(79\)" \(multi-touch\)`, `x axis +0\.\.799`, `y axis +0\.\.479`}, []string{"problem"}},
		{"evdev no device", fakeLister{}, openInfo(Info{}, fmt.Errorf("touch: no touchscreen (name matching \"Goodix\") among 0 input devices in /dev/input")), true, Mapping{}, true,
			[]string{`touch \[fail\]`, `problem +no touchscreen \(name matching "Goodix"\)`, `problem +the kiosk gets no taps .*keys still work`}, nil},
		{"evdev no /dev/input", fakeLister{err: fmt.Errorf("touch: list input devices: %w", fs.ErrNotExist)}, nil, true, Mapping{}, true,
			[]string{`touch \[fail\]`, `problem +list input devices: file does not exist`, `problem +the kiosk gets no taps`}, nil},
		{"evdev held by the kiosk", found, openInfo(Info{}, fmt.Errorf("touch: grab /dev/input/event0: %w", ErrBusy)), true, Mapping{}, false,
			[]string{`touch \[ok\]`, `note +the device is held by the running kiosk`}, nil},
		{"evdev no range", found, openInfo(Info{Path: "/dev/input/event0", Name: "x", Kind: KindSingleTouch}, nil), true, Mapping{}, true,
			[]string{`problem +/dev/input/event0: touch: the device reports no range`}, nil},
		{"evdev permission", fakeLister{infos: []Info{{Path: "/dev/input/event0"}}, errs: []error{fmt.Errorf("touch: open /dev/input/event0: %w", fs.ErrPermission)}},
			openInfo(Info{}, fmt.Errorf("touch: open /dev/input/event0: %w", fs.ErrPermission)), true, Mapping{}, true,
			[]string{`touch \[fail\]`, `warning +some input devices cannot be opened: run diag as the kiosk user`}, nil},
		{"terminal with a touchscreen", found, openInfo(ft5x06, nil), false, Mapping{}, false,
			[]string{`touch \[ok\]`, `input +terminal`, `note +input = "terminal": taps come from the terminal`}, nil},
		{"terminal without a touchscreen", fakeLister{}, openInfo(Info{}, fmt.Errorf("touch: no touchscreen")), false, Mapping{}, false,
			[]string{`touch \[ok\]`, `note +no touchscreen`}, []string{"problem"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Diagnose(context.Background(), c.l, c.o, Selector{}, c.evdev, c.m)
			if c.name == "evdev no device" {
				r.Selector = `name matching "Goodix"`
			}
			var b bytes.Buffer
			r.WriteFacts(&b)
			for _, l := range []struct {
				label string
				ps    []string
			}{{"problem", r.Problems}, {"warning", r.Warnings}, {"note", r.Notes}} {
				for _, p := range l.ps {
					fmt.Fprintf(&b, "  %-16s %s\n", l.label, p)
				}
			}
			if r.Failed() != c.fail {
				t.Errorf("failed %v, want %v:\n%s", r.Failed(), c.fail, b.String())
			}
			for _, w := range c.want {
				if !regexp.MustCompile(`(?m)^ *` + w).MatchString(b.String()) {
					t.Errorf("report lacks /%s/:\n%s", w, b.String())
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("report has %q:\n%s", w, b.String())
				}
			}
		})
	}
}

// The calibration aid reports the raw values and the cell of the next tap, skipping ghosts.
func TestNextTap(t *testing.T) {
	o := newOpener(session{info: ilitek, data: encode(cat(
		stTouch(0, 8*ms, still(Point{2100, 2100}, 1)), // a ghost first
		stTouch(300*ms, 8*ms, still(Point{2100, 2100}, 10))))})
	tap, info, err := NextTap(context.Background(), o, Mapping{X: Range{100, 3995}, Y: Range{100, 3995}}, 80, 24)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	tap.WriteText(&b, info, 80, 24)
	for _, w := range []string{`touch on /dev/input/event2 "ILITEK ILITEK-TP": tap, 80 ms`, `raw down +x 2099, y 2101`,
		`on the screen +51% from the left, 51% from the top`, `cell \(80x24\) +column 41, row 12`} {
		if !regexp.MustCompile(w).MatchString(b.String()) {
			t.Errorf("report lacks /%s/:\n%s", w, b.String())
		}
	}
	// No tap before the context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	o = newOpener(session{info: ilitek, data: nil})
	if _, _, err := NextTap(ctx, o, Mapping{}, 80, 24); err == nil {
		t.Error("NextTap on an empty device returned no error")
	}
}
