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
	"madoguchi/reader/readertest"
)

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
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := c.MakeDemoCards(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer d.Close()
	people := centertest.DemoPeople()
	if d.Len() != len(people)+3 {
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
	for i := range d.Len() {
		if !d.Card(i).Removed() {
			t.Errorf("card %s starts on the reader", d.Label(i))
		}
	}
}

// TestDemoCardsClose: Close stops the maker without waiting for every card.
func TestDemoCardsClose(t *testing.T) {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := c.MakeDemoCards(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
