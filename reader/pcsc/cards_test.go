package pcsc_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// chanHolder passes what WatchCards hands over to the test: a card, or nil for a removal.
type chanHolder chan *reader.Card

func (h chanHolder) CardInserted(c *reader.Card) { h <- c }
func (h chanHolder) CardRemoved()                { h <- nil }

func (h chanHolder) next(t *testing.T, wantCard bool) *reader.Card {
	t.Helper()
	select {
	case c := <-h:
		if (c != nil) != wantCard {
			t.Fatalf("holder got card %v, want a card: %v", c != nil, wantCard)
		}
		return c
	case <-time.After(10 * time.Second):
		t.Fatalf("holder got nothing (want a card: %v)", wantCard)
		return nil
	}
}

// waitPoweredDown waits until the virtual card has lost its verified PIN, which only a
// power-down or reset through pcscd does.
func waitPoweredDown(t *testing.T, vc *readertest.Card) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); vc.Verified(readertest.PINAuth); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the card still has its PIN verified after 15 s: not powered down")
		}
	}
}

// waitReaderState waits until rh says want.
func waitReaderState(t *testing.T, rh *pcsc.ReaderHealth, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for rh.ReaderState() != want {
		if time.Now().After(deadline) {
			t.Fatalf("reader state %s, want %s", rh.ReaderState(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWatchCards runs the card watch on the private pcscd with the virtual card: each
// placement is a fresh session that works, a card in a reader outside the pattern is never
// handed over, and taking the card or stopping the watch powers it down. Its reader state
// is ok, and that of a watch whose pattern matches no reader no_reader.
func TestWatchCards(t *testing.T) {
	h := pcschost.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	holder := make(chanHolder, 4)
	stopped := make(chan error, 1)
	var rh, none pcsc.ReaderHealth
	if got := rh.ReaderState(); got != pcsc.ReaderUnknown {
		t.Fatalf("reader state before the watch: %s", got)
	}
	go func() {
		stopped <- pcsc.WatchCards(ctx, regexp.MustCompile(`^`+regexp.QuoteMeta(h.ReaderName(0))+`$`), holder, &rh, nil)
	}()
	// A watch whose pattern matches no reader says so.
	go func() {
		_ = pcsc.WatchCards(ctx, regexp.MustCompile(`^no such reader$`), make(chanHolder, 1), &none, nil)
	}()
	waitReaderState(t, &rh, pcsc.ReaderOK)
	waitReaderState(t, &none, pcsc.ReaderAbsent)
	other, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.InsertSlot(1, other); err != nil { // a reader the pattern leaves out
		t.Fatal(err)
	}
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var last *reader.Card
	for round := range 2 {
		if err := h.Insert(vc); err != nil {
			t.Fatal(err)
		}
		c := holder.next(t, true)
		if c == last {
			t.Fatalf("round %d: the same session object again", round)
		}
		last = c
		if _, err := c.Identify(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil || !vc.Verified(readertest.PINAuth) {
			t.Fatalf("round %d: verify through the handed-over session: %v", round, err)
		}
		if round == 0 {
			if err := h.Remove(); err != nil {
				t.Fatal(err)
			}
			holder.next(t, false)
		}
	}
	cancel()
	holder.next(t, false)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("WatchCards returned %v after cancel", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("WatchCards did not return after cancel")
	}
	waitPoweredDown(t, vc)
	select {
	case c := <-holder:
		t.Fatalf("holder got %v after the watch ended", c)
	default:
	}
}
