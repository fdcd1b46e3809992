package centertest_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// demoCards starts making the demo cards of a center that lives until the test ends.
func demoCards(t *testing.T) *centertest.DemoCards {
	t.Helper()
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.MakeDemoCards(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func waitReady(t *testing.T, d *centertest.DemoCards, i int) *readertest.Card {
	t.Helper()
	select {
	case <-d.Ready(i):
	case <-time.After(2 * time.Minute):
		t.Fatalf("demo card %d (%s) not made", i, d.Label(i))
	}
	c := d.Card(i)
	if c == nil {
		t.Fatalf("demo card %d ready but nil", i)
	}
	return c
}

// TestDemoCards makes the demo's cards: labels at once, the first resident's card first,
// every card in the resident's hand, and the three troubled cards as labelled.
func TestDemoCards(t *testing.T) {
	d := demoCards(t)
	defer d.Close()
	people := centertest.DemoPeople()
	if d.Len() != len(people)+2+6 {
		t.Fatalf("%d demo cards for %d people", d.Len(), len(people))
	}
	for i, p := range people {
		want := strings.ReplaceAll(p.Resident.Name, "　", " ")
		if p.Revoked {
			want += " (suspended)"
		}
		if d.Label(i) != want {
			t.Errorf("label %d = %q, want %q", i, d.Label(i), want)
		}
	}
	first := waitReady(t, d, 0)
	if !first.Removed() || first.Holder().Name != people[0].Resident.Name {
		t.Fatalf("first card: removed %v, holder %q", first.Removed(), first.Holder().Name)
	}
	if testing.Short() {
		return
	}
	n := len(people)
	android, iphone := waitReady(t, d, n), waitReady(t, d, n+1)
	if android.Device() != reader.DeviceAndroid || iphone.Device() != reader.DeviceIPhone ||
		!strings.Contains(d.Label(n), "Android") || !strings.Contains(d.Label(n+1), "iPhone") {
		t.Errorf("phones: %s is %v, %s is %v", d.Label(n), android.Device(), d.Label(n+1), iphone.Device())
	}
	n += 2
	expired, locked, juki := waitReady(t, d, n), waitReady(t, d, n+1), waitReady(t, d, n+2)
	if d.Label(n) != "expired certificate" || !expired.AuthCert().NotAfter.Before(time.Now()) {
		t.Errorf("%s: certificate valid until %v", d.Label(n), expired.AuthCert().NotAfter)
	}
	if d.Label(n+1) != "PIN locked" || locked.TriesLeft(readertest.PINAuth) != 0 {
		t.Errorf("%s: %d tries left", d.Label(n+1), locked.TriesLeft(readertest.PINAuth))
	}
	if d.Label(n+2) != "old juki card" || !bytes.Equal(juki.ATR(), readertest.ATRJuki) {
		t.Errorf("%s: ATR % X", d.Label(n+2), juki.ATR())
	}
	if faceAuth, later, other := waitReady(t, d, n+3), waitReady(t, d, n+4), waitReady(t, d, n+5); d.Label(n+3) != "face-authentication card (no PIN)" ||
		!later.AuthCert().NotBefore.After(time.Now()) || d.Label(n+5) != "not a My Number Card" || faceAuth == nil || other == nil {
		t.Errorf("cards %s, %s, %s", d.Label(n+3), d.Label(n+4), d.Label(n+5))
	}
	for i := range d.Len() {
		if !d.Card(i).Removed() {
			t.Errorf("card %s starts on the reader", d.Label(i))
		}
	}
}

// TestDemoCardsClose: Close stops the maker without waiting for every card.
func TestDemoCardsClose(t *testing.T) {
	d := demoCards(t)
	done := make(chan struct{})
	go func() { d.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Close did not return")
	}
	select {
	case <-d.Ready(d.Len() - 1):
		t.Fatal("every card made although closed at once")
	default:
	}
}

// trayHolder records what the tray hands over: "in" with a session, or "out".
type trayHolder struct{ got chan string }

func (h trayHolder) CardInserted(c *reader.Card) {
	if c == nil {
		h.got <- "in without a session"
		return
	}
	h.got <- "in"
}
func (h trayHolder) CardRemoved() { h.got <- "out" }

func (h trayHolder) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-h.got:
		return s
	case <-time.After(2 * time.Minute):
		t.Fatal("nothing handed over")
		return ""
	}
}

// TestDemoCardsTray drives the tray as the technician bar does: a card asked for while
// it is being made comes as soon as it is ready; a placed card must be taken before the
// next is selected; asking twice before the card is ready changes one's mind.
func TestDemoCardsTray(t *testing.T) {
	d := demoCards(t)
	defer d.Close()
	h := trayHolder{got: make(chan string, 4)}
	if d.Current() != d.Label(0) {
		t.Fatalf("current %q", d.Current())
	}
	d.Toggle(h) // the first card may still be in the making: it comes when ready
	if got := h.next(t); got != "in" {
		t.Fatalf("first toggle: %s", got)
	}
	if d.Card(0).Removed() {
		t.Fatal("placed card is not on the reader")
	}
	if d.Next() {
		t.Fatal("next card selected with a card on the reader")
	}
	d.Toggle(h)
	if got := h.next(t); got != "out" || !d.Card(0).Removed() {
		t.Fatalf("second toggle: %s, removed %v", got, d.Card(0).Removed())
	}
	if !d.Next() || d.Current() != d.Label(1) {
		t.Fatalf("next: current %q", d.Current())
	}
	last := d.Len() - 1
	for d.Current() != d.Label(last) {
		d.Next()
	}
	if d.Card(last) == nil { // still being made
		d.Toggle(h) // asked for…
		d.Toggle(h) // …and not wanted after all, before it is ready
		waitReady(t, d, last)
		select {
		case got := <-h.got:
			t.Fatalf("handed over %q after changing one's mind", got)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !d.Next() || d.Current() != d.Label(0) {
		t.Fatalf("the selection does not wrap: %q", d.Current())
	}
}
