package printertest_test

import (
	"errors"
	"image"
	"os"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/printer/printertest"
)

func TestContentFixtures(t *testing.T) {
	seen := map[string]bool{}
	for _, ct := range printertest.CertTypes {
		c, err := printertest.Content(ct)
		if err != nil {
			t.Fatal(err)
		}
		if c.Type != ct || c.Title == "" || len(c.Sections) == 0 || seen[c.IssuanceNumber] {
			t.Errorf("%s: bad fixture %+v", ct, c)
		}
		seen[c.IssuanceNumber] = true
	}
	if _, err := printertest.Content(center.CertType("bogus")); err == nil {
		t.Error("unknown type accepted")
	}
}

func TestDecoderRejects(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
	}{
		{"unknown command", []byte{0x1b, '@', 0x1b, 'Z'}},
		{"scaled raster", []byte{0x1d, 'v', '0', 3, 1, 0, 1, 0, 0xff}},
		{"empty raster", []byte{0x1d, 'v', '0', 0, 0, 0, 1, 0}},
		{"width change", []byte{0x1d, 'v', '0', 0, 1, 0, 1, 0, 0xff, 0x1d, 'v', '0', 0, 2, 0, 1, 0, 0xff, 0xff}},
		{"uncut page", []byte{0x1d, 'v', '0', 0, 1, 0, 1, 0, 0xff}},
		{"truncated band", []byte{0x1d, 'v', '0', 0, 1, 0, 2, 0, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := printertest.Decode(tt.stream); err == nil {
				t.Error("accepted")
			}
		})
	}
	pages, err := printertest.Decode([]byte{0x1b, '@', 0x1d, 'v', '0', 0, 1, 0, 2, 0, 0x80, 0x01, 0x1b, 'd', 2, 0x1d, 'V', 0})
	if err != nil || len(pages) != 1 {
		t.Fatalf("%d pages, %v", len(pages), err)
	}
	want := image.NewGray(image.Rect(0, 0, 8, 2))
	for i := range want.Pix {
		want.Pix[i] = 255
	}
	want.Pix[0], want.Pix[15] = 0, 0
	if err := printertest.SameImage(want, pages[0]); err != nil {
		t.Error(err)
	}
}

// TestDeviceAnswersStatus talks to the fake printer's device file directly.
func TestDeviceAnswersStatus(t *testing.T) {
	d, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := os.OpenFile(d.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ask := func(n byte) byte {
		t.Helper()
		if _, err := f.Write([]byte{0x10, 0x04, n}); err != nil {
			t.Fatal(err)
		}
		f.SetReadDeadline(time.Now().Add(2 * time.Second))
		var b [1]byte
		if _, err := f.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	d.SetPaperOut(true)
	// The documented answers of a printer out of paper: 0x1A / 0x32 / 0x7E.
	if got := []byte{ask(1), ask(2), ask(4)}; got[0] != 0x1a || got[1] != 0x32 || got[2] != 0x7e {
		t.Errorf("paper out answers % x, want 1a 32 7e", got)
	}
	d.SetPaperOut(false)
	if got := ask(1); got != 0x12 {
		t.Errorf("ready answer %#x", got)
	}
	d.Unplug()
	_, err = f.Write([]byte{0x10, 0x04, 1})
	if err == nil {
		var b [1]byte
		f.SetReadDeadline(time.Now().Add(time.Second))
		_, err = f.Read(b[:])
	}
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("unplugged device still works: %v", err)
	}
}
