package offline_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/internal/health"
	"madoguchi/offline"
)

func TestDiagnose(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	caps := offline.Options{MaxPending: 4, MaxPendingBytes: 1 << 20, MaxPendingAge: 24 * time.Hour}
	tests := []struct {
		name    string
		queued  int
		opts    offline.Options
		missing bool
		status  string
		want    string // in the problems or warnings
	}{
		{name: "no database", missing: true, opts: caps, status: health.Warn, want: "no queue database yet"},
		{name: "empty", opts: caps, status: health.OK},
		{name: "half the messages", queued: 2, opts: caps, status: health.Warn, want: "2 messages undelivered (cap 4)"},
		{name: "at the message cap", queued: 4, opts: caps, status: health.Fail, want: "at the cap of 4"},
		{name: "half the bytes", queued: 1, opts: offline.Options{MaxPending: 100, MaxPendingBytes: 20, MaxPendingAge: time.Hour},
			status: health.Warn, want: "undelivered (cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q.db")
			if !tt.missing {
				st, err := offline.Open(ctx, path, offline.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < tt.queued; i++ {
					if err := st.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "x"}); err != nil {
						t.Fatal(err)
					}
				}
				st.Close()
			}
			d := offline.Diagnose(ctx, path, tt.opts, now)
			if d.Status != tt.status {
				t.Fatalf("status %s, want %s (%+v)", d.Status, tt.status, d.Verdict)
			}
			all := strings.Join(append(d.Problems, d.Warnings...), "\n")
			if tt.want != "" && !strings.Contains(all, tt.want) {
				t.Errorf("verdict %q lacks %q", all, tt.want)
			}
			var w bytes.Buffer
			d.WriteText(&w)
			if !strings.HasPrefix(w.String(), "queue ["+tt.status+"]\n  file             "+path+"\n") {
				t.Errorf("text:\n%s", w.String())
			}
			if !tt.missing && !strings.Contains(w.String(), "sqlite check     ok") {
				t.Errorf("text without the sqlite check:\n%s", w.String())
			}
		})
	}
}
