package offline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"madoguchi/offline"
	"madoguchi/offline/offlinetest"
)

// A kiosk's life with the store: open, recover, check before each session, journal
// the steps, and let the sync worker deliver.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "offline-example")
	defer os.RemoveAll(dir)

	center := offlinetest.NewCenter() // cmd/kiosk passes an adapter onto the center client
	center.Start()
	defer center.Stop()
	cl := &offlinetest.Client{BaseURL: center.URL(), KioskID: "kiosk-1"}

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
	cl.Issue(ctx, key)           // the issuance request (center protocol) uses this key
	x.DocumentReceived(300)
	x.PrintStarted(ctx, &offline.Payment{Method: "cash", Amount: 300})
	x.Printed(ctx)
	x.Close(ctx, "card taken")

	delivered, _, err := s.SyncOnce(ctx, cl) // normally: go s.Sync(ctx, sender, status)
	fmt.Println(delivered, err, center.Stats().SortedKinds())
	// Output: 2 <nil> completed=1 payment=1
}
