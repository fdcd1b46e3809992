package lazyfstest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/internal/lazyfstest"
)

func writeFile(t *testing.T, path, s string, sync bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// TestFaults checks each fault the harness offers against what it must do to a
// synced and an unsynced file.
func TestFaults(t *testing.T) {
	tests := []struct {
		name string
		// fault is injected after "synced" was written and fsynced; act then writes.
		fault func(t *testing.T, fs *lazyfstest.FS)
		act   func(t *testing.T, fs *lazyfstest.FS)
		crash bool   // LazyFS must have killed itself
		want  string // "unsynced" after the remount
	}{
		{"clear-cache drops what was not synced",
			nil,
			func(t *testing.T, fs *lazyfstest.FS) {
				writeFile(t, filepath.Join(fs.Dir, "unsynced"), "lost", false)
				if err := fs.ClearCache(); err != nil {
					t.Fatal(err)
				}
			}, false, ""},
		{"a synced write survives a clear-cache",
			nil,
			func(t *testing.T, fs *lazyfstest.FS) {
				writeFile(t, filepath.Join(fs.Dir, "unsynced"), "kept", true)
				if err := fs.ClearCache(); err != nil {
					t.Fatal(err)
				}
			}, false, "kept"},
		{"crash before fsync loses the write",
			func(t *testing.T, fs *lazyfstest.FS) {
				if err := fs.CrashAt(lazyfstest.Before, "fsync", "unsynced$"); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, fs *lazyfstest.FS) {
				f, err := os.Create(filepath.Join(fs.Dir, "unsynced"))
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString("lost")
				if err := f.Sync(); err == nil {
					t.Error("fsync succeeded on a crashed lazyfs")
				}
				f.Close()
			}, true, ""},
		{"crash after fsync keeps the write",
			func(t *testing.T, fs *lazyfstest.FS) {
				if err := fs.CrashAt(lazyfstest.After, "fsync", "unsynced$"); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, fs *lazyfstest.FS) {
				f, err := os.Create(filepath.Join(fs.Dir, "unsynced"))
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString("kept")
				f.Sync()
				f.Close()
			}, true, "kept"},
		{"torn write keeps only the persisted part",
			func(t *testing.T, fs *lazyfstest.FS) {
				writeFile(t, filepath.Join(fs.Dir, "unsynced"), "", true)
				if err := fs.TornOp("unsynced", 3, 1); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, fs *lazyfstest.FS) {
				f, err := os.OpenFile(filepath.Join(fs.Dir, "unsynced"), os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString("aaabbbccc")
				f.Close()
			}, true, "aaa"},
		{"torn sequence keeps only the persisted writes",
			func(t *testing.T, fs *lazyfstest.FS) {
				writeFile(t, filepath.Join(fs.Dir, "unsynced"), "", true)
				if err := fs.TornSeq("unsynced", "write", 1, 3); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T, fs *lazyfstest.FS) {
				f, err := os.OpenFile(filepath.Join(fs.Dir, "unsynced"), os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				for i, s := range []string{"111", "222", "333", "444"} {
					f.WriteAt([]byte(s), int64(3*i))
				}
				f.Close()
			}, true, "111\x00\x00\x00333"},
	}
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(fs.Dir, "unsynced"))
			writeFile(t, filepath.Join(fs.Dir, "synced"), "synced", true)
			if tc.fault != nil {
				tc.fault(t, fs)
			}
			tc.act(t, fs)
			wait := 2 * time.Second
			if !tc.crash {
				wait = 200 * time.Millisecond // long enough for a crash that should not come
			}
			if crashed := fs.WaitCrash(wait); crashed != tc.crash {
				t.Fatalf("lazyfs crashed = %v, want %v", crashed, tc.crash)
			}
			if err := fs.Remount(); err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, filepath.Join(fs.Dir, "synced")); got != "synced" {
				t.Errorf("synced file after the fault: %q", got)
			}
			if got := readFile(t, filepath.Join(fs.Dir, "unsynced")); got != tc.want {
				t.Errorf("file after the fault: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPowerCut cuts the power under a shell that keeps writing: what it synced is there,
// what it wrote afterwards is not.
func TestPowerCut(t *testing.T) {
	fs := lazyfstest.Mount(t, lazyfstest.Options{})
	cmd := exec.Command("sh", "-c", `echo synced > a && sync a && echo ready && while :; do echo more >> b; done`)
	cmd.Dir = fs.Dir
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := out.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := fs.PowerCut(cmd.Process); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if got := readFile(t, filepath.Join(fs.Dir, "a")); got != "synced\n" {
		t.Errorf("synced file: %q", got)
	}
	if got := readFile(t, filepath.Join(fs.Dir, "b")); got != "" {
		t.Errorf("unsynced file kept %d bytes: %q…", len(got), got[:min(len(got), 20)])
	}
	if _, cuts, _ := fs.Figures(); cuts != 1 {
		t.Errorf("cuts = %d", cuts)
	}
}

// TestOperations logs every operation: a write and an fsync of a file show up.
func TestOperations(t *testing.T) {
	fs := lazyfstest.Mount(t, lazyfstest.Options{LogOperations: true})
	writeFile(t, filepath.Join(fs.Dir, "f"), "12345", true)
	ops, err := fs.Operations()
	if err != nil {
		t.Fatal(err)
	}
	var w, s bool
	for _, op := range ops {
		w = w || strings.HasPrefix(op, "write(") && strings.Contains(op, "size=5")
		s = s || strings.HasPrefix(op, "fsync(")
	}
	if !w || !s {
		t.Errorf("write logged %v, fsync logged %v: %q", w, s, ops)
	}
}
