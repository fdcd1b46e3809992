package pcsc

import "sync"

// Reader states as the kiosk's health report names them (short words, nothing else).
const (
	ReaderUnknown       = "unknown"        // the card watch has not reported yet
	ReaderOK            = "ok"             // pcscd answers and a reader matching the pattern is there
	ReaderAbsent        = "no_reader"      // pcscd answers, no matching reader (unplugged, wrong name_pattern)
	ReaderServiceLost   = "pcsc_lost"      // pcscd cannot be reached
	ReaderConnectFailed = "connect_failed" // the last card placed could not be connected (reader or card fault)
)

// ReaderHealth follows what the card watch sees of the readers, for the kiosk's health
// report: it spends nothing on a card and sends no command of its own, it only listens to
// the watch's events (readers coming and going, pcscd lost and back) and to whether the
// last card placed could be connected. Safe for concurrent use; the zero value is ready.
type ReaderHealth struct {
	mu       sync.Mutex
	seen     bool // an event came
	lost     bool
	readers  map[string]bool
	failedAt string // reader whose last card could not be connected; "" = none
}

// ReaderState is one of the Reader* words.
func (r *ReaderHealth) ReaderState() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !r.seen:
		return ReaderUnknown
	case r.lost:
		return ReaderServiceLost
	case len(r.readers) == 0:
		return ReaderAbsent
	case r.failedAt != "" && r.readers[r.failedAt]:
		return ReaderConnectFailed
	}
	return ReaderOK
}

func (r *ReaderHealth) observe(ev Event) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.readers == nil {
		r.readers = map[string]bool{}
	}
	switch ev.Kind {
	case ServiceLost:
		r.seen, r.lost = true, true
		clear(r.readers)
	case ServiceReady:
		r.seen, r.lost = true, false
	case ReaderAdded:
		r.readers[ev.Reader] = true
	case ReaderRemoved:
		delete(r.readers, ev.Reader)
		if r.failedAt == ev.Reader {
			r.failedAt = "" // a new reader plugged in starts afresh
		}
	}
}

// connected records the outcome of connecting to a placed card.
func (r *ReaderHealth) connected(readerName string, ok bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !ok:
		r.failedAt = readerName
	case r.failedAt == readerName:
		r.failedAt = "" // that reader works again
	}
}
