package voice

import (
	"context"
	"log/slog"
	"math"
	"sync"

	"madoguchi/kiosk"
)

// Clips gives a part's audio; *Cache is one.
type Clips interface {
	Clip(ctx context.Context, p Part) (Clip, error)
}

// Volume steps: the resident's louder and quieter buttons move by StepDB, at most
// MaxSteps either way from the technician's volume; a session's end puts it back.
const (
	StepDB   = 3
	MaxSteps = 3
)

// Options configure a Speaker.
type Options struct {
	Clips  Clips
	Player Player
	// Volume is the technician's volume in percent of full scale (1–100; 0: 70).
	Volume int
	// On: the guide speaks from the start and after each session (config [voice]
	// default_on); otherwise the resident turns it on with the idle screen's button.
	On  bool
	Log *slog.Logger
	// Said, when set, is told every utterance when it is asked for, in order, also one
	// that the next cuts before it is heard (kiosk demo -voice, tests). It must not call
	// the Speaker.
	Said func(Utterance)
}

// Speaker speaks the screens: the guide of each new screen, what each key press changed,
// the focused button, the countdown. A new utterance cuts the one playing. Its methods
// are called from the UI goroutine and never block on sound.
type Speaker struct {
	o    Options
	base context.Context
	stop context.CancelFunc

	mu       sync.Mutex
	on       bool
	step     int
	last     kiosk.View
	shown    bool   // last is a view that was drawn
	counting uint64 // the screen whose countdown was announced
	cancel   context.CancelFunc
	done     chan struct{}
}

// NewSpeaker returns a speaker that speaks until ctx ends or Close.
func NewSpeaker(ctx context.Context, o Options) *Speaker {
	if o.Volume <= 0 || o.Volume > 100 {
		o.Volume = 70
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	base, stop := context.WithCancel(ctx)
	return &Speaker{o: o, base: base, stop: stop, on: o.On}
}

// Close stops the sound and waits for the player.
func (s *Speaker) Close() {
	s.stop()
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// On reports whether the guide speaks.
func (s *Speaker) On() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on
}

// Show is told every view the screen draws, with the countdown it shows (0: none).
func (s *Speaker) Show(v kiosk.View, remain int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, first := s.last, !s.shown
	s.last, s.shown = v, true
	if v.State == kiosk.StateIdle && prev.State != kiosk.StateIdle && prev.Screen != 0 {
		// The session is over: the next resident starts from the configured default.
		s.on, s.step = s.o.On, 0
	}
	if !s.on {
		return
	}
	u := Change(prev, v)
	if first {
		u = Guide(v)
	}
	if remain > 0 && s.counting != v.Screen {
		s.counting = v.Screen
		u = Countdown(remain, lang(v))
	}
	if !u.Empty() {
		s.sayLocked(u)
	}
}

// Focus says the button the keypad moved the focus to (label: its text on the screen).
func (s *Speaker) Focus(in kiosk.Input, label string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.sayLocked(Focus(s.last, in, label))
	}
}

// Repeat says the current screen's whole guide again (the help key).
func (s *Speaker) Repeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.sayLocked(Guide(s.last))
	}
}

// Toggle turns the guide on (saying so, then the screen's guide) or off.
func (s *Speaker) Toggle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := lang(s.last)
	s.on = !s.on
	if s.on {
		u := Say(SaidVoiceOn, l)
		u.Parts = append(u.Parts, Guide(s.last).Parts...)
		s.sayLocked(u)
		return
	}
	s.sayLocked(Say(SaidVoiceOff, l))
}

// Louder and Quieter move the resident's volume one step (turning the guide on).
func (s *Speaker) Louder()  { s.volume(+1, SaidLouder) }
func (s *Speaker) Quieter() { s.volume(-1, SaidQuieter) }

func (s *Speaker) volume(d int, said Said) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = true
	s.step = min(max(s.step+d, -MaxSteps), MaxSteps)
	s.sayLocked(Say(said, lang(s.last)))
}

// Gain is the factor applied to the clips: the technician's volume and the resident's
// steps.
func (s *Speaker) Gain() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gainLocked()
}

func (s *Speaker) gainLocked() float64 {
	return float64(s.o.Volume) / 100 * math.Pow(10, float64(s.step*StepDB)/20)
}

// sayLocked cuts what is playing and starts u. The clips are fetched in order while the
// first plays.
func (s *Speaker) sayLocked(u Utterance) {
	if s.cancel != nil {
		s.cancel()
	}
	if u.Empty() {
		return
	}
	ctx, cancel := context.WithCancel(s.base)
	prev := s.done
	done := make(chan struct{})
	s.cancel, s.done = cancel, done
	gain := s.gainLocked()
	if s.o.Said != nil {
		s.o.Said(u)
	}
	go func() {
		defer close(done)
		defer cancel()
		if prev != nil {
			<-prev // the cut player has let go of the device
		}
		if ctx.Err() != nil {
			return
		}
		clips := make(chan Clip)
		go func() {
			defer close(clips)
			for _, p := range u.Parts {
				c, err := s.o.Clips.Clip(ctx, Part{Lang: u.Lang, Text: p})
				if err != nil {
					if ctx.Err() == nil {
						s.o.Log.Warn("voice: clip", "err", err)
					}
					continue
				}
				c.PCM = scaled(c.PCM, gain)
				select {
				case clips <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
		if err := s.o.Player.Play(ctx, clips); err != nil && ctx.Err() == nil {
			s.o.Log.Warn("voice: play", "err", err)
		}
		drain(clips)
	}()
}

// Wait blocks until the current utterance has played (tests, the demo's folder player).
func (s *Speaker) Wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}
