package reader

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTLV(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		tag       uint32
		value     []byte
		rest      []byte
		construct bool
	}{
		{"short", []byte{0x04, 0x02, 0xAA, 0xBB, 0xFF}, 0x04, []byte{0xAA, 0xBB}, []byte{0xFF}, false},
		{"two-byte tag", []byte{0xDF, 0x22, 0x01, 'x'}, 0xDF22, []byte{'x'}, nil, false},
		{"application tag", []byte{0x7F, 0x21, 0x00}, 0x7F21, []byte{}, nil, true},
		{"long form 81", append([]byte{0x30, 0x81, 0x80}, make([]byte, 128)...), 0x30, make([]byte, 128), nil, true},
		{"long form 82", append([]byte{0xFF, 0x30, 0x82, 0x01, 0x00}, make([]byte, 256)...), 0xFF30, make([]byte, 256), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := ParseTLV(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tt.tag || !bytes.Equal(got.Value, tt.value) || !bytes.Equal(rest, tt.rest) || got.Constructed() != tt.construct {
				t.Fatalf("got tag %X value % X rest % X constructed %v", got.Tag, got.Value, rest, got.Constructed())
			}
			if got.Len != len(tt.in)-len(tt.rest) {
				t.Fatalf("Len = %d", got.Len)
			}
		})
	}
}

func TestParseTLVErrors(t *testing.T) {
	tests := map[string][]byte{
		"empty":            {},
		"tag only":         {0x30},
		"indefinite":       {0x30, 0x80, 0x00, 0x00},
		"length too wide":  {0x30, 0x85, 1, 2, 3, 4, 5},
		"length truncated": {0x30, 0x82, 0x01},
		"value truncated":  {0x30, 0x82, 0x01, 0x00, 0x00},
		"endless tag":      {0x1F, 0x81, 0x81, 0x81, 0x81, 0x01},
		"tag cut mid-way":  {0x5F},
		"huge length":      {0x30, 0x83, 0x7F, 0xFF, 0xFF},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, _, err := ParseTLV(b); !errors.Is(err, ErrBadCard) {
				t.Fatalf("ParseTLV(% X) error = %v, want ErrBadCard", b, err)
			}
		})
	}
}

func TestElementLength(t *testing.T) {
	n, err := ElementLength([]byte{0x30, 0x82, 0x05, 0x1D})
	if err != nil || n != 4+0x51D {
		t.Fatalf("ElementLength = %d, %v", n, err)
	}
	if _, err := ElementLength([]byte{0x30, 0x82, 0x05}); !errors.Is(err, ErrBadCard) {
		t.Fatalf("truncated header: %v", err)
	}
}
