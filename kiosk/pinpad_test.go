package kiosk

import (
	"bytes"
	"testing"
)

func TestPINPad(t *testing.T) {
	digit := func(d int) Input { return Input{Kind: InputDigit, Arg: d} }
	tests := []struct {
		name     string
		size     int
		inputs   []Input
		want     string
		full     bool
		notEdits int // inputs that edit reports as not its own
	}{
		{"empty", 4, nil, "", false, 0},
		{"four digits", 4, []Input{digit(1), digit(2), digit(3), digit(4)}, "1234", true, 0},
		{"fifth digit dropped", 4, []Input{digit(1), digit(2), digit(3), digit(4), digit(5)}, "1234", true, 0},
		{"out of range digits dropped", 4, []Input{digit(-1), digit(10), digit(7)}, "7", false, 0},
		{"delete", 4, []Input{digit(1), digit(2), {Kind: InputDelete}}, "1", false, 0},
		{"delete on empty", 4, []Input{{Kind: InputDelete}, digit(3)}, "3", false, 0},
		{"clear", 4, []Input{digit(1), digit(2), {Kind: InputClear}, digit(9)}, "9", false, 0},
		{"not edits", 4, []Input{digit(1), {Kind: InputNext}, {Kind: InputCancel}, {Kind: InputSelect, Arg: 2}}, "1", false, 3},
		{"technician length", 12, []Input{digit(2), digit(4), digit(6), digit(8), digit(1), digit(3)}, "246813", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPINPad(tt.size)
			not := 0
			for _, in := range tt.inputs {
				if !p.edit(in) {
					not++
				}
			}
			if not != tt.notEdits {
				t.Errorf("edit refused %d inputs, want %d", not, tt.notEdits)
			}
			if p.len() != len(tt.want) || p.full() != tt.full {
				t.Errorf("len %d full %v, want %d %v", p.len(), p.full(), len(tt.want), tt.full)
			}
			got := p.take()
			if string(got) != tt.want {
				t.Errorf("take %q, want %q", got, tt.want)
			}
			if p.len() != 0 || !bytes.Equal(p.buf, make([]byte, tt.size)) {
				t.Errorf("pad not zeroed after take: n %d buf %v", p.len(), p.buf)
			}
		})
	}
}

func TestPINPadWipe(t *testing.T) {
	p := newPINPad(4)
	for _, d := range []int{5, 6, 7} {
		p.edit(Input{Kind: InputDigit, Arg: d})
	}
	p.wipe()
	if p.len() != 0 || !bytes.Equal(p.buf, []byte{0, 0, 0, 0}) {
		t.Fatalf("wipe left n %d buf %v", p.len(), p.buf)
	}
}

func TestPasswordPad(t *testing.T) {
	ch := func(c rune) Input { return Input{Kind: InputChar, Arg: int(c)} }
	tests := []struct {
		name     string
		keys     string
		want     string
		complete bool
	}{
		{"six", "ABC123", "ABC123", true},
		{"five is short", "ABC12", "ABC12", false},
		{"lower case upper-cased", "abc123", "ABC123", true},
		{"symbols and kana dropped", "A-B_C!ア1", "ABC1", false},
		{"seventeenth dropped", "ABCDEFGHIJKLMNOPQ", "ABCDEFGHIJKLMNOP", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPasswordPad()
			for _, c := range tt.keys {
				if !p.edit(ch(c)) {
					t.Fatalf("edit refused %q", c)
				}
			}
			if p.complete() != tt.complete {
				t.Errorf("complete %v, want %v", p.complete(), tt.complete)
			}
			if got := p.take(); string(got) != tt.want {
				t.Errorf("take %q, want %q", got, tt.want)
			}
			if p.len() != 0 || !bytes.Equal(p.buf, make([]byte, PasswordMax)) {
				t.Errorf("pad not zeroed after take: %v", p.buf)
			}
		})
	}
	// A PIN pad takes digits only, also from the character keys.
	p := newPINPad(4)
	for _, c := range "1A2b" {
		p.edit(ch(c))
	}
	if got := p.take(); string(got) != "12" {
		t.Errorf("PIN pad typed %q", got)
	}
}
