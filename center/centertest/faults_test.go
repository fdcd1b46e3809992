package centertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

func auditBatch(from, n int) []center.Message {
	out := make([]center.Message, n)
	for i := range out {
		seq := int64(from + i)
		out[i] = center.Message{Seq: seq, Key: fmt.Sprintf("key-%016d", seq), Kind: center.KindAudit,
			Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, seq))}
	}
	return out
}

func faultCenter(t *testing.T) (*centertest.Center, *center.Client) {
	t.Helper()
	c, err := centertest.New(context.Background(), centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	o, err := c.ClientOptions("k1")
	if err != nil {
		t.Fatal(err)
	}
	o.RequestTimeout = 300 * time.Millisecond
	cl, err := center.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	c.Faults().SetSlowDelay(time.Second)
	return c, cl
}

// TestFaults: each fault as the kiosk sees it (an error, or fewer results), and whether
// the center applied the batch (a resend is then answered "duplicate").
func TestFaults(t *testing.T) {
	tests := []struct {
		fault   centertest.Fault
		wantErr bool
		results int  // results in the faulty answer, when it is not an error
		applied bool // the center stored the batch despite the fault
	}{
		{centertest.FaultNone, false, 4, true},
		{centertest.FaultReset, true, 0, false},
		{centertest.Fault5xx, true, 0, false},
		{centertest.FaultSlow, true, 0, true},
		{centertest.FaultDropReply, true, 0, true},
		{centertest.FaultGarbage, true, 0, true},
		{centertest.FaultGarbageNoApply, true, 0, false},
		{centertest.FaultPartialReply, false, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.fault.String(), func(t *testing.T) {
			ctx := context.Background()
			c, cl := faultCenter(t)
			batch := auditBatch(1, 4)
			c.Faults().Inject(tc.fault)
			res, err := cl.SendMessages(ctx, batch)
			if (err != nil) != tc.wantErr || len(res) != tc.results {
				t.Fatalf("faulty upload: %d results, %v; want %d results, error %v", len(res), err, tc.results, tc.wantErr)
			}
			if err != nil && !errors.Is(err, center.ErrRetryLater) {
				t.Fatalf("faulty upload: %v, want ErrRetryLater (the kiosk retries)", err)
			}
			for _, r := range res {
				if r.Outcome != center.OutcomeAccepted {
					t.Fatalf("faulty upload: %+v", r)
				}
			}
			// The same batch again, without a fault.
			res, err = cl.SendMessages(ctx, batch)
			if err != nil || len(res) != len(batch) {
				t.Fatalf("resend: %d results, %v", len(res), err)
			}
			want := center.OutcomeAccepted
			if tc.applied {
				want = center.OutcomeDuplicate
			}
			for i, r := range res {
				if r.Outcome != want || r.Key != batch[i].Key {
					t.Fatalf("resend result %d: %+v, want %s for %s", i, r, want, batch[i].Key)
				}
			}
			st := c.Faults().Stats()
			dups := 0
			if tc.applied {
				dups = len(batch)
			}
			if st.Uploads != 2 || st.Accepted != len(batch) || st.Duplicates != dups || st.Refused != 0 || len(st.Conflicts) != 0 ||
				st.SortedKinds() != "audit=4" {
				t.Fatalf("stats = %+v", st)
			}
			if gaps, top := c.Faults().Gaps("k1"); len(gaps) != 0 || top != 4 {
				t.Fatalf("gaps %v, highest %d", gaps, top)
			}
		})
	}
}

// Faults are used up one per upload, in order.
func TestFaultQueue(t *testing.T) {
	ctx := context.Background()
	c, cl := faultCenter(t)
	c.Faults().Inject(centertest.Fault5xx, centertest.FaultNone, centertest.FaultReset)
	var errs []bool
	for i := range 4 {
		_, err := cl.SendMessages(ctx, auditBatch(i+1, 1))
		errs = append(errs, err != nil)
	}
	if !slices.Equal(errs, []bool{true, false, true, false}) {
		t.Fatalf("failed uploads %v", errs)
	}
	if gaps, top := c.Faults().Gaps("k1"); !slices.Equal(gaps, []int64{1, 3}) || top != 4 {
		t.Fatalf("gaps %v, highest %d; want [1 3], 4", gaps, top)
	}
}

// The Refuse hook refuses single messages without the center seeing them; the rest of
// the batch is stored, and the answer keeps the batch's order.
func TestRefuseHook(t *testing.T) {
	ctx := context.Background()
	c, cl := faultCenter(t)
	c.Faults().Refuse(func(kiosk string, m center.Message) string {
		if kiosk == "k1" && m.Seq%2 == 0 {
			return "even"
		}
		return ""
	})
	batch := auditBatch(1, 5)
	res, err := cl.SendMessages(ctx, batch)
	if err != nil || len(res) != len(batch) {
		t.Fatalf("upload: %d results, %v", len(res), err)
	}
	for i, r := range res {
		want, reason := center.OutcomeAccepted, ""
		if batch[i].Seq%2 == 0 {
			want, reason = center.OutcomeRefused, "even"
		}
		if r.Key != batch[i].Key || r.Outcome != want || r.Error != reason {
			t.Fatalf("result %d = %+v, want %s %q", i, r, want, reason)
		}
	}
	if gaps, top := c.Faults().Gaps("k1"); !slices.Equal(gaps, []int64{2, 4}) || top != 5 {
		t.Fatalf("gaps %v, highest %d", gaps, top)
	}
	// A batch the hook refuses whole never reaches the center.
	res, err = cl.SendMessages(ctx, []center.Message{batch[1], batch[3]})
	if err != nil || len(res) != 2 || res[0].Outcome != center.OutcomeRefused || res[1].Outcome != center.OutcomeRefused {
		t.Fatalf("all refused: %+v, %v", res, err)
	}
	// Once the hook is gone the refused messages are judged by the center.
	c.Faults().Refuse(nil)
	res, err = cl.SendMessages(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		want := center.OutcomeDuplicate
		if batch[i].Seq%2 == 0 {
			want = center.OutcomeAccepted
		}
		if r.Outcome != want {
			t.Fatalf("after the hook: result %d = %+v, want %s", i, r, want)
		}
	}
	st := c.Faults().Stats()
	if st.Accepted != 5 || st.Refused != 4 || st.Duplicates != 3 || len(st.Conflicts) != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if gaps, _ := c.Faults().Gaps("k1"); len(gaps) != 0 {
		t.Fatalf("gaps %v", gaps)
	}
}

// The center's own refusals of single messages are conflicts: the kiosk did something
// the protocol forbids.
func TestConflicts(t *testing.T) {
	ctx := context.Background()
	c, cl := faultCenter(t)
	m := auditBatch(1, 1)[0]
	if _, err := cl.SendMessages(ctx, []center.Message{m}); err != nil {
		t.Fatal(err)
	}
	other := m
	other.Payload = json.RawMessage(`{"i":"changed"}`)
	res, err := cl.SendMessages(ctx, []center.Message{other})
	if err != nil || len(res) != 1 || res[0].Outcome != center.OutcomeRefused {
		t.Fatalf("key reused: %+v, %v", res, err)
	}
	st := c.Faults().Stats()
	if st.Refused != 1 || len(st.Conflicts) != 1 || !strings.Contains(st.Conflicts[0], m.Key) {
		t.Fatalf("stats = %+v", st)
	}
}

// Down closes the port; Up serves the same database on the same port again.
func TestDownUp(t *testing.T) {
	ctx := context.Background()
	c, cl := faultCenter(t)
	url := c.URL()
	if _, err := cl.SendMessages(ctx, auditBatch(1, 1)); err != nil {
		t.Fatal(err)
	}
	c.Down()
	c.Down() // twice is harmless
	if _, err := cl.SendMessages(ctx, auditBatch(2, 1)); !errors.Is(err, center.ErrRetryLater) {
		t.Fatalf("upload to a center that is down: %v", err)
	}
	if err := c.Up(); err != nil {
		t.Fatal(err)
	}
	if err := c.Up(); err != nil { // and so is Up while up
		t.Fatal(err)
	}
	if c.URL() != url {
		t.Fatalf("URL after Up %s, before %s", c.URL(), url)
	}
	res, err := cl.SendMessages(ctx, auditBatch(1, 2))
	if err != nil || len(res) != 2 || res[0].Outcome != center.OutcomeDuplicate || res[1].Outcome != center.OutcomeAccepted {
		t.Fatalf("after Up: %+v, %v", res, err)
	}
	c.Down()
	if err := c.Close(); err != nil { // Close of a center that is down
		t.Fatal(err)
	}
}

func TestFaultString(t *testing.T) {
	for f, want := range map[centertest.Fault]string{centertest.FaultNone: "none", centertest.FaultPartialReply: "partial-reply",
		centertest.Fault(-1): "fault(-1)", centertest.Fault(99): "fault(99)"} {
		if got := f.String(); got != want {
			t.Errorf("Fault(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}
