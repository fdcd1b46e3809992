package config

import (
	"regexp"
	"strings"
)

// Voice is the [voice] section: the spoken guide.
type Voice struct {
	// Enabled offers the guide (the idle screen's 音声案内 button, the keypad's voice
	// key); false: the kiosk never speaks.
	Enabled bool
	// DefaultOn speaks from the start of every session, without the button.
	DefaultOn bool
	Volume    int    // percent of full scale, 1–100 (the resident moves it ±9 dB)
	Device    string // ALSA PCM for aplay -D ("default", "plughw:CARD=Headphones,DEV=0"); "": ALSA's default
	CacheDir  string // the synthesized clips (kiosk voice-cache fills it)
	// Phrases is a TOML file of corrections to the guide's sentences (screens/voice
	// Overrides); "": the built-in ones.
	Phrases string
	// The headphone jack's input device, where the board reports plugging in
	// (SW_HEADPHONE_INSERT): a path or a pattern on its name; both empty: none.
	JackPath    string
	JackPattern *regexp.Regexp
}

// Display is the [display] section: the display modes a resident can switch.
type Display struct {
	Switches     bool // offer 見やすく on every screen and やさしい日本語 on the idle screen
	HighContrast bool // each session starts in high contrast
	EasyJapanese bool // each session starts in やさしい日本語
}

func (d *decoder) display(t *table, s *Display) {
	t.boolean("switches", &s.Switches)
	t.boolean("high_contrast", &s.HighContrast)
	t.boolean("easy_japanese", &s.EasyJapanese)
	t.done()
}

// Keypad kinds.
const (
	KeypadNone   = "none"
	KeypadUSB    = "usb"    // a USB numeric keypad (evdev)
	KeypadMatrix = "matrix" // a GPIO key matrix
)

// Keypad is the [keypad] section: the resident's tactile keypad.
type Keypad struct {
	Kind string // KeypadNone (default), KeypadUSB or KeypadMatrix
	// usb: the device file (a /dev/input/by-id link) or a pattern on its name (RE2).
	DevicePath    string
	DevicePattern *regexp.Regexp
	// matrix: the GPIO names of the rows and columns, in the layout's order.
	Rows, Cols []string
}

// Defaults of the accessibility sections.
const (
	DefaultVolume        = 70
	DefaultVoiceCacheDir = "/var/cache/madoguchi/voice"
)

func defaultVoice() Voice {
	return Voice{Enabled: true, Volume: DefaultVolume, CacheDir: DefaultVoiceCacheDir}
}

func (d *decoder) voice(t *table, v *Voice) {
	t.boolean("enabled", &v.Enabled)
	t.boolean("default_on", &v.DefaultOn)
	t.integer("volume", &v.Volume, 1, 100)
	t.str("device", &v.Device)
	t.file("cache_dir", &v.CacheDir)
	t.file("phrases", &v.Phrases)
	v.JackPath, v.JackPattern = d.device(t, "jack", `"/dev/input/event5"`)
	t.done()
}

func (d *decoder) keypad(t *table, k *Keypad) {
	t.str("kind", &k.Kind)
	k.DevicePath, k.DevicePattern = d.device(t, "device", `"/dev/input/by-id/usb-...-event-kbd"`)
	var rows, cols string
	t.str("rows", &rows)
	t.str("cols", &cols)
	k.Rows, k.Cols = pinList(rows), pinList(cols)
	t.done()
}

// pinList splits "GPIO5, GPIO6" into its names.
func pinList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (v *validator) access() {
	if vo := v.c.Voice; vo.Enabled && vo.CacheDir == "" {
		v.add("voice.cache_dir", "must name a directory for the synthesized speech")
	}
	k := v.c.Keypad
	switch k.Kind {
	case KeypadNone, KeypadUSB:
	case KeypadMatrix:
		for _, p := range []struct {
			key  string
			pins []string
		}{{"keypad.rows", k.Rows}, {"keypad.cols", k.Cols}} {
			if len(p.pins) < 1 || len(p.pins) > 4 {
				v.add(p.key, `must name 1 to 4 GPIO pins, such as "GPIO5,GPIO6,GPIO13,GPIO19", got %d`, len(p.pins))
			}
		}
	default:
		v.add("keypad.kind", "must be %q, %q (a USB numeric keypad) or %q (a GPIO key matrix), got %q", KeypadNone, KeypadUSB, KeypadMatrix, k.Kind)
	}
	if k.Kind == KeypadUSB && k.DevicePath == "" && k.DevicePattern == nil {
		v.add("keypad.device", `must name the keypad: a device file (a /dev/input/by-id link) or a pattern on its name`)
	}
	if k.DevicePath != "" && !strings.HasPrefix(k.DevicePath, "/dev/") {
		v.add("keypad.device", `must be a device file under /dev or a name pattern, got %q`, k.DevicePath)
	}
}
