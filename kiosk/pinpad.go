package kiosk

// pinPad is a PIN being typed on a screen: the resident's authentication PIN and the
// technician's PIN. It holds digits only, at most its buffer's length, and is the one
// place that zeroes a PIN: take copies the digits out and zeroes the pad, wipe zeroes it.
type pinPad struct {
	buf []byte
	n   int
}

func newPINPad(size int) pinPad { return pinPad{buf: make([]byte, size)} }

// edit applies a digit, delete or clear input and reports whether in was one of them.
// A digit beyond the pad's length is dropped.
func (p *pinPad) edit(in Input) bool {
	switch in.Kind {
	case InputDigit:
		if in.Arg >= 0 && in.Arg <= 9 && p.n < len(p.buf) {
			p.buf[p.n] = byte('0' + in.Arg)
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
