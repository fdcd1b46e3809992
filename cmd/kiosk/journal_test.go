package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"madoguchi/kiosk/kiosktest"
	"madoguchi/offline"
)

// The engine's Store as the kiosk wires it (queueStore over the offline queue) keeps the
// journal's contract, as the engine's test double does (kiosktest's
// TestStoreJournalContract). What it queued is read by delivering it to a recorder.
func TestQueueStoreJournalContract(t *testing.T) {
	kiosktest.JournalContract(t, func(t *testing.T) kiosktest.JournalSubject {
		ctx := context.Background()
		st, err := offline.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), offline.Options{MinFreeDiskBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Recover(ctx, nil); err != nil {
			t.Fatal(err)
		}
		rec := &recordingSender{}
		return kiosktest.JournalSubject{Store: queueStore{st}, Queued: func(t *testing.T) []kiosktest.Message {
			if _, _, err := st.SyncOnce(ctx, rec); err != nil {
				t.Fatal(err)
			}
			return rec.got
		}}
	})
}

// recordingSender accepts every message and keeps it as the test double would have
// queued it.
type recordingSender struct{ got []kiosktest.Message }

func (r *recordingSender) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	out := make([]offline.Result, len(batch))
	for i, m := range batch {
		var p map[string]any
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			return nil, err
		}
		session, _ := p["session"].(string)
		r.got = append(r.got, kiosktest.Message{Kind: m.Kind, Session: session, Detail: p})
		out[i] = offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted}
	}
	return out, nil
}
