package offline_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/offline"
)

// acceptAll is a center that takes every message.
type acceptAll struct{ got []offline.Message }

func (a *acceptAll) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	var res []offline.Result
	for _, m := range batch {
		a.got = append(a.got, m)
		res = append(res, offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted})
	}
	return res, nil
}

// TestApplicationLeavesNothing: a delivered application (personal data: the signing
// certificate holds name and address) is deleted at once, and no byte of it remains in
// the queue file, its WAL or free pages; other messages keep their retention.
func TestApplicationLeavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openStore(t, path, offline.Options{})
	recovered(t, s)
	personal := []string{"見本花子の住所ABCDEFGH", "PERSONAL-MARKER-0123456789"}
	payload := map[string]any{"number": "K1-APP-000001", "signed_data": []byte(personal[0] + personal[1])}
	if err := s.Enqueue(ctx, offline.KindApplication, payload); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "form_printed"}); err != nil {
		t.Fatal(err)
	}
	scan := func() (found bool) {
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for _, p := range personal {
				// the payload is JSON: the signed data is base64 of these bytes
				if bytes.Contains(b, []byte(p)) || bytes.Contains(b, []byte("6KaL5pys6Iqx5a2Q")) {
					found = true
				}
			}
		}
		return found
	}
	if !scan() {
		t.Fatal("the application is not in the queue before delivery (test would be vacuous)")
	}
	snd := &acceptAll{}
	if n, _, err := s.SyncOnce(ctx, snd); err != nil || n != 2 {
		t.Fatalf("sync: %d delivered, %v", n, err)
	}
	if len(snd.got) != 2 || snd.got[0].Kind != offline.KindApplication {
		t.Fatalf("sent %+v", snd.got)
	}
	if scan() {
		t.Fatal("the delivered application is still in the queue file or its WAL")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if scan() {
		t.Fatal("the delivered application is in the files after close")
	}
	s2 := openStore(t, path, offline.Options{})
	recovered(t, s2)
	if n, _, err := s2.SyncOnce(ctx, snd); err != nil || n != 0 || len(snd.got) != 2 {
		t.Fatalf("after a restart: %d more delivered, %v (sent %d in all)", n, err, len(snd.got))
	}
}

// refuseKinds is a center that refuses every message of one kind and takes the rest.
type refuseKinds struct{ kind, reason string }

func (r refuseKinds) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	var res []offline.Result
	for _, m := range batch {
		out := offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted}
		if m.Kind == r.kind {
			out.Outcome, out.Error = offline.Refused, r.reason
		}
		res = append(res, out)
	}
	return res, nil
}

// TestParkedApplicationDiscarded: an application the center refused stays parked with
// the resident's data only until a technician discards it or its retention runs out;
// then no byte of it remains in the queue file or its WAL, and an audit event with the
// number, the refusal and why (never the payload) goes to the center in its place.
// Nothing else can be discarded.
func TestParkedApplicationDiscarded(t *testing.T) {
	personal := "PARKED-PERSONAL-見本花子-0123456789"
	encoded := base64.StdEncoding.EncodeToString([]byte(personal))[:24] // how the JSON payload holds it
	tests := []struct {
		name    string
		discard func(t *testing.T, s *offline.Store, clk *fakeClock, seq int64) error
		why     string
		alert   bool
	}{
		{"by the technician", func(_ *testing.T, s *offline.Store, _ *fakeClock, seq int64) error {
			return s.DiscardApplication(context.Background(), seq, offline.DiscardByTechnician)
		}, offline.DiscardByTechnician, false},
		{"after the retention", func(t *testing.T, s *offline.Store, clk *fakeClock, _ int64) error {
			clk.Advance(71 * time.Hour) // not yet
			if n, err := s.Prune(context.Background()); err != nil || n != 0 {
				t.Fatalf("prune before the retention: %d, %v", n, err)
			}
			clk.Advance(2 * time.Hour)
			n, err := s.Prune(context.Background())
			if n != 1 {
				t.Errorf("prune after the retention discarded %d", n)
			}
			return err
		}, offline.DiscardByRetention, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kiosk.db")
			clk := newFakeClock()
			s := openStore(t, path, offline.Options{Clock: clk, ParkedApplicationRetention: 72 * time.Hour})
			recovered(t, s)
			if err := s.Enqueue(ctx, offline.KindApplication, map[string]any{"number": "K1-APP-000007", "signed_data": []byte(personal)}); err != nil {
				t.Fatal(err)
			}
			if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "refuse-me"}); err != nil {
				t.Fatal(err)
			}
			if n, parked, err := s.SyncOnce(ctx, refuseKinds{offline.KindApplication, "signing certificate revoked"}); err != nil || n != 1 || parked != 1 {
				t.Fatalf("sync: %d delivered, %d parked, %v", n, parked, err)
			}
			inFiles := func() bool {
				for _, f := range []string{path, path + "-wal"} {
					b, err := os.ReadFile(f)
					if err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					if bytes.Contains(b, []byte(encoded)) {
						return true
					}
				}
				return false
			}
			if !inFiles() {
				t.Fatal("the parked application is not in the queue's files (the scan would be vacuous)")
			}
			pm, err := s.Parked(ctx)
			if err != nil || len(pm) != 1 {
				t.Fatalf("parked %+v, %v", pm, err)
			}
			if err := s.DiscardApplication(ctx, pm[0].Seq+1, offline.DiscardByTechnician); !errors.Is(err, offline.ErrNotParkedApplication) {
				t.Errorf("discarding a delivered audit event: %v", err)
			}
			if err := tc.discard(t, s, clk, pm[0].Seq); err != nil {
				t.Fatal(err)
			}
			if inFiles() {
				t.Error("the discarded application is still in the queue file or its WAL")
			}
			if pm, _ := s.Parked(ctx); len(pm) != 0 {
				t.Errorf("still parked: %+v", pm)
			}
			snd := &acceptAll{}
			if n, _, err := s.SyncOnce(ctx, snd); err != nil || n != 1 {
				t.Fatalf("the audit event: %d delivered, %v", n, err)
			}
			var ev struct {
				Event  string
				Detail map[string]any
			}
			if err := json.Unmarshal(snd.got[0].Payload, &ev); err != nil || ev.Event != offline.EventApplicationDiscarded ||
				ev.Detail["number"] != "K1-APP-000007" || ev.Detail["why"] != tc.why || ev.Detail["reason"] != "signing certificate revoked" {
				t.Errorf("audit event %s (%v)", snd.got[0].Payload, err)
			}
			if bytes.Contains(snd.got[0].Payload, []byte(encoded)) {
				t.Error("the audit event carries the payload")
			}
			alerts, err := s.Alerts(ctx)
			got := false
			for _, a := range alerts {
				got = got || a.Kind == offline.EventApplicationDiscarded
			}
			if err != nil || got != tc.alert {
				t.Errorf("alert %s raised: %v, want %v (%v)", offline.EventApplicationDiscarded, got, tc.alert, err)
			}
			if err := s.DiscardApplication(ctx, pm[0].Seq, offline.DiscardByTechnician); !errors.Is(err, offline.ErrNotParkedApplication) {
				t.Errorf("discarding it twice: %v", err)
			}
		})
	}
}
