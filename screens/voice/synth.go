package voice

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"madoguchi/kiosk"
)

// Synth turns a text into a WAV file of 16-bit mono samples at Rate.
type Synth interface {
	// ID names the engine and voice that speak l: it is part of the cache key, so a
	// changed voice never plays an old clip.
	ID(l kiosk.Lang) string
	Synthesize(ctx context.Context, l kiosk.Lang, text string) ([]byte, error)
}

// The Debian packages' files (open-jtalk-mecab-naist-jdic, hts-voice-nitech-jp-atr503-m001).
const (
	DefaultJTalkDict  = "/var/lib/mecab/dic/open-jtalk/naist-jdic"
	DefaultJTalkVoice = "/usr/share/hts-voice/nitech-jp-atr503-m001/nitech_jp_atr503_m001.htsvoice"
)

// ESpeakVoices is the espeak-ng voice of each language that is not Japanese. Tagalog has
// no voice in espeak-ng 1.51 (Debian 12) and is not listed: NoVoice (Spoken says
// English for it).
var ESpeakVoices = map[kiosk.Lang]string{
	kiosk.LangEN:     "en-us",
	kiosk.LangZhHans: "cmn", // Mandarin
	kiosk.LangZhHant: "cmn", // Mandarin too (Taiwan); Cantonese readers would want "yue"
	kiosk.LangKO:     "ko",
	kiosk.LangVI:     "vi",
	kiosk.LangPtBR:   "pt-br",
	kiosk.LangNE:     "ne",
	kiosk.LangID:     "id",
	kiosk.LangES:     "es-419", // Latin America: most Spanish speakers in Japan are from Peru and other Latin American countries
}

// NoVoice lists the languages of issue 19 that espeak-ng 1.51 cannot speak.
var NoVoice = []kiosk.Lang{kiosk.LangTL}

// Commands is the synthesizer of the appliance: Open JTalk for Japanese, espeak-ng for
// the other languages, and sox to bring both to one format and loudness (peaks at
// -3 dBFS). Text goes to the engines on standard input, never as an argument.
type Commands struct {
	JTalkDict, JTalkVoice string // "": the Debian packages' paths
	Voices                map[kiosk.Lang]string
	TempDir               string // "": os.TempDir
}

func (c Commands) jtalk() (dict, voice string) {
	dict, voice = c.JTalkDict, c.JTalkVoice
	if dict == "" {
		dict = DefaultJTalkDict
	}
	if voice == "" {
		voice = DefaultJTalkVoice
	}
	return dict, voice
}

func (c Commands) espeakVoice(l kiosk.Lang) string {
	if v, ok := c.Voices[l]; ok {
		return v
	}
	if v, ok := ESpeakVoices[l]; ok {
		return v
	}
	return string(l)
}

// ID implements Synth.
func (c Commands) ID(l kiosk.Lang) string {
	if l == kiosk.LangJA {
		_, voice := c.jtalk()
		return "open_jtalk " + filepath.Base(voice) + fmt.Sprintf(" %d", Rate)
	}
	return "espeak-ng " + c.espeakVoice(l) + fmt.Sprintf(" %d", Rate)
}

// Synthesize implements Synth.
func (c Commands) Synthesize(ctx context.Context, l kiosk.Lang, text string) ([]byte, error) {
	dir, err := os.MkdirTemp(c.TempDir, "madoguchi-voice-")
	if err != nil {
		return nil, fmt.Errorf("synthesize: %w", err)
	}
	defer os.RemoveAll(dir)
	raw, out := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "out.wav")
	var cmd *exec.Cmd
	if l == kiosk.LangJA {
		dict, voice := c.jtalk()
		cmd = exec.CommandContext(ctx, "open_jtalk", "-x", dict, "-m", voice, "-ow", raw)
	} else {
		cmd = exec.CommandContext(ctx, "espeak-ng", "-v", c.espeakVoice(l), "-w", raw, "--stdin")
	}
	cmd.Stdin = strings.NewReader(text + "\n")
	if err := run(cmd); err != nil {
		return nil, fmt.Errorf("synthesize (%s): %w", l, err)
	}
	conv := exec.CommandContext(ctx, "sox", raw, "-r", fmt.Sprint(Rate), "-c", "1", "-b", "16", "-e", "signed-integer", out, "gain", "-n", "-3")
	if err := run(conv); err != nil {
		return nil, fmt.Errorf("synthesize (%s): sox: %w", l, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("synthesize: %w", err)
	}
	return b, nil
}

// run runs cmd and puts the end of its standard error into the error.
func run(cmd *exec.Cmd) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[len(msg)-300:]
		}
		if msg != "" {
			return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, msg)
		}
		return fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
	}
	return nil
}
