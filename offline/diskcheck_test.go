package offline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/internal/health"
	"madoguchi/offline"
)

// TestDiagnoseDisk checks the disk section against a simulated file system and a queue
// file of a chosen size (sparse: it takes no room).
func TestDiagnoseDisk(t *testing.T) {
	const warn = 256 << 20
	tests := []struct {
		name    string
		free    uint64
		err     error
		dbSize  int64
		status  string
		problem string
	}{
		{name: "room enough", free: 4 << 30, status: health.OK},
		{name: "disk low", free: 100 << 20, status: health.Warn, problem: "disk space low: 100.0 MiB free"},
		{name: "disk nearly full", free: 3 << 20, status: health.Fail, problem: "disk nearly full: 3.0 MiB free"},
		{name: "file system unreadable", err: errors.New("no such device"), status: health.Fail, problem: "cannot read free space"},
		{name: "database over half its limit", free: 4 << 30, dbSize: offline.DefaultMaxDBBytes/2 + 1, status: health.Warn,
			problem: "over half its limit"},
		{name: "database at its limit", free: 4 << 30, dbSize: offline.DefaultMaxDBBytes, status: health.Fail, problem: "at its limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "kiosk.db")
			if tt.dbSize > 0 {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(path, tt.dbSize); err != nil {
					t.Fatal(err)
				}
			}
			var asked string
			d := offline.DiagnoseDisk(path, warn, func(p string) (uint64, uint64, error) {
				asked = p
				return tt.free, 8 << 30, tt.err
			})
			if asked != dir || d.Path != dir || d.Status != tt.status {
				t.Fatalf("asked %q; diagnosis %+v, want status %s", asked, d, tt.status)
			}
			all := strings.Join(append(append([]string{}, d.Problems...), d.Warnings...), "|")
			if tt.problem != "" && !strings.Contains(all, tt.problem) {
				t.Fatalf("report %q lacks %q", all, tt.problem)
			}
			if tt.err == nil && d.DBBytes != tt.dbSize {
				t.Errorf("db bytes %d, want %d", d.DBBytes, tt.dbSize)
			}
			var b strings.Builder
			d.WriteText(&b)
			if !strings.HasPrefix(b.String(), "disk ["+tt.status+"]\n  file system of   "+dir+"\n") {
				t.Errorf("text:\n%s", b.String())
			}
		})
	}
	// The real file system of a temporary folder has room and a size.
	if free, size, err := offline.Statfs(t.TempDir()); err != nil || size == 0 || free > size {
		t.Fatalf("Statfs = %d, %d, %v", free, size, err)
	}
}
