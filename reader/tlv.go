package reader

import "fmt"

// TLV is one BER-TLV element (ISO/IEC 7816-4 / X.690), as found in the card's files.
type TLV struct {
	Tag   uint32 // the tag bytes big-endian, e.g. 0x30, 0xDF22, 0x7F21
	Value []byte // aliases the parsed buffer
	Raw   []byte // header and value, aliasing the parsed buffer
	Len   int    // header + value length
}

// Constructed reports whether the tag's constructed bit is set.
func (t TLV) Constructed() bool {
	first := t.Tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// maxTLVLen bounds lengths read from the card: nothing on a My Number Card is larger.
const maxTLVLen = 1 << 16

// parseHeader decodes tag and length at the start of b. It returns the tag, the value
// length and the header length. It never reads past b.
func parseHeader(b []byte) (tag uint32, n, hdr int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, fmt.Errorf("%w: tlv header truncated", ErrBadCard)
	}
	i := 0
	tag = uint32(b[0])
	i++
	if b[0]&0x1F == 0x1F {
		for {
			if i >= len(b) || i > 3 {
				return 0, 0, 0, fmt.Errorf("%w: tlv tag too long or truncated", ErrBadCard)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, 0, 0, fmt.Errorf("%w: tlv length missing", ErrBadCard)
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		n = int(l)
	case l == 0x80:
		return 0, 0, 0, fmt.Errorf("%w: indefinite tlv length", ErrBadCard)
	case l > 0x83:
		return 0, 0, 0, fmt.Errorf("%w: tlv length of %d bytes", ErrBadCard, l&0x7F)
	default:
		k := int(l & 0x7F)
		if i+k > len(b) {
			return 0, 0, 0, fmt.Errorf("%w: tlv length truncated", ErrBadCard)
		}
		for _, c := range b[i : i+k] {
			n = n<<8 | int(c)
		}
		i += k
	}
	if n > maxTLVLen {
		return 0, 0, 0, fmt.Errorf("%w: tlv length %d too large", ErrBadCard, n)
	}
	return tag, n, i, nil
}

// ParseTLV reads one element from the start of b and returns it with the bytes after it.
func ParseTLV(b []byte) (TLV, []byte, error) {
	tag, n, hdr, err := parseHeader(b)
	if err != nil {
		return TLV{}, nil, err
	}
	if hdr+n > len(b) {
		return TLV{}, nil, fmt.Errorf("%w: tlv %X value of %d bytes truncated to %d", ErrBadCard, tag, n, len(b)-hdr)
	}
	return TLV{Tag: tag, Value: b[hdr : hdr+n : hdr+n], Raw: b[: hdr+n : hdr+n], Len: hdr + n}, b[hdr+n:], nil
}

// ParseTLVs reads a sequence of elements filling b exactly.
func ParseTLVs(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		t, rest, err := ParseTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// FindTLV returns the first element with the given tag among the children of b.
func FindTLV(b []byte, tag uint32) (TLV, bool, error) {
	list, err := ParseTLVs(b)
	if err != nil {
		return TLV{}, false, err
	}
	for _, t := range list {
		if t.Tag == tag {
			return t, true, nil
		}
	}
	return TLV{}, false, nil
}

// ElementLength reads only the header at the start of b (which may be a prefix of the
// element) and returns the element's total size: header plus value. It is how a file is
// sized from its first bytes before reading the rest.
func ElementLength(b []byte) (int, error) {
	_, n, hdr, err := parseHeader(b)
	if err != nil {
		return 0, err
	}
	return hdr + n, nil
}
