package durable_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"madoguchi/internal/durable"
)

// The power cuts themselves are tested where the files are written (printer/file,
// cmd/kiosk's queue export) on LazyFS; here the rules that need no file system tricks.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	tests := []struct {
		name    string
		prepare func()
		data    string
		wantErr error
		want    string
	}{
		{"new file", nil, "first", nil, "first"},
		{"existing name refused, not replaced", nil, "second", fs.ErrExist, "first"},
		{"left-over part file replaced", func() {
			os.Remove(path)
			os.WriteFile(filepath.Join(dir, ".doc.pdf.part"), []byte("half"), 0o600)
		}, "third", nil, "third"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare()
			}
			err := durable.Create(path, []byte(tc.data), 0o600)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Create = %v, want %v", err, tc.wantErr)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("file holds %q, want %q", got, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, ".doc.pdf.part")); !os.IsNotExist(err) {
				t.Errorf("part file left: %v", err)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v %v", fi.Mode(), err)
			}
		})
	}
}
