package pcsc_test

import (
	"context"
	"sync"
	"testing"

	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
)

// TestContextsAndCardsAtOnce: one goroutine connects to the card and powers it down again
// while others open and close PC/SC contexts of their own, as two card watches, or a watch
// and a diagnosis, in one process do. pcsc-lite's client library before 2.4.0 (Debian 12
// has 1.9.9, trixie 2.3.3) walks its list of contexts unlocked in SCardDisconnect while
// SCardEstablishContext and SCardReleaseContext change it under its lock; the process
// crashed with SIGSEGV in SCardDisconnect (seen under qemu-aarch64 in TestWatchCards).
// The package serializes those calls (lifecycle). A stress test: without the lock the
// crash needs an unlucky moment, which 3000 rounds natively and 60 under qemu-aarch64 did
// not hit here; with it, none can.
func TestContextsAndCardsAtOnce(t *testing.T) {
	h, _ := insert(t, readertest.Options{})
	rounds := 400
	if testing.Short() {
		rounds = 60
	}
	x, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const openers = 4
	var wg sync.WaitGroup
	errs := make(chan error, openers) // one each at most: a full channel would hang wg.Wait
	for range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				y, err := pcsc.Open()
				if err != nil {
					errs <- err
					return
				}
				if err := y.Close(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range rounds {
		c, err := x.Connect(ctx, h.ReaderName(0), pcsc.Options{})
		if err != nil {
			t.Fatalf("round %d: connect: %v", i, err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("round %d: disconnect: %v", i, err)
		}
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("open/close: %v", err)
	}
}
