package pcsc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"

	"madoguchi/reader"
)

// Holder is what WatchCards hands cards to: the kiosk engine, through an adapter.
// CardInserted gets a fresh allow-listed session for every card placed; CardRemoved
// says that card is gone (taken, its reader unplugged, or pcscd lost).
type Holder interface {
	CardInserted(*reader.Card)
	CardRemoved()
}

// ReaderNotifier is what a Holder may also be: ReaderAvailable(false) when no reader
// matching the pattern is there or pcscd is lost (after CardRemoved for a card held),
// ReaderAvailable(true) when one is there: once the first listing is known, then on
// every change.
type ReaderNotifier interface {
	ReaderAvailable(ok bool)
}

// WatchCards follows the readers matching pattern (nil = all) and hands every card that is
// placed to h, one card at a time: while h holds a card from one reader, cards in other
// readers are ignored. A removal, the reader vanishing or the PC/SC service going away
// tells h and powers the card down; when the service is back, a card still in a reader is
// handed over again as a fresh session. It logs what happens to log (nil: nowhere) and
// returns nil when ctx ends, or the error that stopped the watch before. rh (nil: none)
// follows the readers' state for the kiosk's health report from the same events.
func WatchCards(ctx context.Context, pattern *regexp.Regexp, h Holder, rh *ReaderHealth, log *slog.Logger) error {
	w := newCardWatch(ctx, h, log, func() (service, error) {
		x, err := Open()
		if err != nil {
			return nil, err
		}
		return pcscService{x}, nil
	})
	if rh != nil {
		w.health = rh
	}
	defer w.stop()
	if err := Watch(ctx, pattern, w.handle); ctx.Err() == nil {
		return fmt.Errorf("pcsc: card watch: %w", err)
	}
	return nil
}

// service is a connection to PC/SC as cardWatch uses it (a *Context; a fake in tests).
type service interface {
	connect(ctx context.Context, readerName string) (session, error)
	Close() error
}

// session is a connected card as cardWatch uses it (a *Card; a fake in tests).
type session interface {
	card() *reader.Card
	Protocol() string
	Close() error
}

type pcscService struct{ *Context }

func (s pcscService) connect(ctx context.Context, readerName string) (session, error) {
	c, err := s.Connect(ctx, readerName, Options{})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Card) card() *reader.Card { return c.Card }

// cardWatch is WatchCards' state: the PC/SC connection it opened (opened on the first
// card, dropped when the service is lost) and the one card it holds, from one reader.
type cardWatch struct {
	ctx  context.Context
	h    Holder
	log  *slog.Logger
	open func() (service, error)

	x      service
	held   session
	reader string // where held sits
	health *ReaderHealth
	told   bool // ReaderAvailable was told (ReaderNotifier)
	absent bool // with told: it was told false
}

func newCardWatch(ctx context.Context, h Holder, log *slog.Logger, open func() (service, error)) *cardWatch {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &cardWatch{ctx: ctx, h: h, log: log, open: open, health: &ReaderHealth{}}
}

// handle is Watch's emit: one event, on Watch's goroutine.
func (w *cardWatch) handle(ev Event) {
	w.health.observe(ev)
	switch ev.Kind {
	case CardInserted:
		if w.held != nil {
			return // one card at a time: the first reader that has one wins
		}
		if w.x == nil {
			var err error
			if w.x, err = w.open(); err != nil {
				w.x = nil
				w.log.Warn("card inserted but pc/sc is unreachable", "err", err)
				return
			}
		}
		c, err := w.x.connect(w.ctx, ev.Reader)
		if err != nil {
			w.log.Warn("cannot connect to the card", "reader", ev.Reader, "err", err)
			w.health.connected(ev.Reader, false)
			w.dropService()
			return
		}
		w.health.connected(ev.Reader, true)
		w.held, w.reader = c, ev.Reader
		w.log.Info("card inserted", "reader", ev.Reader, "protocol", c.Protocol())
		w.h.CardInserted(c.card())
	case CardRemoved, ReaderRemoved:
		if w.held != nil && ev.Reader == w.reader {
			w.log.Info("card removed", "reader", ev.Reader)
			w.release()
		}
	case ServiceLost:
		w.log.Warn("pc/sc service lost")
		w.release()
		w.dropService()
	}
	w.tellAvailable()
}

// tellAvailable tells a ReaderNotifier holder when the readers' state changes between
// usable (a reader there, even one whose last card failed) and not (none, pcscd lost).
func (w *cardWatch) tellAvailable() {
	n, ok := w.h.(ReaderNotifier)
	if !ok {
		return
	}
	st := w.health.ReaderState()
	if st == ReaderUnknown {
		return
	}
	if absent := st == ReaderAbsent || st == ReaderServiceLost; !w.told || absent != w.absent {
		w.told, w.absent = true, absent
		w.log.Info("card reader availability", "available", !absent, "state", st)
		n.ReaderAvailable(!absent)
	}
}

// release powers the held card down and tells the holder it is gone.
func (w *cardWatch) release() {
	if w.held != nil {
		w.held.Close()
		w.held = nil
		w.h.CardRemoved()
	}
}

func (w *cardWatch) dropService() {
	if w.x != nil {
		w.x.Close()
		w.x = nil
	}
}

// stop ends the watch: the card is released and the connection closed.
func (w *cardWatch) stop() {
	w.release()
	w.dropService()
}
