package voice

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// Player plays one utterance: the clips arrive on the channel in order (the speaker
// fetches the next while the first plays) and the channel closes after the last. Play
// returns when the last clip has played or ctx ends; ctx's end cuts the sound at once
// (a new screen, a key press).
type Player interface {
	Play(ctx context.Context, clips <-chan Clip) error
}

// Aplay plays through ALSA's aplay (alsa-utils): one process per utterance, the clips'
// samples streamed to its standard input. Why aplay and not a Go binding: the Go ALSA
// bindings need cgo against libasound and none is among the modules checked for this
// project; aplay is Debian's own, chooses and converts for the device (-D plughw:…,
// "default" through dmix), and a hung sound device can hang only that process, which the
// context kills.
type Aplay struct {
	Device string // ALSA PCM (-D); "": ALSA's default
	Path   string // "": aplay on PATH
	// Started, when set, is called when aplay has opened the device and begins to play
	// (its "Playing raw data" line): the benchmark's "sound starts".
	Started func()
}

// Play implements Player.
func (a Aplay) Play(ctx context.Context, clips <-chan Clip) error {
	path := a.Path
	if path == "" {
		path = "aplay"
	}
	args := []string{"-t", "raw", "-f", "S16_LE", "-r", fmt.Sprint(Rate), "-c", "1"}
	if a.Device != "" {
		args = append(args, "-D", a.Device)
	}
	cmd := exec.CommandContext(ctx, path, append(args, "-")...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("aplay: %w", err)
	}
	errs := &startWriter{started: a.Started}
	cmd.Stderr = errs
	if err := cmd.Start(); err != nil {
		drain(clips)
		return fmt.Errorf("aplay: %w", err)
	}
	var werr error
	for c := range clips {
		if werr == nil {
			_, werr = in.Write(c.PCM)
		}
	}
	in.Close()
	err = cmd.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("aplay: %w: %s", err, errs.tail())
	}
	if werr != nil {
		return fmt.Errorf("aplay: %w", werr)
	}
	return nil
}

func drain(clips <-chan Clip) {
	for range clips {
	}
}

// startWriter takes aplay's standard error: its first line means the device is open; the
// rest is kept for the error message.
type startWriter struct {
	mu      sync.Mutex
	started func()
	seen    bool
	buf     bytes.Buffer
}

func (w *startWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen && bytes.Contains(p, []byte("Playing")) {
		w.seen = true
		if w.started != nil {
			w.started()
		}
	}
	if w.buf.Len() < 4096 {
		w.buf.Write(p)
	}
	return len(p), nil
}

func (w *startWriter) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.TrimSpace(w.buf.String())
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

var _ io.Writer = (*startWriter)(nil)
