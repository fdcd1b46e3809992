package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretNeverInMessages: no message about a secret key (kiosk.technician_pin) repeats
// its value or any part of it, whether the value has the wrong type, is malformed, or
// breaks the TOML syntax; the messages still name the key and its line.
func TestSecretNeverInMessages(t *testing.T) {
	const pin = "976976"
	for _, tc := range []struct{ name, src, want string }{
		{"unquoted", "[kiosk]\ntechnician_pin = 976976\n", "kiosk.technician_pin: must be a string, got integer"},
		{"float", "[kiosk]\ntechnician_pin = 976976.5\n", "kiosk.technician_pin: must be a string, got float"},
		{"array", "[kiosk]\ntechnician_pin = [976976]\n", "kiosk.technician_pin: must be a string"},
		{"leading zero", "[kiosk]\ntechnician_pin = 0976976\n", ":2:"},
		{"inline table, leading zero", "kiosk = { technician_pin = 0976976 }\n", ":1:"},
		{"trailing garbage", "[kiosk]\ntechnician_pin = 976976x\n", ":2:"},
		{"two numbers", "[kiosk]\ntechnician_pin = 976 976\n", ":2:"},
		{"unterminated string", "[kiosk]\ntechnician_pin = \"976976\nid = \"k\"\n", ":2:"},
		{"quoted key", "[kiosk]\n\"technician_pin\" = 0976976\n", ":2:"},
		{"not digits", "[kiosk]\ntechnician_pin = \"97697a\"\n", "must be 6 to 12 digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.toml")
			if err := os.WriteFile(path, []byte(tc.src), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if Check(path, &out) {
				t.Fatal("accepted")
			}
			_, err := Parse(path, []byte(tc.src))
			text := strings.ReplaceAll(out.String()+"\n"+err.Error(), path, "FILE")
			if !strings.Contains(text, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, text)
			}
			for _, part := range []string{pin, pin[:3], "97697", "'9'", "'7'", "'6'"} {
				if strings.Contains(text, part) {
					t.Errorf("output repeats (part of) the PIN %q:\n%s", part, text)
				}
			}
		})
	}
}
