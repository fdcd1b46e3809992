package config_test

import (
	"errors"
	"strings"
	"testing"

	"madoguchi/config"
)

// FuzzParse: whatever a technician's editor leaves in the file, Parse ends in a
// configuration or in problems that each name the file, never a panic; and a file it
// accepts validates.
func FuzzParse(f *testing.F) {
	f.Add(config.Example())
	f.Add([]byte("[kiosk]\nid = \"k\"\n[[municipality]]\ncode = 131016\n"))
	f.Add([]byte("[timeouts]\nidle = \"-1s\"\n[queue]\nbatch_size = 1e9\n"))
	f.Add([]byte("[[municipality]]\nhours = \"25:00-08:00\"\nclosed = [\"02-30\", \"12/29-01/03\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse("kiosk.toml", data)
		if err != nil {
			var probs config.Problems
			if !errors.As(err, &probs) || len(probs) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			for _, p := range probs.Strings() {
				if !strings.HasPrefix(p, "kiosk.toml") || strings.TrimSpace(p) == "kiosk.toml:" {
					t.Fatalf("problem without the file name or a message: %q", p)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted what Validate refuses: %v", err)
		}
	})
}
