package offline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
)

// A kiosk's life with the store: open, recover, check before each session, journal
// the steps, and let the sync worker deliver.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "offline-example")
	defer os.RemoveAll(dir)

	// The reference center, with a resident and her card; cmd/kiosk's center is remote.
	c, err := centertest.New(ctx, centertest.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	now := time.Now()
	card, _ := c.NewCard(0, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	c.AddDemoPerson(ctx, centertest.DemoPeople()[0], card.Cert)
	client, _ := c.NewClient("kiosk-1")
	defer client.Close()
	cl := centerlink.Link{Client: client} // the queue's Sender and StatusChecker, as cmd/kiosk wires it

	s, err := offline.Open(ctx, filepath.Join(dir, "kiosk.db"), offline.Options{MinFreeDiskBytes: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	if _, err := s.Recover(ctx, cl); err != nil {
		fmt.Println(err)
		return
	}

	if err := s.CanStartSession(ctx); errors.Is(err, offline.ErrQueueFull) || errors.Is(err, offline.ErrDiskFull) {
		fmt.Println("out of service:", err)
		return
	}
	x, _ := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
	x.CardChecked()
	key, _ := x.RequestSent(ctx) // committed before the request leaves
	// The issuance request (center protocol) uses this key; the card signs it.
	centertest.IssueWith(ctx, client, card, key, center.Request{Type: center.ResidentRecord, Copies: 1})
	x.DocumentReceived(300)
	x.PrintStarted(ctx, &offline.Payment{Method: "cash", Amount: 300})
	x.Printed(ctx)
	x.Close(ctx, "card taken")

	delivered, _, err := s.SyncOnce(ctx, cl) // normally: go s.Sync(ctx, sender, status)
	fmt.Println(delivered, err, c.Faults().Stats().SortedKinds())
	// Output: 2 <nil> completed=1 payment=1
}
