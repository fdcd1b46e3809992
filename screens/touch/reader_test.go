package touch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// fakeScreen records what the reader posts.
type fakeScreen struct {
	mu   sync.Mutex
	cols int
	rows int
	got  []string
}

func (s *fakeScreen) Size() (int, int) { return s.cols, s.rows }

func (s *fakeScreen) PostEvent(ev tcell.Event) error {
	m, ok := ev.(*tcell.EventMouse)
	if !ok {
		return fmt.Errorf("posted %T, want *tcell.EventMouse", ev)
	}
	x, y := m.Position()
	name := map[tcell.ButtonMask]string{tcell.Button1: "press", tcell.ButtonNone: "release", tcell.WheelDown: "wheel"}[m.Buttons()]
	if name == "" {
		name = fmt.Sprintf("buttons %#x", m.Buttons())
	}
	s.mu.Lock()
	s.got = append(s.got, fmt.Sprintf("%s %d,%d", name, x, y))
	s.mu.Unlock()
	return nil
}

func (s *fakeScreen) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// session is one Open of the fake device: an error, or a device whose records are data,
// written into a pipe in odd-sized chunks (reads split records) and then closed (the
// device goes away).
type session struct {
	err  error
	info Info
	data []byte
}

type pipeDevice struct {
	*os.File
	info Info
}

func (d pipeDevice) Info() Info { return d.info }

// fakeOpener plays sessions in order; then it waits for the context (the device never
// comes back) and closes drained.
type fakeOpener struct {
	mu       sync.Mutex
	sessions []session
	opens    int
	drained  chan struct{}
}

func newOpener(ss ...session) *fakeOpener {
	return &fakeOpener{sessions: ss, drained: make(chan struct{})}
}

