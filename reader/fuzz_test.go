package reader

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"testing"
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range [][]byte{
		{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01},
		{0x00, 0xB0, 0x00, 0x00, 0x00},
		{0x80, 0x2A, 0x00, 0x80, 0x01, 0xAA, 0x00},
		{0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00},
		{0x00, 0xD6, 0x00, 0x00, 0x00, 0x00, 0x01, 0xAA, 0x00, 0x00},
		{0x00, 0x20, 0x00, 0x80},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedAPDU) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever parses re-encodes to a command that parses to the same thing.
		again, err := c.Bytes()
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		c2, err := ParseCommand(again)
		if err != nil || c2.CLA != c.CLA || c2.INS != c.INS || c2.P1 != c.P1 || c2.P2 != c.P2 ||
			!bytes.Equal(c2.Data, c.Data) || c2.Ne != c.Ne {
			t.Fatalf("round trip of % X: %+v vs %+v (%v)", b, c, c2, err)
		}
	})
}

func FuzzParseTLV(f *testing.F) {
	for _, s := range [][]byte{
		{0x30, 0x82, 0x01, 0x00},
		{0xFF, 0x20, 0x05, 0xDF, 0x22, 0x02, 'a', 'b'},
		{0x7F, 0x21, 0x81, 0x03, 0x5F, 0x4E, 0x00},
		{0x1F, 0xFF, 0xFF, 0x7F, 0x00},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tlv, rest, err := ParseTLV(b)
		if err != nil {
			if !errors.Is(err, ErrBadCard) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if tlv.Len+len(rest) != len(b) || len(tlv.Value) > tlv.Len {
			t.Fatalf("lengths do not add up: len %d value %d rest %d of %d", tlv.Len, len(tlv.Value), len(rest), len(b))
		}
		n, err := ElementLength(b)
		if err != nil || n != tlv.Len {
			t.Fatalf("ElementLength = %d, %v; ParseTLV said %d", n, err, tlv.Len)
		}
		_, _ = ParseTLVs(tlv.Value)
	})
}

// scripted answers commands from a fixed list of responses, then reports removal.
type scripted struct{ answers [][]byte }

func (s *scripted) Transmit(context.Context, []byte) ([]byte, error) {
	if len(s.answers) == 0 {
		return nil, ErrCardRemoved
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

// splitAnswers cuts fuzz bytes into answers: each is a length byte then that many bytes.
func splitAnswers(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// typed reports whether err is one of the outcomes a caller can branch on.
func typed(err error) bool {
	for _, s := range []error{ErrBadCard, ErrCardRemoved, ErrNotJPKI, ErrJukiCard, ErrPINBlocked, ErrWrongPIN, ErrPINRequired, ErrPINNotSet} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzCardAnswers drives the whole JPKI flow against a card that answers arbitrary bytes:
// every outcome must be success or a typed error, never a panic or a hang.
func FuzzCardAnswers(f *testing.F) {
	ok := []byte{2, 0x90, 0x00}
	f.Add(bytes.Repeat(ok, 20))
	f.Add(append(append([]byte{}, ok...), 4, 0x30, 0x82, 0x05, 0x90)) // truncated
	f.Add([]byte{2, 0x6A, 0x82})
	f.Add([]byte{2, 0x63, 0xC2, 2, 0x69, 0x84, 0, 1, 0x90})
	f.Add([]byte{2, 0x90, 0x00, 2, 0x90, 0x00, 17, 'J', 'P', 'K', 'I', 'A', 'P', 'I', 'C', 'C', 'T', 'O', 'K', 'E', 'N', '2', 0x90, 0x00})
	// A phone's token, then the answers of its flow: certificate refused before the PIN,
	// a counter, the PIN taken, a certificate header that lies about its length.
	phone := []byte{2, 0x90, 0x00, 2, 0x90, 0x00, 17}
	phone = append(append(phone, TokenSmartphone+"  "...), 0x90, 0x00)
	phone = append(phone, 2, 0x90, 0x00, 2, 0x69, 0x82, 2, 0x90, 0x00, 2, 0x63, 0xC3, 2, 0x90, 0x00,
		6, 0x30, 0x82, 0xFF, 0xFF, 0x90, 0x00)
	f.Add(phone)
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		c := New(&scripted{answers: splitAnswers(b)})
		di, _ := DigestInfo(crypto.SHA256, make([]byte, 32))
		steps := []func() error{
			func() error { _, err := c.Identify(ctx); return err },
			func() error { _, err := c.AuthCertificate(ctx); return err },
			func() error { _, err := c.Tries(ctx, AuthPIN); return err },
			func() error { return c.Verify(ctx, AuthPIN, []byte("1234")) },
			func() error { _, err := c.Sign(ctx, AuthKey, di); return err },
			func() error { _, err := c.SignCertificate(ctx); return err },
			func() error { return c.Logout(ctx) },
		}
		for i, step := range steps {
			if err := step(); err != nil && !typed(err) {
				t.Fatalf("step %d: untyped error %v", i, err)
			}
		}
	})
}
