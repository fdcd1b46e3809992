package kiosk_test

import (
	"context"
	"fmt"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
)

// The engine is wired with its ports, run on its own goroutine and driven by inputs;
// the screens read View after every Updates signal.
func Example() {
	e, err := kiosk.New(kiosk.Options{
		Center:         &kiosktest.Center{},
		Store:          &kiosktest.Store{},
		Printer:        &kiosktest.Printer{},
		Municipalities: []config.Municipality{kiosktest.AllDay()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx)

	e.Input(kiosk.Input{Kind: kiosk.InputStart})
	e.Input(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0}) // 住民票の写し
	timeout := time.After(5 * time.Second)
	for e.View().State != kiosk.StateOptions {
		select {
		case <-e.Updates():
		case <-timeout:
			fmt.Println("stuck in", e.View().State)
			return
		}
	}
	v := e.View()
	fmt.Println(v.State, v.Cert, v.Copies)
	// Output: options juminhyo 1
}
