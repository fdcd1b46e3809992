package keypad

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/screens"
	"madoguchi/screens/touch"
)

// Screen is where keys go: tcell.Screen has PostEvent.
type Screen interface {
	PostEvent(ev tcell.Event) error
}

// Key codes of linux/input-event-codes.h that a numeric keypad sends.
const (
	keyEsc        = 1
	key1          = 2 // KEY_1 … KEY_9 are 2 … 10, KEY_0 is 11
	key0          = 11
	keyBackspace  = 14
	keyEnter      = 28
	keyKPAsterisk = 55
	keyKP7        = 71
	keyKP8        = 72
	keyKP9        = 73
	keyKPMinus    = 74
	keyKP4        = 75
	keyKP5        = 76
	keyKP6        = 77
	keyKPPlus     = 78
	keyKP1        = 79
	keyKP2        = 80
	keyKP3        = 81
	keyKP0        = 82
	keyKPDot      = 83
	keyKPEnter    = 96
	keyKPSlash    = 98
	keyUp         = 103
	keyLeft       = 105
	keyRight      = 106
	keyDown       = 108
	keyHelp       = 138
)

// kpDigits are the keypad's digit keys by code.
var kpDigits = map[uint16]int{keyKP0: 0, keyKP1: 1, keyKP2: 2, keyKP3: 3, keyKP4: 4, keyKP5: 5,
	keyKP6: 6, keyKP7: 7, keyKP8: 8, keyKP9: 9}

// usbKeys is the layout of a USB numeric keypad (see doc.go): the digits, Enter, the
// arrows, and the keys around them for back, help, volume and voice.
var usbKeys = map[uint16]screens.Key{
	keyKPEnter: screens.KeyEnter, keyEnter: screens.KeyEnter,
	keyUp: screens.KeyUp, keyLeft: screens.KeyUp, keyDown: screens.KeyDown, keyRight: screens.KeyDown,
	keyKPDot: screens.KeyBack, keyBackspace: screens.KeyBack, keyEsc: screens.KeyBack,
	keyKPAsterisk: screens.KeyHelp, keyHelp: screens.KeyHelp,
	keyKPPlus: screens.KeyLouder, keyKPMinus: screens.KeyQuieter, keyKPSlash: screens.KeyVoice,
}

// Translate is the keypad key an evdev key code means; false for a key the kiosk does
// not use (NumLock: evdev codes do not depend on it).
func Translate(code uint16) (screens.Key, int, bool) {
	if d, ok := kpDigits[code]; ok {
		return screens.KeyDigit, d, true
	}
	if code >= key1 && code <= key0 { // a keyboard's digit row
		return screens.KeyDigit, int(code-key1+1) % 10, true
	}
	k, ok := usbKeys[code]
	return k, 0, ok
}

// Device is an opened keypad: a source of input_event records.
type Device interface {
	io.Reader
	Close() error // also ends a Read in progress
}

// Opener finds and opens the keypad (on Linux: Evdev).
type Opener interface {
	Open(ctx context.Context) (Device, error)
}

// RetryEvery is how often a missing or vanished keypad is looked for again.
const RetryEvery = 2 * time.Second

// Reader reads a USB numeric keypad's evdev device and posts each key press to the
// screen as a screens.KeyEvent (auto-repeat and releases post nothing). It reads a
// board's headphone-jack switch the same way (SW_HEADPHONE_INSERT: KeyHeadphones when
// headphones are plugged in), from the jack's own input device or the keypad's. A device that
// cannot be opened or goes away is logged once and looked for again every Retry, until
// the context ends; the screen keeps working meanwhile.
type Reader struct {
	Open   Opener
	Screen Screen
	Log    *slog.Logger
	Retry  time.Duration // default RetryEvery
}

// Run reads until ctx ends; it returns ctx's error.
func (r *Reader) Run(ctx context.Context) error {
	log := r.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retry := r.Retry
	if retry <= 0 {
		retry = RetryEvery
	}
	var lastErr string
	for {
		dev, err := r.Open.Open(ctx)
		if err == nil {
			lastErr = ""
			log.Info("keypad: open")
			err = r.read(ctx, dev)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if msg := err.Error(); msg != lastErr {
			log.Warn("keypad: not available; looking again every "+retry.String(), "err", err)
			lastErr = msg
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retry):
		}
	}
}

func (r *Reader) read(ctx context.Context, dev Device) error {
	stop := context.AfterFunc(ctx, func() { dev.Close() })
	defer stop()
	defer dev.Close()
	s := touch.NewStream(dev)
	for {
		e, err := s.Next()
		if err != nil {
			return fmt.Errorf("keypad: read: %w", err)
		}
		if e.Type == evSw && e.Code == swHeadphoneInsert && e.Value == 1 {
			if err := r.Screen.PostEvent(screens.NewKeyEvent(screens.KeyHeadphones, 0)); err != nil {
				return fmt.Errorf("keypad: post: %w", err)
			}
			continue
		}
		if e.Type != evKey || e.Value != 1 { // presses only: 0 is a release, 2 auto-repeat
			continue
		}
		if k, d, ok := Translate(e.Code); ok {
			if err := r.Screen.PostEvent(screens.NewKeyEvent(k, d)); err != nil {
				return fmt.Errorf("keypad: post: %w", err)
			}
		}
	}
}

// Event types and the jack switch of linux/input-event-codes.h.
const (
	evKey             = 0x01
	evSw              = 0x05
	swHeadphoneInsert = 0x02
)
