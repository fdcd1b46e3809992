package pcsc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"madoguchi/reader"
)

// trace records, in order, what the card watch did to the service, the cards and the
// holder.
type trace struct {
	steps []string
	cards map[*reader.Card]string // session → reader, for the holder's steps
}

func (t *trace) add(format string, args ...any) {
	t.steps = append(t.steps, fmt.Sprintf(format, args...))
}

type fakeService struct {
	t    *trace
	fail map[string]bool // readers whose card cannot be connected
}

func (s *fakeService) connect(_ context.Context, r string) (session, error) {
	if s.fail[r] {
		s.t.add("connect %s fails", r)
		return nil, fmt.Errorf("connect %q: %w", r, reader.ErrCardRemoved)
	}
	s.t.add("connect %s", r)
	c := reader.New(nil)
	s.t.cards[c] = r
	return &fakeSession{t: s.t, r: r, c: c}, nil
}

func (s *fakeService) Close() error { s.t.add("close service"); return nil }

type fakeSession struct {
	t *trace
	r string
	c *reader.Card
}

func (f *fakeSession) card() *reader.Card { return f.c }
func (f *fakeSession) Protocol() string   { return "T=1" }
func (f *fakeSession) Close() error       { f.t.add("power down %s", f.r); return nil }

type traceHolder struct{ t *trace }

func (h traceHolder) CardInserted(c *reader.Card) { h.t.add("holder: card from %s", h.t.cards[c]) }
func (h traceHolder) CardRemoved()                { h.t.add("holder: card gone") }

// TestCardWatch drives the card watch's state machine with the events Watch reports and
// fakes for pcscd, and checks each step: a fresh session per card, one card at a time, and
// every way a card can go (taken, reader unplugged, pcscd lost, watch stopped) powers it
// down and tells the holder.
func TestCardWatch(t *testing.T) {
	in := func(r string) Event { return Event{Kind: CardInserted, Reader: r} }
	out := func(r string) Event { return Event{Kind: CardRemoved, Reader: r} }
	gone := func(r string) Event { return Event{Kind: ReaderRemoved, Reader: r} }
	lost := Event{Kind: ServiceLost}
	tests := []struct {
		name     string
		events   []Event
		openFail int             // the first openFail opens fail (pcscd unreachable)
		fail     map[string]bool // readers whose card cannot be connected
		stop     bool            // the watch ends after the events
		want     []string
	}{
		{name: "card placed and taken", events: []Event{in("A"), out("A")},
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone"}},
		{name: "placed again: a fresh session on the same connection", events: []Event{in("A"), out("A"), in("A")},
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone", "connect A", "holder: card from A"}},
		{name: "one card at a time", events: []Event{in("A"), in("B"), out("B"), gone("B"), out("A"), in("B")},
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone", "connect B", "holder: card from B"}},
		{name: "reader unplugged with the card in", events: []Event{in("A"), gone("A")},
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone"}},
		{name: "removal of a card never held", events: []Event{out("A"), gone("A")}, want: nil},
		{name: "pcscd lost with the card in, then back", events: []Event{in("A"), lost, out("A"), gone("A"), in("A")},
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone", "close service",
				"open", "connect A", "holder: card from A"}},
		{name: "pcscd lost without a card", events: []Event{lost, lost}, want: nil},
		{name: "pcscd unreachable when the card comes", events: []Event{in("A"), out("A"), in("A")}, openFail: 1,
			want: []string{"open fails", "open", "connect A", "holder: card from A"}},
		{name: "card that cannot be connected", events: []Event{in("A"), in("B")}, fail: map[string]bool{"A": true},
			want: []string{"open", "connect A fails", "close service", "open", "connect B", "holder: card from B"}},
		{name: "watch stopped with the card in", events: []Event{in("A")}, stop: true,
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone", "close service"}},
		{name: "watch stopped without a card", events: []Event{in("A"), out("A")}, stop: true,
			want: []string{"open", "connect A", "holder: card from A", "power down A", "holder: card gone", "close service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &trace{cards: map[*reader.Card]string{}}
			opens := 0
			w := newCardWatch(context.Background(), traceHolder{tr}, nil, func() (service, error) {
				opens++
				if opens <= tt.openFail {
					tr.add("open fails")
					return nil, fmt.Errorf("pcsc: establish context: %w", reader.ErrReaderGone)
				}
				tr.add("open")
				return &fakeService{t: tr, fail: tt.fail}, nil
			})
			for _, ev := range tt.events {
				w.handle(ev)
			}
			if tt.stop {
				w.stop()
			}
			if got, want := strings.Join(tr.steps, "\n"), strings.Join(tt.want, "\n"); got != want {
				t.Fatalf("steps:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestCardWatchStopsTwice(t *testing.T) {
	tr := &trace{cards: map[*reader.Card]string{}}
	w := newCardWatch(context.Background(), traceHolder{tr}, nil, func() (service, error) {
		return nil, errors.New("unreachable")
	})
	w.stop()
	w.stop()
	if len(tr.steps) != 0 {
		t.Fatalf("steps %v", tr.steps)
	}
}

// TestReaderHealth: the reader state follows the watch's events and the outcome of the
// last card's connection; nothing else (no command, no card) is involved.
func TestReaderHealth(t *testing.T) {
	ev := func(k EventKind, r string) Event { return Event{Kind: k, Reader: r} }
	for _, tc := range []struct {
		name   string
		events []Event
		fail   string // a card placed in this reader cannot be connected (after the events)
		ok     string // then a card in this reader connects
		want   string
	}{
		{name: "nothing yet", want: ReaderUnknown},
		{name: "pcscd up, no reader", events: []Event{ev(ServiceReady, "")}, want: ReaderAbsent},
		{name: "a reader", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, "")}, want: ReaderOK},
		{name: "reader unplugged", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(ReaderRemoved, "A")}, want: ReaderAbsent},
		{name: "pcscd lost", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(ServiceLost, ""), ev(ReaderRemoved, "A")}, want: ReaderServiceLost},
		{name: "pcscd unreachable from the start", events: []Event{ev(ServiceLost, "")}, want: ReaderServiceLost},
		{name: "pcscd back", events: []Event{ev(ServiceLost, ""), ev(ReaderAdded, "A"), ev(ServiceReady, "")}, want: ReaderOK},
		{name: "a card that cannot be connected", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, "")}, fail: "A", want: ReaderConnectFailed},
		{name: "the next card connects", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, "")}, fail: "A", ok: "A", want: ReaderOK},
		{name: "the failure stays until a card connects", events: []Event{ev(ReaderAdded, "A"), ev(ServiceReady, "")}, fail: "A", ok: "", want: ReaderConnectFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rh ReaderHealth
			for _, e := range tc.events {
				rh.observe(e)
			}
			if tc.fail != "" {
				rh.connected(tc.fail, false)
			}
			if tc.ok != "" {
				rh.connected(tc.ok, true)
			}
			if got := rh.ReaderState(); got != tc.want {
				t.Fatalf("state %s, want %s", got, tc.want)
			}
		})
	}
	// Through the card watch: a card that cannot be connected, then a reader swap.
	tr := &trace{cards: map[*reader.Card]string{}}
	var rh ReaderHealth
	w := newCardWatch(context.Background(), traceHolder{tr}, nil, func() (service, error) {
		return &fakeService{t: tr, fail: map[string]bool{"A": true}}, nil
	})
	w.health = &rh
	for _, e := range []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(CardInserted, "A")} {
		w.handle(e)
	}
	if got := rh.ReaderState(); got != ReaderConnectFailed {
		t.Fatalf("after a failed connection: %s", got)
	}
	w.handle(ev(ReaderRemoved, "A"))
	w.handle(ev(ReaderAdded, "B"))
	w.handle(ev(CardInserted, "B"))
	if got := rh.ReaderState(); got != ReaderOK {
		t.Fatalf("after the reader was replaced: %s", got)
	}
}

