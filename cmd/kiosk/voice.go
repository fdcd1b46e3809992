package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/screens"
	"madoguchi/screens/voice"
)

// voiceSpec is what the configuration lets the guide say: its languages, fees, copies,
// municipalities and certificates.
func voiceSpec(cfg *config.Config) voice.Spec {
	s := voice.Spec{Langs: kiosk.Langs, MaxCopies: cfg.Kiosk.MaxCopies}
	seenFee := map[int]bool{}
	seenCert := map[config.CertType]bool{}
	for _, m := range cfg.Municipalities {
		s.Municipalities = append(s.Municipalities, kiosk.MunicipalityView{Code: m.Code, Name: m.Name, NameEN: m.NameEN, Open: true})
		for _, c := range m.Certificates {
			if !seenFee[c.FeeYen] {
				seenFee[c.FeeYen] = true
				s.Fees = append(s.Fees, c.FeeYen)
			}
			if !seenCert[c.Type] {
				seenCert[c.Type] = true
				s.Certs = append(s.Certs, c.Type)
			}
		}
	}
	return s
}

func voiceCache(dir string) *voice.Cache { return &voice.Cache{Dir: dir, Synth: voice.Commands{}} }

// applyPhrases puts the [voice] phrases file's corrections into the guide's tables.
func applyPhrases(cfg *config.Config) error {
	if cfg.Voice.Phrases == "" {
		return nil
	}
	data, err := os.ReadFile(cfg.Voice.Phrases)
	if err != nil {
		return fmt.Errorf("voice phrases: %w", err)
	}
	o, err := voice.ParseOverrides(data)
	if err != nil {
		return err
	}
	_, err = o.Apply()
	return err
}

// newSpeaker is the spoken guide the configuration asks for, or nil. A sentence that
// `kiosk voice-cache` did not synthesize is synthesized when first said, and kept; the
// kiosk synthesizes nothing while idle (no CPU, no writes to the SD card).
func newSpeaker(ctx context.Context, cfg *config.Config, player voice.Player, on bool, said func(voice.Utterance), log *slog.Logger) *voice.Speaker {
	if !cfg.Voice.Enabled {
		return nil
	}
	if err := applyPhrases(cfg); err != nil {
		log.Error("voice: the built-in sentences are used", "err", err)
	}
	cache := voiceCache(cfg.Voice.CacheDir)
	return voice.NewSpeaker(ctx, voice.Options{Clips: cache, Player: player, Volume: cfg.Voice.Volume,
		On: on || cfg.Voice.DefaultOn, Said: said, Log: log.With("part", "voice")})
}

// runVoiceCache is `kiosk voice-cache`: synthesize every sentence the configuration's
// guide can say into its cache folder (at install, in the image build, after a change
// of fees).
func runVoiceCache(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("voice-cache", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", DefaultConfigPath, "configuration file")
	dir := fs.String("dir", "", "cache folder (default: the configuration's [voice] cache_dir)")
	langs := fs.String("langs", "", "comma-separated languages to synthesize (default: all eleven)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var only []kiosk.Lang
	for _, l := range strings.Split(*langs, ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if !kiosk.Lang(l).Valid() {
			fmt.Fprintf(stderr, "kiosk voice-cache: -langs: %q is none of %v\n", l, kiosk.Langs)
			return 2
		}
		only = append(only, kiosk.Lang(l))
	}
	// Parsed, not loaded: the guide needs the fees and names, not the TLS files or the
	// queue's folder (an image build has neither yet).
	data, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk voice-cache: %v\n", err)
		return 1
	}
	cfg, err := config.Parse(*path, data)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk voice-cache: %v\n", err)
		return 1
	}
	if err := applyPhrases(cfg); err != nil {
		fmt.Fprintf(stderr, "kiosk voice-cache: %v\n", err)
		return 1
	}
	d := cfg.Voice.CacheDir
	if *dir != "" {
		d = *dir
	}
	spec := voiceSpec(cfg)
	if len(only) > 0 {
		spec.Langs = only
	}
	parts := voice.Phrases(spec)
	t0 := time.Now()
	made, err := voiceCache(d).Prepare(ctx, parts)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk voice-cache: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "kiosk voice-cache: %d sentences in %s, %d synthesized now (%s)\n", len(parts), d, made, time.Since(t0).Round(time.Millisecond))
	return 0
}

// demoVoice is the demo's guide with -voice DIR: what it says goes into DIR (and to the
// sound card where there is one), in a cache under the user's cache folder.
func demoVoice(ctx context.Context, cfg *config.Config, dir string, log *slog.Logger) (*voice.Speaker, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("voice folder: %w", err)
	}
	if cache, err := os.UserCacheDir(); err == nil {
		cfg.Voice.CacheDir = filepath.Join(cache, "madoguchi", "voice")
	} else {
		cfg.Voice.CacheDir = filepath.Join(dir, "cache")
	}
	cfg.Voice.Enabled = true
	f := &voice.Folder{Dir: dir}
	if _, err := os.Stat("/dev/snd"); err == nil {
		f.Also = voice.Aplay{Device: cfg.Voice.Device}
	}
	return newSpeaker(ctx, cfg, f, true, f.Said, log), nil
}

// displayOf is the [display] section for the screens: nil when the switches are off.
func displayOf(cfg *config.Config) *screens.Display {
	if !cfg.Display.Switches {
		return nil
	}
	return &screens.Display{Contrast: cfg.Display.HighContrast, Easy: cfg.Display.EasyJapanese}
}