func (o *fakeOpener) Open(ctx context.Context) (Device, error) {
	o.mu.Lock()
	if o.opens == len(o.sessions) {
		o.opens++
		close(o.drained)
	}
	if o.opens > len(o.sessions) {
		o.mu.Unlock()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	s := o.sessions[o.opens]
	o.opens++
	o.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	go func() {
		defer w.Close()
		for b := s.data; len(b) > 0; {
			n := min(len(b), 7+len(b)%13)
			if _, err := w.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
	}()
	return pipeDevice{r, s.info}, nil
}

func encode(evs []Event) []byte {
	var b []byte
	for _, e := range evs {
		b = e.Encode(b)
	}
	return b
}

func now() <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

// play runs a Reader over the sessions until the opener is drained and returns what it
// posted, its status and its log.
func play(t *testing.T, m Mapping, ss ...session) ([]string, Status, string) {
	t.Helper()
	scr := &fakeScreen{cols: 80, rows: 24}
	o := newOpener(ss...)
	var logBuf bytes.Buffer
	var logMu sync.Mutex
	r := &Reader{Open: o, Map: m, Screen: scr, Log: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logBuf}, nil)),
		After: func(time.Duration) <-chan time.Time { return now() }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	select {
	case <-o.drained:
	case <-time.After(10 * time.Second):
		t.Fatal("reader did not work through the sessions")
	}
	st := r.Status()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	logMu.Lock()
	defer logMu.Unlock()
	return scr.events(), st, logBuf.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestRecordedStreams(t *testing.T) {
	tap := func(x, y int) []string {
		return []string{fmt.Sprintf("press %d,%d", x, y), fmt.Sprintf("release %d,%d", x, y)}
	}
	corner := Point{15, 15} // near the panel's top-left corner
	cases := []struct {
		name string
		info Info
		m    Mapping
		evs  []Event
		want []string
	}{
		// The official Pi display (ft5x06): 6 frames at 60 Hz.
		{"ft5x06 tap", ft5x06, Mapping{}, mtTouch(0, 16*ms, 7, still(Point{405, 245}, 6), false), tap(40, 12)},
		{"ft5x06 two taps", ft5x06, Mapping{}, cat(mtTouch(0, 16*ms, 7, still(Point{405, 245}, 6), false),
			mtTouch(400*ms, 16*ms, 8, still(Point{55, 445}, 5), false)), append(tap(40, 12), tap(5, 22)...)},
		{"ft5x06 rotation 0", ft5x06, Mapping{}, mtTouch(0, 16*ms, 1, still(corner, 6), false), tap(1, 0)},
		{"ft5x06 rotation 90", ft5x06, Mapping{Rotation: 90}, mtTouch(0, 16*ms, 1, still(corner, 6), false), tap(2, 23)},
		{"ft5x06 rotation 180", ft5x06, Mapping{Rotation: 180}, mtTouch(0, 16*ms, 1, still(corner, 6), false), tap(78, 23)},
		{"ft5x06 rotation 270", ft5x06, Mapping{Rotation: 270}, mtTouch(0, 16*ms, 1, still(corner, 6), false), tap(77, 0)},
		{"ft5x06 long press", ft5x06, Mapping{}, mtTouch(0, 16*ms, 3, still(Point{405, 245}, 94), false), tap(40, 12)},
		{"ft5x06 drag is a wheel event", ft5x06, Mapping{}, mtTouch(0, 16*ms, 3, path(Point{105, 245}, Point{705, 245}, 20), false),
			[]string{"wheel 70,12"}},
		{"ft5x06 jitter across a cell edge is a tap", ft5x06, Mapping{}, mtTouch(0, 16*ms, 3, path(Point{395, 245}, Point{405, 245}, 5), false),
			[]string{"press 39,12", "release 40,12"}},
		{"ft5x06 ghost: one frame", ft5x06, Mapping{}, mtTouch(0, 16*ms, 3, still(Point{405, 245}, 1), false), nil},
		{"ft5x06 two fingers make no tap", ft5x06, Mapping{}, cat(
			frame(0, ev(evAbs, absMTSlot, 0), ev(evAbs, absMTTrackingID, 1), ev(evAbs, absMTPositionX, 105), ev(evAbs, absMTPositionY, 105),
				ev(evKey, btnTouch, 1), ev(evAbs, absX, 105), ev(evAbs, absY, 105)),
			frame(16*ms, ev(evAbs, absMTSlot, 1), ev(evAbs, absMTTrackingID, 2), ev(evAbs, absMTPositionX, 705), ev(evAbs, absMTPositionY, 405)),
			frame(32*ms, ev(evAbs, absMTSlot, 0), ev(evAbs, absMTTrackingID, -1), ev(evAbs, absX, 705), ev(evAbs, absY, 405)),
			frame(80*ms, ev(evAbs, absMTSlot, 1), ev(evAbs, absMTTrackingID, -1), ev(evKey, btnTouch, 0)),
		), []string{"wheel 70,20"}},

		// Goodix: 100 Hz with contact sizes; mounted with swapped axes.
		{"goodix tap", goodix, Mapping{}, mtTouch(0, 10*ms, 100, still(Point{645, 405}, 8), true), tap(40, 12)},
		{"goodix swap_xy", goodix, Mapping{SwapXY: true}, mtTouch(0, 10*ms, 100, still(Point{200, 605}, 8), true), tap(60, 3)},
		{"goodix ghost without coordinates", goodix, Mapping{}, cat(
			frame(0, ev(evKey, btnTouch, 1)), frame(60*ms, ev(evKey, btnTouch, 0))), nil},
		{"goodix ghost, then a tap", goodix, Mapping{}, cat(
			frame(0, ev(evKey, btnTouch, 1)), frame(60*ms, ev(evKey, btnTouch, 0)),
			mtTouch(200*ms, 10*ms, 101, still(Point{645, 405}, 8), true)), tap(40, 12)},

		// A USB ILITEK panel in single-touch mode, calibrated to its visible area.
		{"ilitek tap, device range", ilitek, Mapping{}, stTouch(0, 8*ms, still(Point{2100, 2100}, 10)), tap(41, 12)},
		{"ilitek calibrated", ilitek, Mapping{X: Range{100, 3995}, Y: Range{100, 3995}}, stTouch(0, 8*ms, still(Point{2100, 2100}, 10)), tap(41, 12)},
		{"ilitek calibrated edge clamps", ilitek, Mapping{X: Range{100, 3995}, Y: Range{100, 3995}}, stTouch(0, 8*ms, still(Point{50, 4050}, 10)), tap(0, 23)},
		{"ilitek calibrated inverted x", ilitek, Mapping{X: Range{3995, 100}, Y: Range{100, 3995}}, stTouch(0, 8*ms, still(Point{2100, 2100}, 10)), tap(38, 12)},
		{"ilitek same spot twice reports no new position", ilitek, Mapping{}, cat(
			stTouch(0, 8*ms, []Point{{2100, 2100}, {2100, 2100}, {2100, 2100}, {2100, 2100}, {2100, 2100}}),
			// The input core drops unchanged values: the second touch has none of its own.
			frame(500*ms, ev(evKey, btnTouch, 1)), frame(560*ms, ev(evKey, btnTouch, 0))),
			append(tap(41, 12), tap(41, 12)...)},

		// Absolute pointers: eGalax in mouse mode, QEMU's usb-tablet (a click may take no time).
		{"tablet click", tablet, Mapping{}, pointerClick(0, 80*ms, Point{16384, 16384}), tap(40, 12)},
		{"tablet instant click", tablet, Mapping{}, pointerClick(0, time.Millisecond, Point{16384, 16384}), tap(40, 12)},
		{"tablet rotation 180", tablet, Mapping{Rotation: 180}, pointerClick(0, 80*ms, Point{0, 0}), tap(79, 23)},

		// Garbage among the records: unknown types and codes, autorepeat, absurd slots and
		// values; SYN_DROPPED cancels the touch in progress.
		{"garbage records", ft5x06, Mapping{}, cat(
			frame(0, ev(0x1f, 0x3ff, -1), ev(evAbs, 0x3f, 99), ev(evAbs, absMTSlot, -5), ev(evAbs, absMTSlot, 1000),
				ev(evAbs, absMTPositionX, 1<<30), ev(evKey, 0x2ff, 1), ev(evSyn, 0x7, 0)),
			frame(5*ms, ev(evAbs, absMTSlot, 0)),
			mtTouch(10*ms, 16*ms, 9, still(Point{405, 245}, 3), false)[:4],
			frame(30*ms, ev(evKey, btnTouch, 2)), // autorepeat: still down
			mtTouch(50*ms, 16*ms, 9, still(Point{405, 245}, 3), false)[4:],
		), tap(40, 12)},
		{"huge coordinates clamp", ft5x06, Mapping{}, mtTouch(0, 16*ms, 1, still(Point{1 << 30, -1 << 30}, 4), false), tap(79, 0)},
		{"syn dropped cancels the touch", ft5x06, Mapping{}, cat(
			mtTouch(0, 16*ms, 1, still(Point{405, 245}, 4), false)[:8],
			[]Event{ev(evSyn, synDropped, 0), ev(evAbs, absMTPositionX, 5)},
			frame(60*ms, ev(evAbs, absMTTrackingID, -1), ev(evKey, btnTouch, 0)),
			mtTouch(300*ms, 16*ms, 2, still(Point{55, 445}, 4), false)), tap(5, 22)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, st, log := play(t, c.m, session{info: c.info, data: encode(c.evs)})
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("posted %v, want %v", got, c.want)
			}
			taps := len(c.want) / 2
			if len(c.want) == 1 {
				taps = 0
			}
			if st.Taps != taps {
				t.Errorf("status counts %d taps, want %d", st.Taps, taps)
			}
			if !strings.Contains(log, "went away") {
				t.Errorf("the end of the stream was not logged as the device going away:\n%s", log)
			}
		})
	}
}

