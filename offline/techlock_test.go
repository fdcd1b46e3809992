package offline_test

import (
	"context"
	"path/filepath"
	"testing"

	"madoguchi/offline"
)

// TestTechLockoutSurvivesReopen: technician mode's lock-out (a count and a flag, nothing
// of a PIN) is read back after the store is closed and opened again.
func TestTechLockoutSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	opts := offline.Options{MinFreeDiskBytes: 1}
	s, err := offline.Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n, locked, err := s.TechLockout(ctx); err != nil || n != 0 || locked {
		t.Fatalf("fresh store: %d %v %v", n, locked, err)
	}
	for _, tc := range []struct {
		failures int
		locked   bool
	}{{1, false}, {2, false}, {0, true}, {0, false}} {
		if err := s.SetTechLockout(ctx, tc.failures, tc.locked); err != nil {
			t.Fatal(err)
		}
		if n, locked, err := s.TechLockout(ctx); err != nil || n != tc.failures || locked != tc.locked {
			t.Fatalf("after set %+v: %d %v %v", tc, n, locked, err)
		}
	}
	if err := s.SetTechLockout(ctx, 2, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTechLockout(ctx, -1, false); err == nil {
		t.Fatal("negative count accepted")
	}
	s.Close()
	s2, err := offline.Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, locked, err := s2.TechLockout(ctx); err != nil || n != 2 || !locked {
		t.Fatalf("after reopen: %d %v %v", n, locked, err)
	}
}
