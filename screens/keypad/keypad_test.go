package keypad_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/screens"
	"madoguchi/screens/keypad"
	"madoguchi/screens/keypad/keypadtest"
	"madoguchi/screens/touch"
)

type posted struct {
	mu   sync.Mutex
	keys []string
	got  chan struct{}
}

func newPosted() *posted { return &posted{got: make(chan struct{}, 64)} }

func (p *posted) PostEvent(ev tcell.Event) error {
	k := ev.(*screens.KeyEvent)
	p.mu.Lock()
	s := k.Key.String()
	if k.Key == screens.KeyDigit {
		s = string(rune('0' + k.Digit))
	}
	p.keys = append(p.keys, s)
	p.mu.Unlock()
	p.got <- struct{}{}
	return nil
}

func (p *posted) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.keys)
}

func TestTranslate(t *testing.T) {
	for _, c := range []struct {
		code  uint16
		key   screens.Key
		digit int
		ok    bool
	}{
		{76, screens.KeyDigit, 5, true},  // KP5
		{82, screens.KeyDigit, 0, true},  // KP0
		{80, screens.KeyDigit, 2, true},  // KP2
		{11, screens.KeyDigit, 0, true},  // KEY_0
		{2, screens.KeyDigit, 1, true},   // KEY_1
		{96, screens.KeyEnter, 0, true},  // KPENTER
		{83, screens.KeyBack, 0, true},   // KPDOT
		{14, screens.KeyBack, 0, true},   // BACKSPACE
		{55, screens.KeyHelp, 0, true},   // KPASTERISK
		{78, screens.KeyLouder, 0, true}, // KPPLUS
		{74, screens.KeyQuieter, 0, true},
		{98, screens.KeyVoice, 0, true},
		{103, screens.KeyUp, 0, true},
		{108, screens.KeyDown, 0, true},
		{69, screens.KeyNone, 0, false}, // NUMLOCK
	} {
		k, d, ok := keypad.Translate(c.code)
		if k != c.key || d != c.digit || ok != c.ok {
			t.Errorf("code %d: %s %d %v, want %s %d %v", c.code, k, d, ok, c.key, c.digit, c.ok)
		}
	}
}

// pipeDevice is a recorded keypad stream; Close ends it.
type pipeDevice struct{ io.ReadCloser }

type opener struct {
	mu    sync.Mutex
	devs  []keypad.Device
	tries int
}

func (o *opener) Open(ctx context.Context) (keypad.Device, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tries++
	if len(o.devs) == 0 {
		return nil, errors.New("unplugged")
	}
	d := o.devs[0]
	o.devs = o.devs[1:]
	return d, nil
}

// A USB keypad's stream: presses post keys, releases and auto-repeat post nothing, an
// unknown key is ignored, the headphone jack's switch posts when plugged in; a device
// that goes away is opened again.
func TestReader(t *testing.T) {
	var b []byte
	key := func(code uint16, value int32) {
		b = touch.Event{Type: 1, Code: code, Value: value}.Encode(b)
		b = touch.Event{Type: 0}.Encode(b)
	}
	key(69, 1) // NumLock
	key(69, 0)
	key(76, 1) // KP5
	key(76, 2) // auto-repeat
	key(76, 0)
	key(72, 1) // KP8
	key(72, 0)
	key(96, 1) // KPEnter
	key(96, 0)
	b = touch.Event{Type: 5, Code: 2, Value: 1}.Encode(b) // SW_HEADPHONE_INSERT: plugged in
	b = touch.Event{Type: 0}.Encode(b)
	b = touch.Event{Type: 5, Code: 2, Value: 0}.Encode(b) // taken out: nothing
	p := newPosted()
	o := &opener{devs: []keypad.Device{pipeDevice{io.NopCloser(bytes.NewReader(b))}, pipeDevice{io.NopCloser(bytes.NewReader(b[:len(b)/3]))}}}
	r := &keypad.Reader{Open: o, Screen: p, Retry: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	for range 5 {
		select {
		case <-p.got:
		case <-time.After(5 * time.Second):
			t.Fatalf("posted %q", p.all())
		}
	}
	cancel()
	<-done
	if got, want := p.all(), []string{"5", "8", "enter", "headphones", "5"}; !slices.Equal(got, want) {
		t.Errorf("posted %q, want %q", got, want)
	}
	if o.tries < 2 {
		t.Errorf("opened %d times, want again after the end of the stream", o.tries)
	}
}

// The matrix posts a key once it has read pressed for Debounce scans, bounces or not,
// once per press however long it is held.
func TestMatrix(t *testing.T) {
	m := keypadtest.New(4, 4)
	p := newPosted()
	// The scanner asks for its next tick only after a whole scan, so a step is one
	// complete scan: the test never races the scanner (it did under qemu-arm, where
	// the first scan could come after the first press).
	ticks := make(chan time.Time)
	scanned := make(chan struct{})
	mx := &keypad.Matrix{Rows: m.Rows, Cols: m.Cols, Screen: p,
		Tick: func(time.Duration) <-chan time.Time { scanned <- struct{}{}; return ticks }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- mx.Run(ctx) }()
	<-scanned // the first scan, with nothing pressed
	scans := func(n int) {
		for range n {
			ticks <- time.Time{}
			<-scanned
		}
	}
	m.Press(1, 1, 3) // 5, bouncing
	scans(4)
	if got := p.all(); len(got) != 0 {
		t.Fatalf("posted %q while the contact bounced", got)
	}
	scans(10)
	m.Release(1, 1)
	scans(5)
	m.Press(3, 2, 0) // #
	scans(5)
	m.Release(3, 2)
	m.Press(0, 3, 0) // A
	scans(1)         // too short: a glitch
	m.Release(0, 3)
	scans(5)
	m.Press(3, 0, 0) // *
	scans(5)
	cancel()
	err := <-done // waiting for a tick, it sees the end at once
	if !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if got, want := p.all(), []string{"5", "enter", "back"}; !slices.Equal(got, want) {
		t.Errorf("posted %q, want %q", got, want)
	}
}
