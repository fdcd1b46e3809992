package ipp_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/ipp"
	"madoguchi/printer/layout"
	"madoguchi/printer/printertest"
)

func pdf(t testing.TB) ([]byte, int) {
	t.Helper()
	l, err := layout.New(layout.Options{Sample: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	b, n, err := l.PDF(c)
	if err != nil {
		t.Fatal(err)
	}
	return b, n
}

func open(t *testing.T, srv *printertest.IPPPrinter) *ipp.Printer {
	t.Helper()
	p, err := ipp.New(ipp.Options{URI: srv.URI, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPrintCompleted(t *testing.T) {
	srv := printertest.StartIPPPrinter(t)
	p := open(t, srv)
	st, err := p.Status(context.Background())
	if err != nil || st.Err() != nil || !st.Online {
		t.Fatalf("status %v, %v\n%s", st, err, srv.Log())
	}
	doc, pages := pdf(t)
	res, err := p.PrintPDF(context.Background(), "tx-0001", doc, pages, 1)
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.Log())
	}
	if res.Pages != pages || res.Bytes != int64(len(doc)) {
		t.Errorf("result %+v, want %d pages %d bytes", res, pages, len(doc))
	}
	got := srv.Printed(t)
	if len(got) != 1 || !bytes.Equal(got[0], doc) {
		t.Errorf("printer received %d documents; first equal to ours: %v", len(got), len(got) == 1 && bytes.Equal(got[0], doc))
	}
}

func TestJobAborted(t *testing.T) {
	tests := []struct {
		name    string
		reasons []string
		also    error // printer condition also reported, nil for none
		reason  printer.Reason
	}{
		{"no reason", nil, nil, printer.ReasonJobAborted},
		{"media empty", []string{"media-empty-error"}, printer.ErrPaperOut, printer.ReasonPaperOut},
		{"cover open", []string{"cover-open-error"}, printer.ErrCoverOpen, printer.ReasonCoverOpen},
		{"jam", []string{"media-jam-error"}, printer.ErrPaperJam, printer.ReasonPaperJam},
	}
	doc, pages := pdf(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := printertest.StartIPPPrinter(t)
			p := open(t, srv)
			if len(tt.reasons) == 0 {
				srv.FailJobs(t, "other")
			} else {
				srv.FailJobs(t, tt.reasons...)
			}
			_, err := p.PrintPDF(context.Background(), "tx-0002", doc, pages, 1)
			if !errors.Is(err, printer.ErrJobAborted) {
				t.Fatalf("err = %v, want ErrJobAborted\n%s", err, srv.Log())
			}
			if printer.StageOf(err) != printer.StageDuring {
				t.Errorf("stage %s", printer.StageOf(err))
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("err = %v, want it to wrap %v too", err, tt.also)
			}
			if r := printer.ReasonOf(err); r != tt.reason {
				t.Errorf("reason %q, want %q", r, tt.reason)
			}
			if len(srv.Printed(t)) != 0 {
				t.Error("failed job printed")
			}
			if tt.also == nil {
				return
			}
			// The printer now reports the condition: Status shows it and the next
			// job is refused before anything is sent.
			st, err := p.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(st.Err(), tt.also) {
				t.Errorf("status %v: Err() = %v, want %v", st, st.Err(), tt.also)
			}
			srv.FailJobs(t)
			_, err = p.PrintPDF(context.Background(), "tx-0003", doc, pages, 1)
			if !errors.Is(err, tt.also) || printer.StageOf(err) != printer.StageBefore {
				t.Errorf("next job: err = %v (stage %s), want %v before", err, printer.StageOf(err), tt.also)
			}
		})
	}
}

func TestCanceledWhileWaiting(t *testing.T) {
	srv := printertest.StartIPPPrinter(t)
	p := open(t, srv)
	srv.SlowJobs(t, 2*time.Second)
	doc, pages := pdf(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := p.PrintPDF(ctx, "tx-0004", doc, pages, 1)
	if !errors.Is(err, context.DeadlineExceeded) || printer.StageOf(err) != printer.StageDuring {
		t.Fatalf("err = %v", err)
	}
	if printer.ReasonOf(err) != printer.ReasonCanceled {
		t.Errorf("reason %q", printer.ReasonOf(err))
	}
}

func TestUnreachable(t *testing.T) {
	srv := printertest.StartIPPPrinter(t) // only to learn a port that then goes away
	p, err := ipp.New(ipp.Options{URI: "ipp://127.0.0.1:1/ipp/print", RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = srv
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrOffline) {
		t.Errorf("status: %v", err)
	}
	doc, pages := pdf(t)
	_, err = p.PrintPDF(context.Background(), "tx-0005", doc, pages, 1)
	if !errors.Is(err, printer.ErrOffline) || printer.StageOf(err) != printer.StageBefore {
		t.Errorf("print: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	for _, uri := range []string{"", "http://x/ipp/print", "ipp://host", "ipp:///ipp/print", "ipp://h:99999/p"} {
		if _, err := ipp.New(ipp.Options{URI: uri}); err == nil {
			t.Errorf("New(%q) accepted", uri)
		}
	}
	p, err := ipp.New(ipp.Options{URI: "ipp://127.0.0.1:1/ipp/print"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "ipp(ipp://127.0.0.1:1/ipp/print)" {
		t.Errorf("String() = %q", got)
	}
	_, err = p.PrintPDF(context.Background(), "x", []byte("not a pdf"), 1, 1)
	if !errors.Is(err, printer.ErrBadDocument) {
		t.Errorf("err = %v", err)
	}
}
