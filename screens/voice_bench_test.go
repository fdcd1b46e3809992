package screens

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/screens/voice"
)

// BenchmarkKeyToSound measures a key press on the PIN pad (a keypad key, and a tap on the
// on-screen button) to the start of its spoken answer, the whole way: the event on the
// screen, the UI, the engine (the real
// one, over the test doubles), the redraw, the guide, the clip read from the cache and
// aplay started on ALSA's null device, up to aplay's report that it has opened the device
// and starts playing. It prints the median and the 90th percentile.
func BenchmarkKeyToSound(b *testing.B) {
	for _, tool := range []string{"aplay", "open_jtalk", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed (make deps installs it)", tool)
		}
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = b.TempDir()
	}
	cache := &voice.Cache{Dir: filepath.Join(dir, "madoguchi", "voice"), Synth: voice.Commands{}}
	var parts []voice.Part
	for n := 1; n <= 4; n++ {
		parts = append(parts, voice.Part{Lang: kiosk.LangJA, Text: voice.Change(kiosk.View{State: kiosk.StatePIN, Screen: 1, PINLength: n - 1},
			kiosk.View{State: kiosk.StatePIN, Screen: 1, PINLength: n}).Text()})
	}
	parts = append(parts, voice.Part{Lang: kiosk.LangJA, Text: "1桁消しました。"})
	if _, err := cache.Prepare(context.Background(), parts); err != nil {
		b.Fatal(err)
	}
	started := make(chan time.Time, 16)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sp := voice.NewSpeaker(ctx, voice.Options{Clips: cache, On: true,
		Player: voice.Aplay{Device: "null", Started: func() { started <- time.Now() }}})
	defer sp.Close()
	r := kiosktest.NewRig(b)
	r.Start(ctx)
	defer r.Stop()
	sim := newSim(b, 80, 24)
	defer sim.Fini()
	done := make(chan struct{})
	go func() { Run(ctx, sim, r.Engine, Options{Voice: sp}); close(done) }()
	defer func() { cancel(); <-done }()
	in := func(k kiosk.InputKind, arg int) { r.Engine.Input(kiosk.Input{Kind: k, Arg: arg}) }
	in(kiosk.InputStart, 0)
	in(kiosk.InputSelect, 0)
	in(kiosk.InputNext, 0)
	r.InsertCard()
	for deadline := time.Now().Add(10 * time.Second); r.Engine.View().State != kiosk.StatePIN; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("no PIN screen: %s", r.Engine.View().State)
		}
	}
	sp.Wait()
	time.Sleep(100 * time.Millisecond)
	for len(started) > 0 {
		<-started
	}
	// press is one press of the digit 7 (even i) or of the delete key, by the keypad or
	// by a tap on the PIN pad's button.
	type press func(i int) error
	keypad := func(i int) error {
		ev := NewKeyEvent(KeyDigit, 7)
		if i%2 == 1 {
			ev = NewKeyEvent(KeyBack, 0)
		}
		return sim.PostEvent(ev)
	}
	tap := func(i int) error {
		want := kiosk.Input{Kind: kiosk.InputDigit, Arg: 7}
		if i%2 == 1 {
			want = kiosk.Input{Kind: kiosk.InputDelete}
		}
		for _, tg := range Targets(80, 24, r.Engine.View(), nil) {
			if tg.Input.Kind == want.Kind && tg.Input.Arg == want.Arg {
				x, y := tg.X+tg.W/2, tg.Y+tg.H/2
				sim.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
				sim.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
				return nil
			}
		}
		return fmt.Errorf("no button for %v", want)
	}
	time.Sleep(TapGuard) // the PIN screen's tap guard
	for _, c := range []struct {
		name string
		do   press
	}{{"keypad", keypad}, {"tap", tap}} {
		b.Run(c.name, func(b *testing.B) {
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if err := c.do(i); err != nil {
					b.Fatal(err)
				}
				select {
				case t1 := <-started:
					lat = append(lat, t1.Sub(t0))
				case <-time.After(5 * time.Second):
					b.Fatal("no sound within 5 s")
				}
				sp.Wait()
			}
			if r.Engine.View().PINLength > 1 {
				b.Fatalf("PIN length %d: the presses did not alternate", r.Engine.View().PINLength)
			}
			slices.Sort(lat)
			med, p90 := lat[len(lat)/2], lat[len(lat)*9/10]
			b.ReportMetric(float64(med.Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(p90.Microseconds())/1000, "ms-p90")
			b.Logf("%s to sound start: median %v, p90 %v over %d presses (target: median < 150 ms)", c.name, med, p90, len(lat))
		})
	}
}
