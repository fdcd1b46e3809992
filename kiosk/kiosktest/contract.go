package kiosktest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"madoguchi/kiosk"
)

// JournalSubject is one implementation of the kiosk's Store port under test, fresh for
// one case of JournalContract.
type JournalSubject struct {
	Store kiosk.Store
	// Queued returns every message the store has queued for the center so far, in order:
	// Kind, Session (the journal's ID) and Detail (the payload; for an audit event it
	// holds "event").
	Queued func(t *testing.T) []Message
}

// contractCase is one walk through a journal. Each word of steps is one call: card,
// request, document, print (PrintStarted without payment), pay (PrintStarted with a
// payment of 300 yen), printed, failed, close, audit. A word prefixed with "!" is out
// of order: the call must fail and change nothing.
type contractCase struct {
	name  string
	steps string
	// want are the kinds queued for the session ("audit:<event>" for an audit event):
	// completed, voided and payment in this order; audit events in any order, since
	// offline writes them with the session's next commit, after that commit's message.
	want []string
}

var contractCases = []contractCase{
	// Legal orders and what each queues.
	{"printed", "card request document print printed close", []string{"completed"}},
	{"printed after payment", "card request document pay printed close", []string{"payment", "completed"}},
	{"print failed", "card request document print failed close", []string{"voided"}},
	{"print failed after payment", "card request document pay failed close", []string{"payment", "voided"}},
	{"closed at the intent", "close", nil},
	{"closed before the request", "card close", nil},
	{"closed after the request: voided", "card request close", []string{"voided"}},
	{"closed after the document: voided", "card request document close", []string{"voided"}},
	{"closed while printing: voided", "card request document print close", []string{"voided"}},
	{"closed while printing after payment: voided", "card request document pay close", []string{"payment", "voided"}},
	{"close twice", "card request close close", []string{"voided"}},
	// Audit events before Close are queued, also for a session that never reached the center.
	{"audit before the request", "audit card request document print printed close", []string{"audit:contract", "completed"}},
	{"audit only", "audit card close", []string{"audit:contract"}},
	{"audit between steps", "card request audit document pay printed audit close",
		[]string{"audit:contract", "payment", "completed", "audit:contract"}},
	{"audit after the outcome", "card request document print failed audit close", []string{"voided", "audit:contract"}},
	// Illegal orders are refused and change nothing.
	{"request before card", "!request card request document print printed close", []string{"completed"}},
	{"document before request", "card !document request document print printed close", []string{"completed"}},
	{"print before document", "card request !print !pay document print printed close", []string{"completed"}},
	{"outcome before print", "card request document !printed !failed print printed close", []string{"completed"}},
	{"card twice", "card !card request close", []string{"voided"}},
	{"request twice", "card request !request document print printed close", []string{"completed"}},
	{"document twice", "card request document !document print printed close", []string{"completed"}},
	{"print twice", "card request document print !print !pay printed close", []string{"completed"}},
	{"printed twice", "card request document print printed !printed !failed close", []string{"completed"}},
	{"failed then printed", "card request document print failed !printed !failed close", []string{"voided"}},
	{"skipping the card", "!request !document !print !printed close", nil},
	{"steps after close", "card request close !card !request !document !print !printed !failed", []string{"voided"}},
	{"steps after a printed close", "card request document print printed close !print !printed !failed", []string{"completed"}},
}