// notifyHolder is a traceHolder that is also a ReaderNotifier.
type notifyHolder struct{ traceHolder }

func (h notifyHolder) ReaderAvailable(ok bool) { h.t.add("holder: reader available %v", ok) }

// TestCardWatchTellsAvailability: a holder that is a ReaderNotifier hears when no reader
// can be used (none there, pcscd lost; after its card is gone) and when one is there:
// the first known state, then changes only.
func TestCardWatchTellsAvailability(t *testing.T) {
	ev := func(k EventKind, r string) Event { return Event{Kind: k, Reader: r} }
	for _, tc := range []struct {
		name   string
		events []Event
		want   []string
	}{
		{"reader at once", []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(ReaderAdded, "B")}, []string{"holder: reader available true"}},
		{"no reader", []Event{ev(ServiceReady, "")}, []string{"holder: reader available false"}},
		{"unplugged and back", []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(ReaderRemoved, "A"), ev(ReaderAdded, "A")},
			[]string{"holder: reader available true", "holder: reader available false", "holder: reader available true"}},
		{"pcscd lost with a card, then back", []Event{ev(ReaderAdded, "A"), ev(ServiceReady, ""), ev(CardInserted, "A"),
			ev(ServiceLost, ""), ev(ReaderRemoved, "A"), ev(ReaderAdded, "A"), ev(ServiceReady, "")},
			[]string{"holder: reader available true", "open", "connect A", "holder: card from A", "power down A", "holder: card gone", "close service",
				"holder: reader available false", "holder: reader available true"}},
		{"pcscd unreachable from the start", []Event{ev(ServiceLost, ""), ev(ServiceLost, "")}, []string{"holder: reader available false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &trace{cards: map[*reader.Card]string{}}
			w := newCardWatch(context.Background(), notifyHolder{traceHolder{tr}}, nil, func() (service, error) {
				tr.add("open")
				return &fakeService{t: tr}, nil
			})
			for _, e := range tc.events {
				w.handle(e)
			}
			if !slices.Equal(tr.steps, tc.want) {
				t.Fatalf("steps:\n%q\nwant:\n%q", tr.steps, tc.want)
			}
		})
	}
}
