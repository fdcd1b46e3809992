package file_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/internal/lazyfstest"
	"madoguchi/printer/file"
)

// TestPowerCutNoHalfFile cuts the power at each point of writing a job's file on
// LazyFS: afterwards the job's name holds the whole document or does not exist, and a
// job that returned survives the cut. (Regression: the file was created under its name
// and then written, so a cut before the fsync left an empty or partial <name>.pdf.)
func TestPowerCutNoHalfFile(t *testing.T) {
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("certificate body "), 4096)...)
	tests := []struct {
		name  string
		fault func(job string) error
		whole bool // the job returned: its file must be there, whole
	}{
		{"crash before the file's fsync", func(job string) error { return fs.CrashAt(lazyfstest.Before, "fsync", job) }, false},
		{"crash after its first write", func(job string) error { return fs.CrashAt(lazyfstest.After, "write", job) }, false},
		{"crash before it gets its name", func(job string) error { return fs.CrashAt(lazyfstest.Before, "link", job) }, false},
		{"power cut after the job returned", nil, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(fs.Dir, "out")
			p, err := file.New(file.Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			job := "tx-cut-" + string(rune('a'+i))
			if tc.fault != nil {
				if err := tc.fault(job); err != nil {
					t.Fatal(err)
				}
			}
			_, perr := p.PrintPDF(context.Background(), job, pdf, 1, 1)
			if tc.fault != nil && !fs.WaitCrash(10*time.Second) {
				t.Fatalf("the fault did not fire (job: %v)", perr)
			}
			if err := fs.Remount(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, job+".pdf"))
			switch {
			case err == nil && !bytes.Equal(got, pdf):
				t.Errorf("after the cut %s.pdf holds %d of %d bytes: a half-written certificate", job, len(got), len(pdf))
			case err != nil && !os.IsNotExist(err):
				t.Fatal(err)
			case err != nil && tc.whole:
				t.Errorf("the job returned %v, yet after the cut its file is gone", perr)
			}
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), ".pdf") && e.Name() != job+".pdf" && !strings.HasPrefix(e.Name(), "tx-cut-") {
					t.Errorf("unexpected artefact %s", e.Name())
				}
			}
		})
	}
}
