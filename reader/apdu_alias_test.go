package reader

import (
	"bytes"
	"testing"
)

// TestParseCommandLeavesNoCopy: the command data ParseCommand returns is the caller's
// buffer, not a copy, so a VERIFY PIN is gone once the caller zeroes what it sent (the
// T=0 path of reader/pcsc parses every command; a copy would outlive the PIN).
func TestParseCommandLeavesNoCopy(t *testing.T) {
	pin := []byte("4829")
	ext := append([]byte{0x00, 0x20, 0x00, 0x80, 0x00, 0x00, byte(len(pin))}, pin...)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"3S", append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...)},
		{"4S", append(append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...), 0x00)},
		{"3E", ext},
		{"4E", append(append([]byte(nil), ext...), 0x00, 0x00)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCommand(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.Data, pin) {
				t.Fatalf("data = % X", c.Data)
			}
			clear(tc.b)
			if !bytes.Equal(c.Data, make([]byte, len(pin))) {
				t.Fatalf("after the caller zeroed its buffer the parsed data still holds % X", c.Data)
			}
		})
	}
}
