package kiosk

// pinPad is a PIN or password being typed on a screen: the resident's PINs, the signing
// password and the technician's PIN. It holds digits (and, for a password, A–Z), at most
// its buffer's length, and is the one place that zeroes a secret: take copies it out and
// zeroes the pad, wipe zeroes it.
type pinPad struct {
	buf     []byte
	n       int
	min     int  // the shortest complete secret
	letters bool // A–Z as well as digits (the signing password)
}

func newPINPad(size int) pinPad { return pinPad{buf: make([]byte, size), min: size} }

// Limits of the signing password (署名用パスワード): 6 to 16 of A–Z and 0–9.
const (
	PasswordMin = 6
	PasswordMax = 16
)

// newPasswordPad is the signing password's pad: 6 to 16 of A–Z and 0–9; a lower-case
// letter (a hardware keyboard) is taken upper-cased, as every client sends it.
func newPasswordPad() pinPad {
	return pinPad{buf: make([]byte, PasswordMax), min: PasswordMin, letters: true}
}

// edit applies a digit, delete or clear input and reports whether in was one of them.
// A digit beyond the pad's length is dropped.
func (p *pinPad) edit(in Input) bool {
	switch in.Kind {
	case InputDigit:
		if in.Arg >= 0 && in.Arg <= 9 && p.n < len(p.buf) {
			p.buf[p.n] = byte('0' + in.Arg)
			p.n++
		}
	case InputChar:
		c := rune(in.Arg)
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		switch {
		case p.n >= len(p.buf):
		case c >= '0' && c <= '9', p.letters && c >= 'A' && c <= 'Z':
			p.buf[p.n] = byte(c)
			p.n++
		}
	case InputDelete:
		if p.n > 0 {
			p.n--
			p.buf[p.n] = 0
		}
	case InputClear:
		p.wipe()
	default:
		return false
	}
	return true
}

// len is the number of digits typed (never the digits).
func (p *pinPad) len() int { return p.n }

// full reports whether every place of the pad holds a digit.
func (p *pinPad) full() bool { return p.n == len(p.buf) }

// complete reports whether the secret typed is long enough to be sent.
func (p *pinPad) complete() bool { return p.n >= p.min }

// take returns a copy of the digits typed and zeroes the pad; the caller clears the copy
// right after its one use.
func (p *pinPad) take() []byte {
	out := make([]byte, p.n)
	copy(out, p.buf[:p.n])
	p.wipe()
	return out
}

// wipe zeroes the pad.
func (p *pinPad) wipe() {
	clear(p.buf)
	p.n = 0
}
