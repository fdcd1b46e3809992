package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/internal/lazyfstest"
)

// TestQueueExportPowerCut writes `kiosk queue export` onto LazyFS and cuts the power:
// during the write the file is whole or absent afterwards; once the command returned it
// is there, whole. (Regression: the export was written without an fsync under its final
// name, so a cut after "exported" left an empty file for the center operator.)
func TestQueueExportPowerCut(t *testing.T) {
	cfgPath, _ := newQueueRig(t)
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	tests := []struct {
		name  string
		fault func(name string) error
	}{
		{"crash before the export's fsync", func(name string) error { return fs.CrashAt(lazyfstest.Before, "fsync", name) }},
		{"crash before it gets its name", func(name string) error { return fs.CrashAt(lazyfstest.Before, "link", name) }},
		{"power cut after the command returned", nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := "export-" + string(rune('a'+i)) + ".json"
			path := filepath.Join(fs.Dir, name)
			if tc.fault != nil {
				must(t, tc.fault(name))
			}
			out, code := queueCmd(t, "-config", cfgPath, "export", path)
			if tc.fault != nil && !fs.WaitCrash(10*time.Second) {
				t.Fatalf("the fault did not fire: %d %s", code, out)
			}
			must(t, fs.Remount())
			raw, err := os.ReadFile(path)
			switch {
			case err != nil && !os.IsNotExist(err):
				t.Fatal(err)
			case err != nil && code == 0:
				t.Errorf("export said %q, yet after the cut the file is gone", out)
			case err == nil && !json.Valid(raw):
				t.Errorf("after the cut %s holds %d bytes that are not a whole export", name, len(raw))
			}
		})
	}
}