// JournalContract checks an implementation of the kiosk's Store port against the
// journal's contract (kiosk.Journal): the step order, legal and illegal, the messages
// each ending queues (completed after Printed, voided after PrintFailed or when Close
// ends a session that sent a request without an outcome, payment with PrintStarted,
// audit events given before Close), and invalid intents refused. open makes a fresh
// subject for each case.
func JournalContract(t *testing.T, open func(t *testing.T) JournalSubject) {
	t.Helper()
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			sub := open(t)
			if err := sub.Store.CanStartSession(ctx); err != nil {
				t.Fatalf("CanStartSession: %v", err)
			}
			j, err := sub.Store.BeginSession(ctx, kiosk.Intent{CertType: "juminhyo", Copies: 1})
			if err != nil {
				t.Fatalf("BeginSession: %v", err)
			}
			if j.ID() == "" {
				t.Fatal("a journal without an ID")
			}
			var key string
			for i, word := range strings.Fields(tc.steps) {
				name, illegal := strings.CutPrefix(word, "!")
				k, err := contractStep(ctx, j, name)
				switch {
				case illegal && err == nil:
					t.Fatalf("step %d %q: accepted out of order", i+1, name)
				case !illegal && err != nil:
					t.Fatalf("step %d %q: %v", i+1, name, err)
				case !illegal && name == "request":
					if k == "" {
						t.Fatal("RequestSent returned no issue key")
					}
					key = k
				}
			}
			checkQueued(t, sub.Queued(t), j.ID(), key, tc.want)
		})
	}
	t.Run("sessions are distinct", func(t *testing.T) {
		ctx := context.Background()
		sub := open(t)
		ids, keys := map[string]bool{}, map[string]bool{}
		for range 3 {
			j, err := sub.Store.BeginSession(ctx, kiosk.Intent{CertType: "juminhyo", Copies: 2})
			if err != nil {
				t.Fatal(err)
			}
			if err := j.CardChecked(); err != nil {
				t.Fatal(err)
			}
			k, err := j.RequestSent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ids[j.ID()] || keys[k] {
				t.Fatalf("session %s key %s seen before", j.ID(), k)
			}
			ids[j.ID()], keys[k] = true, true
			if err := j.Close(ctx, "timeout"); err != nil {
				t.Fatal(err)
			}
		}
		if got := len(sub.Queued(t)); got != 3 {
			t.Fatalf("%d messages queued, want 3 voided", got)
		}
	})
	t.Run("invalid intent", func(t *testing.T) {
		sub := open(t)
		for _, in := range []kiosk.Intent{{CertType: "", Copies: 1}, {CertType: "juminhyo", Copies: 0}} {
			if _, err := sub.Store.BeginSession(context.Background(), in); err == nil {
				t.Errorf("BeginSession(%+v) accepted", in)
			}
		}
	})
}

// contractStep makes one call of a contractCase and returns the issue key of a request.
func contractStep(ctx context.Context, j kiosk.Journal, name string) (string, error) {
	switch name {
	case "card":
		return "", j.CardChecked()
	case "request":
		return j.RequestSent(ctx)
	case "document":
		return "", j.DocumentReceived(300)
	case "print":
		return "", j.PrintStarted(ctx, nil)
	case "pay":
		return "", j.PrintStarted(ctx, &kiosk.Payment{Method: "cash", Amount: 300})
	case "printed":
		return "", j.Printed(ctx)
	case "failed":
		return "", j.PrintFailed(ctx, "paper jam")
	case "close":
		return "", j.Close(ctx, "card taken")
	case "audit":
		return "", j.Audit("contract", map[string]any{"n": 1})
	}
	panic("kiosktest: contract step " + name)
}

func checkQueued(t *testing.T, queued []Message, session, key string, want []string) {
	t.Helper()
	var got []string
	for _, m := range queued {
		if m.Session != session {
			t.Errorf("message %s for session %q, want %q", m.Kind, m.Session, session)
			continue
		}
		kind := m.Kind
		switch m.Kind {
		case "audit":
			kind += ":" + fmt.Sprint(m.Detail["event"])
		case "completed", "voided":
			if k := fmt.Sprint(m.Detail["issue_key"]); k != key {
				t.Errorf("%s for issue key %q, want %q", m.Kind, k, key)
			}
		case "payment":
			if a := fmt.Sprint(m.Detail["amount"]); a != "300" {
				t.Errorf("payment of %s, want 300", a)
			}
		}
		if m.Kind == "voided" {
			r := fmt.Sprint(m.Detail["reason"])
			if !strings.Contains(r, "paper jam") && !strings.Contains(r, "card taken") {
				t.Errorf("voided with reason %q, want the print failure's or the close's", r)
			}
		}
		got = append(got, kind)
	}
	if !slices.Equal(withoutAudits(got), withoutAudits(want)) || !slices.Equal(audits(got), audits(want)) {
		t.Errorf("queued %v, want %v (audit events in any order)", got, want)
	}
}

func withoutAudits(kinds []string) []string {
	return slices.DeleteFunc(slices.Clone(kinds), func(k string) bool { return strings.HasPrefix(k, "audit:") })
}

func audits(kinds []string) []string {
	out := slices.DeleteFunc(slices.Clone(kinds), func(k string) bool { return !strings.HasPrefix(k, "audit:") })
	slices.Sort(out)
	return out
}