// A device that disappears mid-touch (unplugged, cut inside a record), is missing for a
// while, and comes back: the half touch posts nothing, the problem is logged once per
// distinct error, and taps on the returned device arrive.
func TestDeviceDisappears(t *testing.T) {
	half := encode(mtTouch(0, 16*ms, 1, still(Point{405, 245}, 6), false)[:10])
	half = half[:len(half)-RecordSize/2] // cut inside a record
	gone := errors.New("touch: open /dev/input/event0: no such device")
	got, st, log := play(t, Mapping{},
		session{info: ft5x06, data: half},
		session{err: gone}, session{err: gone}, session{err: gone},
		session{info: ft5x06, data: encode(mtTouch(time.Second, 16*ms, 2, still(Point{55, 445}, 5), false))},
		session{err: gone},
	)
	if want := []string{"press 5,22", "release 5,22"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("posted %v, want %v", got, want)
	}
	if st.Open || st.Err != gone.Error() || st.Taps != 1 || st.Device.Name != ft5x06.Name {
		t.Errorf("status %+v, want closed with %q after one tap", st, gone)
	}
	if n := strings.Count(log, "no such device"); n != 2 {
		t.Errorf("the missing device was logged %d times, want 2 (once per outage):\n%s", n, log)
	}
	if !strings.Contains(log, "inside an input_event record") {
		t.Errorf("the cut record was not reported:\n%s", log)
	}
}

