package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/config"
	"madoguchi/internal/i18n"
)

// TestApplyTranslations: the [kiosk] translations folder's corrections are used; one with
// a mistake is logged and the built-in texts stay.
func TestApplyTranslations(t *testing.T) {
	t.Cleanup(func() { _ = i18n.SetCorrections(nil) })
	for _, tt := range []struct {
		name, file, want, log string
	}{
		{"good", `{"Back": "返回上页"}`, "返回上页", "corrections in use"},
		{"fmt verb lost", `{"Back": "返回上页", "%d copies": "份"}`, "返回", "the built-in texts are used"},
		{"not JSON", `{"Back": `, "返回", "the built-in texts are used"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_ = i18n.SetCorrections(nil)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "zh-Hans.json"), []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			cfg := &config.Config{Kiosk: config.Kiosk{Translations: dir}}
			applyTranslations(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			if got := i18n.Pick("zh-Hans", "戻る", "Back"); got != tt.want {
				t.Errorf("Back in zh-Hans = %q, want %q", got, tt.want)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log %q, want %q", logs.String(), tt.log)
			}
		})
	}
}
