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
