package systemd

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogHandler(t *testing.T) {
	tests := []struct {
		name   string
		env    string
		prefix []string // per line, in order: debug (filtered), info, warn, error
	}{
		{"plain JSON", "", []string{"{", "{", "{"}},
		{"journal priorities", "journal", []string{"<6>{", "<4>{", "<3>{"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := NewLogHandler(&buf, slog.LevelInfo, func(k string) string {
				if k == "MADOGUCHI_LOG" {
					return tt.env
				}
				return ""
			})
			log := slog.New(h).With("kiosk", "k-1").WithGroup("g")
			log.Debug("hidden")
			log.Info("started", "n", 1)
			log.Warn("printer", "status", "paper-low")
			log.Error("queue", "err", "disk full")
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != len(tt.prefix) {
				t.Fatalf("lines %q", lines)
			}
			for i, l := range lines {
				if !strings.HasPrefix(l, tt.prefix[i]) {
					t.Errorf("line %d %q lacks prefix %q", i, l, tt.prefix[i])
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(strings.TrimPrefix(l, tt.prefix[i][:len(tt.prefix[i])-1])), &m); err != nil {
					t.Errorf("line %d is not JSON after its prefix: %v", i, err)
				} else if m["kiosk"] != "k-1" {
					t.Errorf("line %d lost its attributes: %v", i, m)
				}
			}
		})
	}
}
