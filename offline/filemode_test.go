package offline_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"madoguchi/offline"
)

// TestDatabaseFileMode: the queue file and its -wal and -shm are 0600 whatever the umask
// of whoever starts the kiosk, and a file left readable by others is narrowed.
func TestDatabaseFileMode(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.db")
	s := openStore(t, path, offline.Options{})
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(f), st.Mode().Perm())
		}
	}
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	openStore(t, path, offline.Options{}).Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("existing file left at mode %o", st.Mode().Perm())
	}
}
