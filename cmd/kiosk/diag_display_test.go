package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiagnoseDisplay: the display section from a /sys/class/drm laid out in a folder.
func TestDiagnoseDisplay(t *testing.T) {
	for _, tt := range []struct {
		name    string
		entries map[string]string // entry → its status file ("" for a device)
		status  string
		problem string
	}{
		{name: "screen connected", entries: map[string]string{"card0": "", "card0-HDMI-A-1": "connected\n", "card0-HDMI-A-2": "disconnected\n", "renderD128": "", "version": ""}, status: "ok"},
		{name: "no GPU", entries: map[string]string{"version": ""}, status: "warn", problem: "no display device"},
		{name: "nothing in /sys", status: "warn", problem: "no display device"},
		{name: "cable out", entries: map[string]string{"card1": "", "card1-DSI-1": "disconnected\n"}, status: "warn", problem: "no screen connected to card1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sys := filepath.Join(t.TempDir(), "drm")
			if tt.entries != nil {
				os.MkdirAll(sys, 0o755)
			}
			for name, status := range tt.entries {
				os.MkdirAll(filepath.Join(sys, name), 0o755)
				if status != "" {
					if err := os.WriteFile(filepath.Join(sys, name, "status"), []byte(status), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			d := diagnoseDisplay(sys)
			if d.Status != tt.status {
				t.Errorf("status %q, want %q (%v)", d.Status, tt.status, d.Problems)
			}
			if got := strings.Join(append(d.Problems, d.Warnings...), "\n"); tt.problem != "" && !strings.Contains(got, tt.problem) || tt.problem == "" && got != "" {
				t.Errorf("problems and warnings %q, want %q", got, tt.problem)
			}
			var b strings.Builder
			d.WriteText(&b)
			if !strings.HasPrefix(b.String(), "display ["+tt.status+"]") {
				t.Errorf("text:\n%s", b.String())
			}
		})
	}
}
