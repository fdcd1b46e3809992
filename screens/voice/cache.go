package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Cache keeps each part's audio as a WAV file named by the hash of the synthesizer's ID,
// the language and the text: a changed text or voice is a new file, an unchanged one is
// never synthesized twice. Files are written whole (a temporary file renamed).
type Cache struct {
	Dir   string
	Synth Synth

	mu sync.Mutex // one synthesis at a time: the kiosk has little CPU to spare
}

// Path is the file that holds p's audio.
func (c *Cache) Path(p Part) string {
	h := sha256.Sum256([]byte(c.Synth.ID(p.Lang) + "\x00" + string(p.Lang) + "\x00" + p.Text))
	return filepath.Join(c.Dir, hex.EncodeToString(h[:16])+".wav")
}

// Has reports whether p's audio is in the cache.
func (c *Cache) Has(p Part) bool {
	_, err := os.Stat(c.Path(p))
	return err == nil
}

// Clip is p's audio: from the cache, or synthesized now and kept.
func (c *Cache) Clip(ctx context.Context, p Part) (Clip, error) {
	path := c.Path(p)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b, err = c.make(ctx, p, path)
	}
	if err != nil {
		return Clip{}, fmt.Errorf("voice clip: %w", err)
	}
	pcm, err := parseWAV(b)
	if err != nil {
		return Clip{}, fmt.Errorf("voice clip %s: %w", filepath.Base(path), err)
	}
	return Clip{Lang: p.Lang, Text: p.Text, PCM: pcm}, nil
}

func (c *Cache) make(ctx context.Context, p Part, path string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, err := os.ReadFile(path); err == nil { // made while this one waited
		return b, nil
	}
	b, err := c.Synth.Synthesize(ctx, p.Lang, p.Text)
	if err != nil {
		return nil, err
	}
	if _, err := parseWAV(b); err != nil {
		return nil, fmt.Errorf("synthesizer output: %w", err)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(c.Dir, ".part-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, err
	}
	return b, os.Rename(tmp.Name(), path)
}

// Prepare synthesizes every part not yet in the cache (kiosk voice-cache, the first
// start). It returns how many it made; it stops at the first failure.
func (c *Cache) Prepare(ctx context.Context, parts []Part) (made int, err error) {
	for _, p := range parts {
		if c.Has(p) {
			continue
		}
		if _, err := c.Clip(ctx, p); err != nil {
			return made, fmt.Errorf("prepare %q (%s): %w", p.Text, p.Lang, err)
		}
		made++
	}
	return made, nil
}
