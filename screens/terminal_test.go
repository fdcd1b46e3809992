package screens

import "testing"

func TestTerminalSetup(t *testing.T) {
	for _, tc := range []struct {
		term, want string
	}{
		{"foot", "\x1b[?2027l"},
		{"foot-direct", "\x1b[?2027l"},
		{"footclient", ""},
		{"xterm-256color", ""},
		{"tmux-256color", ""},
		{"", ""},
	} {
		if got := TerminalSetup(tc.term); got != tc.want {
			t.Errorf("TerminalSetup(%q) = %q, want %q", tc.term, got, tc.want)
		}
	}
}
