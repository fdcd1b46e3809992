package kiosk

// ReaderAvailable tells the engine whether the card reader can be used: false when no
// reader is connected or the PC/SC service is lost, true when one is back. While it is
// not, the idle screen says so (View.NoReader) and starts no session: certificates and
// forms both need the card. A session already under way is not cut here; losing the
// reader removes its card (CardRemoved), which ends it as a taken card does. Safe to call
// from any goroutine; the engine starts with the reader available.
func (e *Engine) ReaderAvailable(ok bool) { e.post(readerEv{ok}) }

type readerEv struct{ ok bool }

// readerChanged applies a readerEv on the loop.
func (e *Engine) readerChanged(ok bool) {
	if e.noReader == !ok {
		return
	}
	e.noReader = !ok
	if e.state == StateIdle && e.note == NoteTakeFirst && e.noReader {
		e.note = NoteNone // the reader's notice replaces the hint to take things first
	}
	e.publish()
}
