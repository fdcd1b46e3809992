package printer_test

import (
	"context"
	"fmt"
	"os"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/file"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

// The demo's wiring: layout + file back end; the engine calls Print and queues
// "completed" when Printed, "voided" otherwise.
func Example() {
	dir, err := os.MkdirTemp("", "madoguchi-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	l, err := layout.New(layout.Options{Sample: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fp, err := file.New(file.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := printer.New(printer.Options{Layout: l, PDF: fp})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	c, _ := printertest.Content(center.SealRegistration)
	out, err := p.Print(context.Background(), printer.Job{TxID: "tx-20261126-0001", Content: c})
	fmt.Println(out.Printed, out.Pages, err)

	fp.SetFault(printer.ErrPaperOut)
	out, err = p.Print(context.Background(), printer.Job{TxID: "tx-20261126-0002", Content: c})
	fmt.Println(out.Printed, out.Reason, out.Stage)
	// Output:
	// true 1 <nil>
	// false paper-out before
}
