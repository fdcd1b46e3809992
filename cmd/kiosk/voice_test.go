package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/config"
)

// kiosk voice-cache synthesizes every sentence of the example configuration's guide
// (into the cache the voice tests share: a second run synthesizes nothing).
func TestVoiceCacheCommand(t *testing.T) {
	for _, tool := range []string{"open_jtalk", "espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (make deps installs it)", tool)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "madoguchi", "voice")
	cfgPath := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(cfgPath, config.Example(), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var out, errs bytes.Buffer
		if code := runVoiceCache(context.Background(), []string{"-config", cfgPath, "-dir", dir, "-langs", "ja,en,zh-Hans"}, &out, &errs); code != 0 {
			t.Fatalf("exit %d: %s", code, errs.String())
		}
		if !strings.Contains(out.String(), "sentences in "+dir) {
			t.Fatalf("output: %s", out.String())
		}
	}
	var out bytes.Buffer
	runVoiceCache(context.Background(), []string{"-config", cfgPath, "-dir", dir, "-langs", "ja,en,zh-Hans"}, &out, &out)
	if !strings.Contains(out.String(), ", 0 synthesized now") {
		t.Errorf("a warm cache synthesized again: %s", out.String())
	}
	// A phrases file with a mistake is reported, and nothing is synthesized.
	bad := filepath.Join(filepath.Dir(cfgPath), "phrases.toml")
	if err := os.WriteFile(bad, []byte("[state.nowhere]\nja = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withPhrases := strings.Replace(string(config.Example()), `phrases = ""`, `phrases = "phrases.toml"`, 1)
	if err := os.WriteFile(cfgPath, []byte(withPhrases), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runVoiceCache(context.Background(), []string{"-config", cfgPath, "-dir", dir, "-langs", "ja,en,zh-Hans"}, &out, &out); code != 1 || !strings.Contains(out.String(), "state.nowhere: no such entry") {
		t.Errorf("a bad phrases file: exit %d: %s", code, out.String())
	}
}
