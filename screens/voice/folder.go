package voice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Folder writes what the guide says into a folder (kiosk demo -voice): Said (the
// speaker's Options.Said) appends every utterance asked for to transcript.txt as
// "NNN<TAB>lang<TAB>text", also one the next cut short; as a Player it writes the audio
// of utterance NNN as far as it played to NNN.wav (a key press that cuts the one before
// leaves that one without a file). Also, when set, plays it too (where a sound card is).
type Folder struct {
	Dir  string
	Also Player

	mu  sync.Mutex
	n   int
	err error
}

// Said records u in the transcript.
func (f *Folder) Said(u Utterance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	f.err = errors.Join(f.err, appendLine(filepath.Join(f.Dir, "transcript.txt"),
		fmt.Sprintf("%03d\t%s\t%s\n", f.n, u.Lang, u.Text())))
}

// Err is the first failure to write the transcript.
func (f *Folder) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func appendLine(path, line string) error {
	tf, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("voice folder: %w", err)
	}
	_, err = tf.WriteString(line)
	if err = errors.Join(err, tf.Close()); err != nil {
		return fmt.Errorf("voice folder: %w", err)
	}
	return nil
}

// Play implements Player.
func (f *Folder) Play(ctx context.Context, clips <-chan Clip) error {
	f.mu.Lock()
	n := f.n
	f.mu.Unlock()
	var also chan Clip
	alsoDone := make(chan error, 1)
	if f.Also != nil {
		also = make(chan Clip, 16)
		go func() { alsoDone <- f.Also.Play(ctx, also) }()
	} else {
		alsoDone <- nil
	}
	var pcm []byte
	played := false
	for c := range clips {
		pcm = append(pcm, c.PCM...)
		played = true
		if also != nil {
			also <- c
		}
	}
	if also != nil {
		close(also)
	}
	err := <-alsoDone
	if !played {
		return err
	}
	name := fmt.Sprintf("%03d", n)
	if werr := os.WriteFile(filepath.Join(f.Dir, name+".wav"), Clip{PCM: pcm}.WAV(), 0o644); werr != nil {
		return errors.Join(err, fmt.Errorf("voice folder: %w", werr))
	}
	return err
}
