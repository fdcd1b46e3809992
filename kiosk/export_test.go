package kiosk

// PINBuffer reads the current session's PIN buffer on the engine's loop (tests only).
func PINBuffer(e *Engine) (buf [4]byte, n int, ok bool) {
	done := make(chan struct{})
	e.post(loopEv{func() {
		if e.sess != nil {
			copy(buf[:], e.sess.pin.buf)
			n, ok = e.sess.pin.len(), true
		}
		close(done)
	}})
	<-done
	return buf, n, ok
}

// PadBuffer returns the current session's pad buffer itself (not a copy) and how much of
// it is typed, read on the engine's loop, so a test can check later that it was zeroed.
func PadBuffer(e *Engine) (buf []byte, n int) {
	OnLoop(e, func() {
		if e.sess != nil {
			buf, n = e.sess.pin.buf, e.sess.pin.len()
		}
	})
	return buf, n
}

// OnLoop runs fn on the engine's loop and waits for it (tests only).
func OnLoop(e *Engine, fn func()) {
	done := make(chan struct{})
	e.post(loopEv{func() { fn(); close(done) }})
	<-done
}

// TypeKana and StepDate are the kana keyboard's and the date picker's steps.
var (
	TypeKana = typeKana
	StepDate = stepDate
)
