package health_test

import (
	"bytes"
	"testing"

	"madoguchi/internal/health"
)

func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		fill   func(v *health.Verdict)
		status string
		text   string
	}{
		{"nothing", func(*health.Verdict) {}, health.OK, ""},
		{"a note only", func(v *health.Verdict) { v.Notef("place a card") }, health.OK, "  note             place a card\n"},
		{"a warning", func(v *health.Verdict) { v.Warnf("paper %s", "low") }, health.Warn, "  warning          paper low\n"},
		{"a problem beats a warning", func(v *health.Verdict) { v.Warnf("w"); v.Failf("f %d", 1) }, health.Fail,
			"  FAIL             f 1\n  warning          w\n"},
		{"skipped stays skipped", func(v *health.Verdict) { v.Status = health.Skipped; v.Failf("f") }, health.Skipped,
			"  FAIL             f\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v health.Verdict
			tt.fill(&v)
			v.Settle()
			if v.Status != tt.status {
				t.Errorf("status %s, want %s", v.Status, tt.status)
			}
			var b bytes.Buffer
			v.WriteText(&b)
			if b.String() != tt.text {
				t.Errorf("text %q, want %q", b.String(), tt.text)
			}
		})
	}
}
