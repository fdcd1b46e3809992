package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestMessagesEscaped: what a config file says reaches check-config's output escaped: a
// quoted key or a value with escape sequences or a bidi override leaves no control on
// the terminal.
func TestMessagesEscaped(t *testing.T) {
	for _, src := range []string{
		"[kiosk]\n\"id\\u001b[2J\" = \"x\"\n",
		"[kiosk]\nid = \"k\"\n\"\\u202eloc\" = 1\n",
		"[kiosk]\nlog_level = \"\\u001b]0;owned\\u0007\"\n",
		"[kiosk]\nid = \"k\u202e\"\nx = \x1b\n",
		"[reader]\nname_pattern = \"\u001b[2J(\"\n",
		"[reader]\nname_pattern = \"\u202e(\"\n",
	} {
		path := filepath.Join(t.TempDir(), "kiosk.toml")
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		Check(path, &out)
		_, err := Parse(path, []byte(src))
		for _, text := range []string{out.String(), err.Error()} {
			for _, r := range text {
				if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e {
					t.Errorf("%q: output holds %U:\n%q", src, r, text)
					break
				}
			}
		}
	}
}
