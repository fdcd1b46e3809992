package pcsc

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ebfe/scard"

	"madoguchi/reader"
)

// EventKind says what changed in a reader.
type EventKind uint8

// The events a Watch reports.
const (
	CardInserted EventKind = iota + 1
	CardRemoved
	ReaderAdded
	ReaderRemoved
	ServiceLost  // pcscd went away (or cannot be reached); Watch keeps trying to reconnect
	ServiceReady // pcscd answered the first listing of a connection (its readers are reported before)
)

func (k EventKind) String() string {
	switch k {
	case CardInserted:
		return "card inserted"
	case CardRemoved:
		return "card removed"
	case ReaderAdded:
		return "reader added"
	case ReaderRemoved:
		return "reader removed"
	case ServiceLost:
		return "pc/sc service lost"
	case ServiceReady:
		return "pc/sc service ready"
	}
	return "unknown event"
}

// Event is one change seen by Watch.
type Event struct {
	Kind   EventKind
	Reader string
	ATR    []byte // with CardInserted
}

// pnpReader is PC/SC's pseudo reader whose state changes when readers come and go.
const pnpReader = `\\?PnP?\Notification`

// DefaultRetry is how long Watch waits before it tries to reach a lost PC/SC service again.
const DefaultRetry = time.Second

// Watch reports card and reader changes of the readers matching pattern (nil = all) to
// emit, blocking in SCardGetStatusChange (no polling) until ctx is done, which it honours
// by cancelling the blocked call. Readers that are already there, and cards already in
// them, are reported first, then ServiceReady. When pcscd goes away (or is not there to
// begin with) Watch reports ServiceLost and the removal of every reader, then reconnects
// every DefaultRetry until the service is back. It returns ctx.Err() when ctx ends.
func Watch(ctx context.Context, pattern *regexp.Regexp, emit func(Event)) error {
	down := false // ServiceLost reported and not yet followed by ServiceReady
	for {
		x, err := Open()
		if err == nil {
			err = x.watch(ctx, pattern, func(ev Event) {
				switch ev.Kind {
				case ServiceReady:
					down = false
				case ServiceLost:
					down = true
				}
				emit(ev)
			})
			x.Close()
		} else if !down && errors.Is(err, reader.ErrReaderGone) {
			down = true
			emit(Event{Kind: ServiceLost})
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, reader.ErrReaderGone) {
			return err
		}
		t := time.NewTimer(DefaultRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (x *Context) watch(ctx context.Context, pattern *regexp.Regexp, emit func(Event)) error {
	// Cancel the blocked SCardGetStatusChange when ctx ends. A cancel that lands between
	// two calls would be lost, so it is repeated until watch has returned.
	returned := make(chan struct{})
	defer close(returned)
	stop := context.AfterFunc(ctx, func() {
		for {
			x.cancel()
			select {
			case <-returned:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	defer stop()

	known := map[string]scard.StateFlag{} // reader → last event state
	present := map[string]bool{}
	pnp := scard.ReaderState{Reader: pnpReader, CurrentState: scard.StateUnaware}
	ready := false
	lost := func(err error) error {
		emit(Event{Kind: ServiceLost})
		for r := range known {
			if present[r] {
				emit(Event{Kind: CardRemoved, Reader: r})
			}
			emit(Event{Kind: ReaderRemoved, Reader: r})
		}
		return err
	}
	for {
		names, err := x.Readers(pattern)
		if err != nil {
			return lost(fmt.Errorf("%w (%w)", reader.ErrReaderGone, err))
		}
		// Readers that vanished.
		still := map[string]bool{}
		for _, n := range names {
			still[n] = true
		}
		for r := range known {
			if !still[r] {
				if present[r] {
					emit(Event{Kind: CardRemoved, Reader: r})
				}
				emit(Event{Kind: ReaderRemoved, Reader: r})
				delete(known, r)
				delete(present, r)
			}
		}
		states := make([]scard.ReaderState, 0, len(names)+1)
		for _, n := range names {
			cur, ok := known[n]
			if !ok {
				emit(Event{Kind: ReaderAdded, Reader: n})
				cur = scard.StateUnaware
				known[n] = cur
			}
			states = append(states, scard.ReaderState{Reader: n, CurrentState: cur &^ scard.StateChanged})
		}
		states = append(states, pnp)
		if !ready {
			ready = true
			emit(Event{Kind: ServiceReady})
		}
		h, err := x.handle()
		if err != nil {
			return lost(err)
		}
		err = h.GetStatusChange(states, -1)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			if errors.Is(err, scard.ErrUnknownReader) {
				continue // a reader left between listing and waiting: list again
			}
			// Whatever the code (pcsc-lite says "RPC transport error" when pcscd dies),
			// a failed wait means the service is gone for this context.
			return lost(fmt.Errorf("pcsc: wait for status change: %w (%w)", reader.ErrReaderGone, err))
		}
		for _, s := range states[:len(states)-1] {
			known[s.Reader] = s.EventState
			st := stateOf(s)
			gone := s.EventState&(scard.StateUnknown|scard.StateUnavailable) != 0
			switch {
			case st.Present && !present[s.Reader] && !gone:
				present[s.Reader] = true
				emit(Event{Kind: CardInserted, Reader: s.Reader, ATR: st.ATR})
			case (!st.Present || gone) && present[s.Reader]:
				present[s.Reader] = false
				emit(Event{Kind: CardRemoved, Reader: s.Reader})
			}
		}
		pnp.CurrentState = states[len(states)-1].EventState &^ scard.StateChanged
	}
}
