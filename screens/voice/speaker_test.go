package voice_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/screens/voice"
	"madoguchi/screens/voice/voicetest"
)

func TestSpeaker(t *testing.T) {
	rec := &voicetest.Recorder{Hold: 20 * time.Millisecond}
	var log voicetest.Transcript
	s := voice.NewSpeaker(context.Background(), voice.Options{Clips: &voicetest.Tones{}, Player: rec, Said: log.Add})
	defer s.Close()
	idle := kiosk.View{State: kiosk.StateIdle, Lang: kiosk.LangJA, Screen: 1}
	s.Show(idle, 0)
	if len(log.All()) != 0 {
		t.Fatalf("the guide spoke while off: %q", log.All())
	}
	s.Toggle()
	s.Wait()
	pin := kiosk.View{State: kiosk.StatePIN, Lang: kiosk.LangJA, Screen: 2, TriesLeft: 3}
	s.Show(pin, 0)
	for n := 1; n <= 4; n++ {
		pin.PINLength = n
		s.Show(pin, 0)
	}
	s.Wait()
	s.Show(pin, 10) // the countdown appears
	s.Show(pin, 9)  // said once per screen
	s.Wait()
	got := log.All()
	want := []string{"音声案内をはじめます。" + voice.Guide(idle).Text(), voice.Guide(kiosk.View{State: kiosk.StatePIN, TriesLeft: 3}).Text(),
		"1桁目を入力しました。", "2桁目を入力しました。", "3桁目を入力しました。", "4桁目を入力しました。", voice.Countdown(10, kiosk.LangJA).Text()}
	if !slices.Equal(got, want) {
		t.Fatalf("said\n%q\nwant\n%q", got, want)
	}
	// Each key press cut the one before: the PIN screen's long guide was not played whole.
	var texts []string
	for _, p := range rec.Played() {
		texts = append(texts, p.Text)
	}
	if !slices.Contains(texts, "4桁目を入力しました。") {
		t.Errorf("the last key press was not played: %q", texts)
	}

	// Louder and quieter move the gain by 3 dB steps, bounded; a session's end resets it.
	g0 := s.Gain()
	s.Louder()
	if r := s.Gain() / g0; r < 1.40 || r > 1.42 {
		t.Errorf("louder: gain ×%.3f, want ×1.41", r)
	}
	for range 10 {
		s.Quieter()
	}
	if r := s.Gain() / g0; r < 0.35 || r > 0.36 {
		t.Errorf("quietest: gain ×%.3f, want ×0.354 (3 steps)", r)
	}
	s.Show(kiosk.View{State: kiosk.StateTake, Screen: 3}, 0)
	s.Show(kiosk.View{State: kiosk.StateIdle, Screen: 4}, 0)
	if s.On() || s.Gain() != g0 {
		t.Errorf("after the session: on %v, gain %.3f (want off, %.3f)", s.On(), s.Gain(), g0)
	}
}

// aplay, as the kiosk runs it, plays a clip to ALSA's null device and reports the start;
// a cancelled context stops it at once.
func TestAplay(t *testing.T) {
	if _, err := exec.LookPath("aplay"); err != nil {
		t.Skip("aplay is not installed (make deps installs alsa-utils)")
	}
	tones := &voicetest.Tones{}
	clip, _ := tones.Clip(context.Background(), voice.Part{Lang: kiosk.LangJA, Text: strings.Repeat("あ", 50)})
	started := make(chan struct{}, 1)
	a := voice.Aplay{Device: "null", Started: func() { started <- struct{}{} }}
	ch := make(chan voice.Clip, 1)
	ch <- clip
	close(ch)
	if err := a.Play(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	default:
		t.Error("aplay did not report the start")
	}
	bad := voice.Aplay{Device: "no-such-device"}
	ch = make(chan voice.Clip, 1)
	ch <- clip
	close(ch)
	if err := bad.Play(context.Background(), ch); err == nil || !strings.Contains(err.Error(), "aplay") {
		t.Errorf("a missing device: %v", err)
	}
}
