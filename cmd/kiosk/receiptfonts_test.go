package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"madoguchi/printer/layout"
)

// TestWarnReceiptFonts: `kiosk run` logs a fallback font that is missing, with its language and
// the package to install, and nothing when every font is there.
func TestWarnReceiptFonts(t *testing.T) {
	var fbs []layout.Fallback
	for _, f := range layout.DefaultFallbacks {
		if f.Package == "fonts-nanum" {
			f.Path = t.TempDir() + "/NanumGothic.ttf"
		}
		fbs = append(fbs, f)
	}
	for _, tt := range []struct {
		name string
		fbs  []layout.Fallback
		want []string
	}{
		{"all fonts", layout.DefaultFallbacks, nil},
		{"no Korean font", fbs, []string{"receipt font missing", "for the receipt in ko", "install fonts-nanum"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lay, err := layout.New(layout.Options{Fallbacks: tt.fbs})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			warnReceiptFonts(slog.New(slog.NewTextHandler(&b, nil)), lay)
			if tt.want == nil && b.Len() > 0 {
				t.Errorf("logged with every font there:\n%s", b.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, b.String())
				}
			}
			if n := strings.Count(b.String(), "\n"); tt.want != nil && n != 1 {
				t.Errorf("%d lines, want one (ko only):\n%s", n, b.String())
			}
		})
	}
}
