package kiosk_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// realCenter is the reference center over HTTPS on loopback with the center client,
// and a virtual card whose certificate the center's test JPKI root issued. Real time,
// not a bubble: there is network I/O.
type realCenter struct {
	c  *centertest.Center
	e  *kiosk.Engine
	pr *kiosktest.Printer
	st *kiosktest.Store
}

func newRealCenter(tb testing.TB) *realCenter {
	tb.Helper()
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	cl, err := c.NewClient("kiosk-0001")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	r := &realCenter{c: c, pr: &kiosktest.Printer{}, st: &kiosktest.Store{}}
	r.e, err = kiosk.New(kiosk.Options{Center: cl, Store: r.st, Printer: r.pr,
		Municipalities: config.Demo(tb.TempDir()).Municipalities, TextIssuerKey: &readertest.Key(1003).PublicKey, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.e.Run(rctx); close(done) }()
	tb.Cleanup(func() { cancel(); <-done })
	return r
}

// card makes a virtual card for demo person i, bound at the center.
func (r *realCenter) card(tb testing.TB, i int) *readertest.Card {
	tb.Helper()
	def, err := readertest.DefaultPKI()
	if err != nil {
		tb.Fatal(err)
	}
	vc, err := readertest.NewCard(readertest.Options{PKI: &readertest.PKI{Auth: r.c.PKI().AuthCA, Sign: def.Sign},
		AuthKey: readertest.Key(1010 + i)})
	if err != nil {
		tb.Fatal(err)
	}
	if err := r.c.AddDemoPerson(context.Background(), centertest.DemoPeople()[i], vc.AuthCert()); err != nil {
		tb.Fatal(err)
	}
	return vc
}

func (r *realCenter) toPIN(tb testing.TB, vc *readertest.Card, cert int) {
	tb.Helper()
	r.e.Input(kiosk.Input{Kind: kiosk.InputStart})
	r.e.Input(kiosk.Input{Kind: kiosk.InputSelect, Arg: cert})
	r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
	r.e.CardInserted(reader.New(vc))
	waitState(tb, r.e, kiosk.StatePIN)
	for _, d := range []int{1, 2, 3, 4} {
		r.e.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
	}
}

func waitView(tb testing.TB, e *kiosk.Engine, ok func(kiosk.View) bool) kiosk.View {
	tb.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if v := e.View(); ok(v) {
			return v
		}
		select {
		case <-e.Updates():
		case <-deadline:
			tb.Fatalf("waited in %s/%s", e.View().State, e.View().Problem)
		}
	}
}

// The engine, the center client and the reference center agree on the signing input,
// the binding of the document, and the refusals.
func TestReferenceCenter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an HTTPS center")
	}
	r := newRealCenter(t)
	t.Run("issued", func(t *testing.T) {
		vc := r.card(t, 0) // adult living alone
		r.toPIN(t, vc, 0)
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		v := waitView(t, r.e, func(v kiosk.View) bool { return v.State == kiosk.StateFee || v.State == kiosk.StateProblem })
		if v.State != kiosk.StateFee || v.Fee <= 0 {
			t.Fatalf("%s/%s fee %d", v.State, v.Problem, v.Fee)
		}
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		waitState(t, r.e, kiosk.StateTake)
		jobs := r.pr.Jobs()
		job := jobs[len(jobs)-1]
		if !strings.Contains(job.Document.Content.Title, "住民票") || job.Document.Key != r.st.Last().Key() || len(job.Signature) == 0 {
			t.Fatalf("job %+v", job.Document)
		}
		found := false
		for _, s := range job.Document.Content.Sections {
			for _, row := range s.Rows {
				found = found || strings.Contains(row.Value, "見本")
			}
		}
		if !found {
			t.Errorf("document does not name the resident: %+v", job.Document.Content.Sections)
		}
		r.e.CardRemoved()
		waitState(t, r.e, kiosk.StateIdle)
	})
	for _, tc := range []struct {
		name   string
		person int
		cert   int
		want   kiosk.Problem
		why    center.Reason
	}{
		{"moved out", 5, 0, kiosk.ProblemMovedOut, ""},
		{"suspended", 6, 0, kiosk.ProblemCardSuspended, ""},
		{"under 15 seal", 4, 2, kiosk.ProblemNotEligible, center.ReasonUnderAge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc := r.card(t, tc.person)
			r.toPIN(t, vc, tc.cert)
			r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
			v := waitView(t, r.e, func(v kiosk.View) bool { return v.State == kiosk.StateProblem || v.State == kiosk.StateFee })
			if v.Problem != tc.want || v.Refusal != tc.why {
				t.Fatalf("%s/%s (%q), want %s (%q)", v.State, v.Problem, v.Refusal, tc.want, tc.why)
			}
			if got := r.st.Kinds(r.st.Last().ID()); !slices.Equal(got, []string{"voided"}) {
				t.Errorf("outbox %v", got)
			}
			r.e.Input(kiosk.Input{Kind: kiosk.InputDone})
			r.e.CardRemoved()
			waitView(t, r.e, func(v kiosk.View) bool { return v.State == kiosk.StateIdle && !v.CardPresent })
		})
	}
	// Refused one certificate, the resident takes another with the card still in place:
	// the reference center accepts a second challenge signed by the card without a
	// second PIN.
	t.Run("another certificate", func(t *testing.T) {
		vc := r.card(t, 4)
		r.toPIN(t, vc, 2)
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		v := waitView(t, r.e, func(v kiosk.View) bool { return v.State == kiosk.StateProblem })
		if !v.Another {
			t.Fatalf("no 'another certificate' after %s", v.Problem)
		}
		r.e.Input(kiosk.Input{Kind: kiosk.InputAnother})
		waitView(t, r.e, func(v kiosk.View) bool { return v.State == kiosk.StateChoose })
		r.e.Input(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		waitState(t, r.e, kiosk.StateFee)
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		waitState(t, r.e, kiosk.StateTake)
		if got := r.st.Kinds(r.st.Last().ID()); !slices.Equal(got, []string{"completed"}) {
			t.Errorf("outbox %v", got)
		}
		r.e.CardRemoved()
		waitState(t, r.e, kiosk.StateIdle)
	})
}

// BenchmarkOKToPrinterReferenceCenter is BenchmarkOKToPrinter with the reference center
// over HTTPS on loopback and the real center client (signature checks, SQLite at the
// center).
func BenchmarkOKToPrinterReferenceCenter(b *testing.B) {
	r := newRealCenter(b)
	vc := r.card(b, 0)
	started := r.pr.Started()
	var ds []time.Duration
	for b.Loop() {
		b.StopTimer()
		r.toPIN(b, vc, 0)
		b.StartTimer()
		t0 := time.Now()
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		waitState(b, r.e, kiosk.StateFee)
		r.e.Input(kiosk.Input{Kind: kiosk.InputNext})
		<-started
		ds = append(ds, time.Since(t0))
		b.StopTimer()
		waitState(b, r.e, kiosk.StateTake)
		r.e.CardRemoved()
		waitState(b, r.e, kiosk.StateIdle)
		b.StartTimer()
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
}
