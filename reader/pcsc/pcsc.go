package pcsc

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"

	"github.com/ebfe/scard"

	"madoguchi/reader"
)

// Context is a connection to the PC/SC service (pcscd). It is safe for use by one
// goroutine at a time, except Close, which also interrupts a blocked Watch.
type Context struct {
	mu sync.Mutex
	sc *scard.Context
}

// lifecycle serializes, across the process, the client library calls that change or walk
// its list of contexts: pcsc-lite before 2.4.0 (Debian 12 has 1.9.9, trixie 2.3.3) walks
// that list without its lock in SCardDisconnect while SCardEstablishContext and
// SCardReleaseContext change it, so a card powered down while another context was
// released crashed the process (SIGSEGV in SCardDisconnect, seen in a test with two card
// watches under qemu-aarch64). Upstream fixed it in 2.4.0 ("Protect contextMapList
// modifications using a mutex"). The calls held are short; SCardConnect, which may wait
// for a reader another program holds, is not one of them.
var lifecycle sync.Mutex

// Open connects to the PC/SC service. A missing service is ErrReaderGone.
func Open() (*Context, error) {
	lifecycle.Lock()
	sc, err := scard.EstablishContext()
	lifecycle.Unlock()
	if err != nil {
		return nil, fmt.Errorf("pcsc: establish context: %w", classify(err))
	}
	return &Context{sc: sc}, nil
}

// ErrClosed is returned by a Context's methods after Close.
var ErrClosed = errors.New("pcsc: context closed")

// handle is the service handle, or ErrClosed after Close. A call that took the handle
// just before a concurrent Close fails with pcscd's invalid-handle error, never crashes.
func (x *Context) handle() (*scard.Context, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sc == nil {
		return nil, ErrClosed
	}
	return x.sc, nil
}

// cancel interrupts a blocked GetStatusChange; after Close it does nothing.
func (x *Context) cancel() {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sc != nil {
		_ = x.sc.Cancel()
	}
}

// Close releases the context.
func (x *Context) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sc == nil {
		return nil
	}
	_ = x.sc.Cancel()
	lifecycle.Lock()
	err := x.sc.Release()
	lifecycle.Unlock()
	x.sc = nil
	if err != nil {
		return fmt.Errorf("pcsc: release context: %w", err)
	}
	return nil
}

// Readers lists the readers, optionally only those whose name matches pattern (nil = all).
// No reader at all is an empty list, not an error.
func (x *Context) Readers(pattern *regexp.Regexp) ([]string, error) {
	sc, err := x.handle()
	if err != nil {
		return nil, err
	}
	names, err := sc.ListReaders()
	if errors.Is(err, scard.ErrNoReadersAvailable) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pcsc: list readers: %w", classify(err))
	}
	if pattern == nil {
		return names, nil
	}
	var out []string
	for _, n := range names {
		if pattern.MatchString(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// State is what the service says about one reader.
type State struct {
	Reader  string `json:"reader"`
	Present bool   `json:"card_present"`
	InUse   bool   `json:"in_use"`
	Mute    bool   `json:"mute"` // a card is there but did not answer reset
	ATR     []byte `json:"atr,omitempty"`
}

// States returns the current state of the readers without waiting.
func (x *Context) States(readers []string) ([]State, error) {
	rs := make([]scard.ReaderState, len(readers))
	for i, r := range readers {
		rs[i] = scard.ReaderState{Reader: r, CurrentState: scard.StateUnaware}
	}
	if len(rs) == 0 {
		return nil, nil
	}
	sc, err := x.handle()
	if err != nil {
		return nil, err
	}
	if err := sc.GetStatusChange(rs, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return nil, fmt.Errorf("pcsc: reader states: %w", classify(err))
	}
	out := make([]State, len(rs))
	for i, r := range rs {
		out[i] = stateOf(r)
	}
	return out, nil
}

func stateOf(r scard.ReaderState) State {
	s := State{Reader: r.Reader}
	s.Present = r.EventState&scard.StatePresent != 0
	s.InUse = r.EventState&scard.StateInuse != 0
	s.Mute = r.EventState&scard.StateMute != 0
	if s.Present {
		s.ATR = append([]byte(nil), r.Atr...)
	}
	return s
}

// classify maps PC/SC errors onto the reader package's sentinels, keeping the original.
func classify(err error) error {
	var se scard.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se {
	case scard.ErrRemovedCard, scard.ErrResetCard, scard.ErrNoSmartcard, scard.ErrUnpoweredCard,
		scard.ErrUnresponsiveCard, scard.ErrNotTransacted, scard.ErrCommError:
		return fmt.Errorf("%w (%w)", reader.ErrCardRemoved, err)
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrReaderUnavailable,
		scard.ErrUnknownReader, scard.ErrNoReadersAvailable, scard.ErrInvalidHandle, scard.ErrShutdown:
		return fmt.Errorf("%w (%w)", reader.ErrReaderGone, err)
	case scard.ErrCancelled:
		return fmt.Errorf("%w (%w)", context.Canceled, err)
	}
	return err
}
