package reader

import (
	"bytes"
	"errors"
	"testing"
)

func TestCommandEncoding(t *testing.T) {
	long := bytes.Repeat([]byte{0xAB}, 300)
	tests := []struct {
		name string
		cmd  Command
		want []byte
	}{
		{"case 1", Command{CLA: 0x00, INS: 0x20, P1: 0x00, P2: 0x80}, []byte{0x00, 0x20, 0x00, 0x80}},
		{"case 2S Le=256 as 00", Command{INS: 0xB0, Ne: 256}, []byte{0x00, 0xB0, 0x00, 0x00, 0x00}},
		{"case 2S Le=4", Command{INS: 0xB0, P1: 0x01, Ne: 4}, []byte{0x00, 0xB0, 0x01, 0x00, 0x04}},
		{"case 3S", Command{INS: 0xA4, P1: 0x02, P2: 0x0C, Data: []byte{0x00, 0x0A}}, []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}},
		{"case 4S", Command{CLA: 0x80, INS: 0x2A, P2: 0x80, Data: []byte{1, 2, 3}, Ne: 256}, []byte{0x80, 0x2A, 0x00, 0x80, 0x03, 1, 2, 3, 0x00}},
		{"case 2E", Command{INS: 0xB0, Ne: 65536}, []byte{0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00}},
		{"case 2E Le=1000", Command{INS: 0xB0, Ne: 1000}, []byte{0x00, 0xB0, 0x00, 0x00, 0x00, 0x03, 0xE8}},
		{"case 3E", Command{INS: 0xD6, Data: long}, append([]byte{0x00, 0xD6, 0x00, 0x00, 0x00, 0x01, 0x2C}, long...)},
		{"case 4E", Command{INS: 0x2A, Data: long, Ne: 256}, append(append([]byte{0x00, 0x2A, 0x00, 0x00, 0x00, 0x01, 0x2C}, long...), 0x01, 0x00)},
		{"case 4E from Ne", Command{INS: 0x2A, Data: []byte{9}, Ne: 300}, []byte{0x00, 0x2A, 0x00, 0x00, 0x00, 0x00, 0x01, 9, 0x01, 0x2C}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("Bytes() = % X, want % X", got, tt.want)
			}
			back, err := ParseCommand(got)
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if back.CLA != tt.cmd.CLA || back.INS != tt.cmd.INS || back.P1 != tt.cmd.P1 || back.P2 != tt.cmd.P2 ||
				!bytes.Equal(back.Data, tt.cmd.Data) || back.Ne != tt.cmd.Ne {
				t.Fatalf("round trip = %+v, want %+v", back, tt.cmd)
			}
		})
	}
}

func TestCommandEncodingErrors(t *testing.T) {
	for _, c := range []Command{
		{Data: make([]byte, 65536)},
		{Ne: -1},
		{Ne: 65537},
	} {
		if _, err := c.Bytes(); !errors.Is(err, ErrMalformedAPDU) {
			t.Errorf("Bytes(%d data, Ne %d) error = %v, want ErrMalformedAPDU", len(c.Data), c.Ne, err)
		}
	}
}

func TestParseCommandMalformed(t *testing.T) {
	tests := map[string][]byte{
		"empty":                {},
		"short header":         {0x00, 0xA4, 0x04},
		"Lc beyond data":       {0x00, 0xA4, 0x04, 0x0C, 0x05, 0x01},
		"Lc short of data":     {0x00, 0xA4, 0x04, 0x0C, 0x01, 0x01, 0x02, 0x03},
		"extended truncated":   {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01},
		"extended Lc zero":     {0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
		"extended Lc mismatch": {0x00, 0xD6, 0x00, 0x00, 0x00, 0x00, 0x05, 1, 2},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCommand(b); !errors.Is(err, ErrMalformedAPDU) {
				t.Fatalf("ParseCommand(% X) error = %v, want ErrMalformedAPDU", b, err)
			}
		})
	}
}

func TestResponse(t *testing.T) {
	r, err := ParseResponse([]byte{1, 2, 0x63, 0xC2})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Data, []byte{1, 2}) || r.SW != 0x63C2 {
		t.Fatalf("got %+v", r)
	}
	if n, ok := r.SW.Tries(); !ok || n != 2 {
		t.Fatalf("Tries() = %d, %v", n, ok)
	}
	if !bytes.Equal(r.Bytes(), []byte{1, 2, 0x63, 0xC2}) {
		t.Fatalf("Bytes() = % X", r.Bytes())
	}
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrMalformedAPDU) {
		t.Fatalf("one byte: %v", err)
	}
}

func TestStatusWordNames(t *testing.T) {
	tests := []struct {
		sw   StatusWord
		want string
	}{
		{SWOK, "9000 success"},
		{SWFileNotFound, "6A82 file or application not found"},
		{0x63C1, "63C1 verification failed, 1 tries left"},
		{SWPINBlocked, "6984 reference data not usable (PIN blocked)"},
		{0x6110, "6110 16 more bytes available"},
		{0x6C20, "6C20 wrong Le, exact length is 32"},
		{0x1234, "1234 unknown status"},
	}
	for _, tt := range tests {
		if got := tt.sw.String(); got != tt.want {
			t.Errorf("%04X.String() = %q, want %q", uint16(tt.sw), got, tt.want)
		}
	}
}