// A device with no usable range, or a wrong one (not a touchscreen), is reported, not
// used; the reader goes on looking.
func TestUnusableDevice(t *testing.T) {
	noRange := ft5x06
	noRange.X = Axis{Code: absMTPositionX}
	got, st, log := play(t, Mapping{}, session{info: noRange, data: encode(mtTouch(0, 16*ms, 1, still(Point{405, 245}, 6), false))})
	if len(got) != 0 || !strings.Contains(st.Err, "no range") || !strings.Contains(log, "x_min") {
		t.Errorf("posted %v, status %+v, log %s; want nothing and the range problem", got, st, log)
	}
	// Calibration in the configuration makes it usable.
	got, _, _ = play(t, Mapping{X: Range{0, 799}}, session{info: noRange, data: encode(mtTouch(0, 16*ms, 1, still(Point{405, 245}, 6), false))})
	if len(got) != 2 {
		t.Errorf("calibrated: posted %v, want a tap", got)
	}
}

// Random bytes as a device: no panic, and the reader reports the device and goes on.
func TestGarbageStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		b := make([]byte, 1000*RecordSize+i)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		rec := NewRecogniser()
		st := NewStream(bytes.NewReader(b))
		for {
			e, err := st.Next()
			if err != nil {
				break
			}
			if c, ok := rec.Feed(e); ok {
				Classify(c, Mapping{X: Range{0, 799}, Y: Range{0, 479}}, fixedSize{80, 24}, MinTouch).Events()
			}
		}
		play(t, Mapping{}, session{info: ft5x06, data: b})
	}
}

func TestMappingCorners(t *testing.T) {
	m := Mapping{X: Range{0, 1000}, Y: Range{0, 1000}}
	// The panel's top-left corner shows the image's corner given by the rotation.
	for _, c := range []struct {
		rot    int
		swap   bool
		p      Point
		fx, fy float64
	}{
		{0, false, Point{0, 0}, 0, 0}, {0, false, Point{1000, 0}, 1, 0},
		{90, false, Point{0, 0}, 0, 1}, {90, false, Point{1000, 0}, 0, 0},
		{180, false, Point{0, 0}, 1, 1}, {180, false, Point{1000, 1000}, 0, 0},
		{270, false, Point{0, 0}, 1, 0}, {270, false, Point{0, 1000}, 0, 0},
		{0, true, Point{1000, 0}, 0, 1}, {90, true, Point{1000, 0}, 1, 1},
	} {
		mm := m
		mm.Rotation, mm.SwapXY = c.rot, c.swap
		if fx, fy := mm.Norm(c.p); fx != c.fx || fy != c.fy {
			t.Errorf("rotation %d swap %v: %v → %v,%v, want %v,%v", c.rot, c.swap, c.p, fx, fy, c.fx, c.fy)
		}
	}
	if _, err := (Mapping{Rotation: 45}).WithDevice(ft5x06); err == nil {
		t.Error("rotation 45 accepted")
	}
}
