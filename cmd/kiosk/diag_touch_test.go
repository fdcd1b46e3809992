package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/config"
)

// kiosk diag -touch-tap: a bad cell size is a usage error; a missing device says so and
// fails (the calibration logic itself is tested in screens/touch).
func TestDiagTouchTap(t *testing.T) {
	ex := strings.Replace(string(config.Example()), `input = "terminal"`, `input = "evdev"`, 1)
	ex = strings.Replace(ex, `device = ""`, `device = "/dev/input/madoguchi-no-such-device"`, 1)
	cfg := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(cfg, []byte(ex), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-touch-tap", "-touch-cells", "80"}, 2, `-touch-cells "80": want COLUMNSxROWS`},
		{[]string{"-touch-tap", "-config", filepath.Join(t.TempDir(), "none.toml")}, 2, "none.toml"},
		{[]string{"-touch-tap", "-config", cfg}, 1, "open /dev/input/madoguchi-no-such-device"},
	} {
		var out, errb bytes.Buffer
		if code := runDiag(context.Background(), c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("diag %v: exit %d, stderr %q; want %d and %q", c.args, code, errb.String(), c.code, c.msg)
		}
	}
}
