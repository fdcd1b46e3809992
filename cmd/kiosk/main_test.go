package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[kiosk]\nid = \"x\"\nlanguag = \"ja\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no command", nil, 2, "usage: kiosk"},
		{"unknown", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"version", []string{"version"}, 0, "kiosk dev"},
		{"config example", []string{"config", "example"}, 0, "[kiosk]"},
		{"config without example", []string{"config"}, 2, "usage: kiosk config example"},
		{"check-config typo", []string{"check-config", bad}, 1, `kiosk.languag: unknown key; did you mean "language"?`},
		{"check-config missing file", []string{"check-config", filepath.Join(dir, "none.toml")}, 1, "none.toml"},
		{"check-config no args", []string{"check-config"}, 2, "usage: kiosk check-config FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if code := dispatch(context.Background(), tt.args, &out, &out); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, out.String())
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Fatalf("output lacks %q:\n%s", tt.out, out.String())
			}
		})
	}
}
