// Package voicetest has the doubles of the voice guide's tests: a player that records
// what it was given instead of sounding it, and a clip source that makes a short tone
// for any text without a synthesizer.
package voicetest

import (
	"context"
	"encoding/binary"
	"math"
	"sync"
	"time"

	"madoguchi/screens/voice"
)

// Played is one clip the Recorder received.
type Played struct {
	Text string
	At   time.Time
	Len  int // bytes of samples
}

// Recorder is a voice.Player that keeps what it was asked to play, in order. It takes
// each clip as fast as it arrives (no playing time), unless Hold is set: then it waits
// for ctx (an utterance that is cut) or Hold per clip.
type Recorder struct {
	Hold time.Duration
	Now  func() time.Time // nil: time.Now

	mu     sync.Mutex
	played []Played
	starts []time.Time
}

// Play implements voice.Player.
func (r *Recorder) Play(ctx context.Context, clips <-chan voice.Clip) error {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	first := true
	for c := range clips {
		r.mu.Lock()
		if first {
			r.starts = append(r.starts, now())
			first = false
		}
		r.played = append(r.played, Played{Text: c.Text, At: now(), Len: len(c.PCM)})
		r.mu.Unlock()
		if r.Hold > 0 {
			select {
			case <-time.After(r.Hold):
			case <-ctx.Done():
				for range clips {
				}
				return ctx.Err()
			}
		}
	}
	return nil
}

// Played returns the clips played so far.
func (r *Recorder) Played() []Played {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Played(nil), r.played...)
}

// Starts returns when each utterance's first clip arrived.
func (r *Recorder) Starts() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.starts...)
}

// Tones is a voice.Clips that answers every part with a 440 Hz tone of 20 ms per
// character, so tests need no synthesizer. It counts the parts asked for.
type Tones struct {
	mu    sync.Mutex
	asked map[voice.Part]int
}

// Clip implements voice.Clips.
func (t *Tones) Clip(ctx context.Context, p voice.Part) (voice.Clip, error) {
	t.mu.Lock()
	if t.asked == nil {
		t.asked = map[voice.Part]int{}
	}
	t.asked[p]++
	t.mu.Unlock()
	n := voice.Rate / 50 * len([]rune(p.Text))
	pcm := make([]byte, 2*n)
	for i := range n {
		s := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/voice.Rate))
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(s))
	}
	return voice.Clip{Lang: p.Lang, Text: p.Text, PCM: pcm}, nil
}

// Asked returns how often each part was asked for.
func (t *Tones) Asked() map[voice.Part]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[voice.Part]int, len(t.asked))
	for k, v := range t.asked {
		out[k] = v
	}
	return out
}

// Transcript keeps every utterance a speaker was asked for (its Options.Said), in order.
type Transcript struct {
	mu sync.Mutex
	u  []string
}

// Add records u; pass it as voice.Options.Said.
func (t *Transcript) Add(u voice.Utterance) {
	t.mu.Lock()
	t.u = append(t.u, u.Text())
	t.mu.Unlock()
}

// All returns the utterances so far.
func (t *Transcript) All() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.u...)
}

// Take returns the utterances since the last Take and forgets them.
func (t *Transcript) Take() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.u
	t.u = nil
	return out
}
