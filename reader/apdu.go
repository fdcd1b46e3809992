package reader

import (
	"errors"
	"fmt"
)

// Command is an ISO/IEC 7816-4 command APDU.
//
// Ne is the number of response bytes expected: 0 means "no Le field" (cases 1 and 3),
// 1..256 fit a short Le (256 is encoded as 00), 257..65536 need extended length
// (65536 is encoded as 0000).
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Ne               int
}

// Limits of the two APDU encodings.
const (
	MaxShortNc    = 255
	MaxShortNe    = 256
	MaxExtendedNc = 65535
	MaxExtendedNe = 65536
)

// ErrMalformedAPDU reports bytes that are not a valid command or response APDU.
var ErrMalformedAPDU = errors.New("reader: malformed apdu")

// Extended reports whether the command needs extended-length encoding.
func (c Command) Extended() bool { return len(c.Data) > MaxShortNc || c.Ne > MaxShortNe }

// Bytes encodes the command, choosing short encoding when both Nc and Ne allow it.
func (c Command) Bytes() ([]byte, error) {
	nc := len(c.Data)
	if nc > MaxExtendedNc {
		return nil, fmt.Errorf("%w: command data of %d bytes exceeds %d", ErrMalformedAPDU, nc, MaxExtendedNc)
	}
	if c.Ne < 0 || c.Ne > MaxExtendedNe {
		return nil, fmt.Errorf("%w: Ne %d out of range 0..%d", ErrMalformedAPDU, c.Ne, MaxExtendedNe)
	}
	out := make([]byte, 0, 4+3+nc+3)
	out = append(out, c.CLA, c.INS, c.P1, c.P2)
	if !c.Extended() {
		if nc > 0 {
			out = append(out, byte(nc))
			out = append(out, c.Data...)
		}
		if c.Ne > 0 {
			out = append(out, byte(c.Ne)) // 256 wraps to 00 as the standard says
		}
		return out, nil
	}
	if nc > 0 {
		out = append(out, 0, byte(nc>>8), byte(nc))
		out = append(out, c.Data...)
	}
	if c.Ne > 0 {
		le := c.Ne
		if le == MaxExtendedNe {
			le = 0
		}
		if nc == 0 {
			out = append(out, 0) // extended marker when there is no Lc field
		}
		out = append(out, byte(le>>8), byte(le))
	}
	return out, nil
}

// ParseCommand decodes a command APDU in any of the seven ISO cases (1, 2S, 3S, 4S,
// 2E, 3E, 4E). It is used by the virtual card and the T=0 path of reader/pcsc, and
// fuzzed: it never panics. It copies nothing: Data aliases b, so that a VERIFY PIN
// leaves no copy behind once the caller zeroes what it sent (copy Data to keep it).
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, need a 4-byte header", ErrMalformedAPDU, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2S
		c.Ne = shortNe(body[0])
		return c, nil
	case body[0] != 0: // short Lc: case 3S or 4S
		nc := int(body[0])
		switch len(body) {
		case 1 + nc:
			c.Data = body[1:]
			return c, nil
		case 2 + nc:
			c.Data = body[1 : 1+nc : 1+nc]
			c.Ne = shortNe(body[1+nc])
			return c, nil
		}
		return Command{}, fmt.Errorf("%w: Lc %d does not match %d body bytes", ErrMalformedAPDU, nc, len(body))
	case len(body) == 3: // case 2E: 00 Le1 Le2
		c.Ne = extendedNe(body[1], body[2])
		return c, nil
	case len(body) < 3:
		return Command{}, fmt.Errorf("%w: truncated extended length", ErrMalformedAPDU)
	}
	nc := int(body[1])<<8 | int(body[2])
	if nc == 0 {
		return Command{}, fmt.Errorf("%w: extended Lc of zero", ErrMalformedAPDU)
	}
	switch len(body) {
	case 3 + nc: // case 3E
		c.Data = body[3:]
		return c, nil
	case 5 + nc: // case 4E
		c.Data = body[3 : 3+nc : 3+nc]
		c.Ne = extendedNe(body[3+nc], body[4+nc])
		return c, nil
	}
	return Command{}, fmt.Errorf("%w: extended Lc %d does not match %d body bytes", ErrMalformedAPDU, nc, len(body))
}

func shortNe(le byte) int {
	if le == 0 {
		return MaxShortNe
	}
	return int(le)
}

func extendedNe(hi, lo byte) int {
	n := int(hi)<<8 | int(lo)
	if n == 0 {
		return MaxExtendedNe
	}
	return n
}

// Response is a response APDU: data followed by the two status bytes.
type Response struct {
	Data []byte
	SW   StatusWord
}

// ParseResponse splits a response APDU. It copies nothing: Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrMalformedAPDU, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: StatusWord(uint16(b[n])<<8 | uint16(b[n+1]))}, nil
}

// Bytes encodes the response (data then SW1 SW2).
func (r Response) Bytes() []byte {
	out := make([]byte, len(r.Data)+2)
	copy(out, r.Data)
	out[len(r.Data)] = byte(r.SW >> 8)
	out[len(r.Data)+1] = byte(r.SW)
	return out
}
