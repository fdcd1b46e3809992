package voice

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"unicode/utf8"

	"madoguchi/center"
	"madoguchi/kiosk"
)

// needTools skips on a developer machine without the speech packages (make deps installs
// them, so CI never skips).
func needTools(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"open_jtalk", "espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed (make deps installs open-jtalk, espeak-ng, sox)", tool)
		}
	}
	for _, f := range []string{DefaultJTalkDict, DefaultJTalkVoice} {
		if _, err := os.Stat(f); err != nil {
			tb.Skipf("%s is missing (make deps installs open-jtalk-mecab-naist-jdic and hts-voice-nitech-jp-atr503-m001)", f)
		}
	}
}

// testCache is the synthesized clips kept between test runs, by hash of voice and text
// (the first run synthesizes, later ones only read).
func testCache(tb testing.TB) *Cache {
	tb.Helper()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = tb.TempDir()
	}
	return &Cache{Dir: filepath.Join(dir, "madoguchi", "voice"), Synth: Commands{}}
}

// testSpec is the demo's certificates and fees.
var testSpec = Spec{Langs: langs, Fees: []int{200, 300, 350, 450}, MaxCopies: 10,
	Municipalities: []kiosk.MunicipalityView{{Name: "見本市", NameEN: "Mihon City", Open: true}},
	Certs:          center.CertTypes}

// soxStat reads sox's statistics of a WAV file.
func soxStat(tb testing.TB, path string) (length, rms, peak float64) {
	tb.Helper()
	out, err := exec.Command("sox", path, "-n", "stat").CombinedOutput()
	if err != nil {
		tb.Fatalf("sox stat %s: %v: %s", path, err, out)
	}
	get := func(name string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(-?[0-9.]+)`).FindSubmatch(out)
		if m == nil {
			tb.Fatalf("sox stat %s: no %q in %s", path, name, out)
		}
		f, _ := strconv.ParseFloat(string(m[1]), 64)
		return f
	}
	return get("Length (seconds)"), get("RMS     amplitude"), get("Maximum amplitude")
}

// Every part the guide can say, in every language, is synthesized into audio that is not
// silent, not clipped, and of a length that fits its text.
func TestEveryPhraseSynthesizes(t *testing.T) {
	needTools(t)
	c := testCache(t)
	parts := Phrases(testSpec)
	made, err := c.Prepare(context.Background(), parts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d parts, %d synthesized now", len(parts), made)
	for _, p := range parts {
		clip, err := c.Clip(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		length, rms, peak := soxStat(t, c.Path(p))
		n := utf8.RuneCountInString(p.Text)
		// Japanese is read at about 8 characters a second, English at about 14.
		maxLen := 1.5 + float64(n)*0.35
		if length < 0.2 || length > maxLen {
			t.Errorf("%q (%s): %.2f s, want 0.2 to %.1f s", p.Text, p.Lang, length, maxLen)
		}
		if rms < 0.02 {
			t.Errorf("%q (%s): nearly silent (RMS %.4f)", p.Text, p.Lang, rms)
		}
		if peak > 0.95 {
			t.Errorf("%q (%s): clipped (peak %.3f)", p.Text, p.Lang, peak)
		}
		if d := clip.Duration(); d < length-0.01 || d > length+0.01 {
			t.Errorf("%q: clip %.3f s, file %.3f s", p.Text, d, length)
		}
	}
}

// A text the cache does not hold is synthesized on first use and kept.
func TestCacheSynthesizesOnce(t *testing.T) {
	needTools(t)
	c := &Cache{Dir: t.TempDir(), Synth: Commands{}}
	p := Part{kiosk.LangJA, "手数料は、合計"}
	if c.Has(p) {
		t.Fatal("empty cache has a clip")
	}
	a, err := c.Clip(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(c.Path(p))
	b, err := c.Clip(context.Background(), p)
	if err != nil || string(a.PCM) != string(b.PCM) {
		t.Fatalf("second read: %v", err)
	}
	st2, _ := os.Stat(c.Path(p))
	if !st.ModTime().Equal(st2.ModTime()) {
		t.Error("synthesized twice")
	}
	if c.Path(p) == c.Path(Part{kiosk.LangEN, p.Text}) || c.Path(p) == (&Cache{Dir: c.Dir, Synth: Commands{JTalkVoice: "/x/other.htsvoice"}}).Path(p) {
		t.Error("the cache key ignores the language or the voice")
	}
}

// Every language the kiosk is meant to speak has a voice that says a sentence in its own
// script (the guide's tables are ja and en so far: this checks the voices only).
func TestEveryLanguageHasAVoice(t *testing.T) {
	needTools(t)
	samples := map[kiosk.Lang]string{
		"zh-Hans": "请把卡放在读卡器上。", "zh-Hant": "請把卡放在讀卡機上。", "ko": "카드를 올려 주세요.",
		"vi": "Vui lòng đặt thẻ lên máy đọc.", "pt-BR": "Coloque o cartão no leitor.", "ne": "कृपया कार्ड राख्नुहोस्।",
		"id": "Silakan letakkan kartu.", "es": "Coloque la tarjeta en el lector.",
	}
	dir := t.TempDir()
	for l := range ESpeakVoices {
		if l == kiosk.LangEN {
			continue
		}
		text, ok := samples[l]
		if !ok {
			t.Errorf("%s: no sample sentence", l)
			continue
		}
		b, err := Commands{}.Synthesize(context.Background(), l, text)
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		path := filepath.Join(dir, string(l)+".wav")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if length, rms, _ := soxStat(t, path); length < 0.5 || rms < 0.02 {
			t.Errorf("%s: %.2f s, RMS %.3f", l, length, rms)
		}
	}
	for _, l := range NoVoice {
		if _, ok := ESpeakVoices[l]; ok {
			t.Errorf("%s is listed with a voice and without", l)
		}
		if err := exec.Command("espeak-ng", "-v", string(l), "-q", "x").Run(); err == nil {
			t.Errorf("espeak-ng now has a voice for %s: add it to ESpeakVoices", l)
		}
	}
}
