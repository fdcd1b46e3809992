package safetext

import (
	"errors"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "JPKIAPICCTOKEN2", "JPKIAPICCTOKEN2"},
		{"japanese", "見本　花子（ミホン）", "見本　花子（ミホン）"},
		{"empty", "", ""},
		{"escape sequence", "\x1b[2J\x1b]0;owned\a", `\x1b[2J\x1b]0;owned\x07`},
		{"newline and tab", "a\nb\tc\rd", `a\nb\tc\rd`},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 as a rune", "a\u009bc\u0085", `a\u009bc\u0085`},
		{"c1 as a raw byte", "a\x9bb", `a\x9bb`},
		{"invalid utf-8", "\xff\xfe", `\xff\xfe`},
		{"bidi override", "abc\u202edcba\u202c", `abc\u202edcba\u202c`},
		{"bidi isolates and marks", "\u2066x\u2069\u200e\u200f\u061c", `\u2066x\u2069\u200e\u200f\u061c`},
		{"line separators", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"backslash kept", `C:\x`, `C:\x`},
		{"emoji kept", "ok ✓", "ok ✓"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := String(tc.in)
			if got != tc.want {
				t.Fatalf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if Bytes([]byte(tc.in)) != tc.want {
				t.Fatal("Bytes differs from String")
			}
			for _, r := range got {
				if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || unsafe(r) {
					t.Fatalf("output %q still holds %U", got, r)
				}
			}
		})
	}
}

func TestErrorAndLines(t *testing.T) {
	if Error(nil) != "" || Error(errors.New("x\x1b[31m")) != `x\x1b[31m` {
		t.Fatal("Error")
	}
	if got := Lines("a\x1b\nb\u202e"); got != "a\\x1b\nb\\u202e" {
		t.Fatalf("Lines = %q", got)
	}
}

func TestCleanTextNotCopied(t *testing.T) {
	s := strings.Repeat("見本", 100)
	if n := testing.AllocsPerRun(100, func() { _ = String(s) }); n != 0 {
		t.Fatalf("%v allocations for clean text", n)
	}
}

func FuzzString(f *testing.F) {
	f.Add("\x1b[0m\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range String(s) {
			if unsafe(r) {
				t.Fatalf("String(%q) holds %U", s, r)
			}
		}
	})
}
