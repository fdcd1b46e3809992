package queuetool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/offline"
	"madoguchi/offline/queuetool"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// fakeQueue is a queue of one parked and one pending message and one alert.
type fakeQueue struct {
	err      error
	requeued []int64
	acked    []int64
}

func (f *fakeQueue) Stats(context.Context, time.Time) (offline.Stats, error) {
	old := t0.Add(-90 * time.Second)
	return offline.Stats{Pending: 1, Parked: 1, Delivered: 5, UndeliveredB: 3 << 20, Oldest: &old, OldestAgeS: 90, LastSeq: 7, Alerts: 1}, f.err
}

func (f *fakeQueue) List(_ context.Context, _ time.Time, states ...offline.MessageState) ([]offline.MessageInfo, error) {
	rows := []offline.MessageInfo{
		{Seq: 6, Kind: offline.KindAudit, State: offline.StateParked, Attempts: 2, LastError: "unknown issue key", AgeS: 120, Key: "k6"},
		{Seq: 7, Kind: offline.KindAudit, State: offline.StatePending, AgeS: 90, Key: "k7"},
	}
	if states == nil {
		rows = append([]offline.MessageInfo{{Seq: 5, Kind: offline.KindAudit, State: offline.StateDelivered, Attempts: 1, Key: "k5"}}, rows...)
	}
	return rows, f.err
}

func (f *fakeQueue) Alerts(context.Context) ([]offline.Alert, error) {
	return []offline.Alert{{ID: 3, At: t0, Kind: "message_parked", Detail: "seq 6 refused"}}, f.err
}

func (f *fakeQueue) QuickCheck(context.Context) (string, error) { return "ok", f.err }

func (f *fakeQueue) Parked(context.Context) ([]offline.ParkedMessage, error) {
	return []offline.ParkedMessage{{Message: offline.Message{Seq: 6}}}, f.err
}

func (f *fakeQueue) Requeue(_ context.Context, seq int64) error {
	if seq == 99 {
		return errors.New("not parked")
	}
	f.requeued = append(f.requeued, seq)
	return nil
}

func (f *fakeQueue) AckAlert(_ context.Context, id int64) error {
	f.acked = append(f.acked, id)
	return nil
}

func TestReports(t *testing.T) {
	ctx := context.Background()
	caps := offline.Options{MaxPending: 100, MaxPendingBytes: 8 << 20, MaxPendingAge: time.Hour}
	tests := []struct {
		name string
		run  func(q *fakeQueue, w *bytes.Buffer) error
		want string
	}{
		{"stats", func(q *fakeQueue, w *bytes.Buffer) error {
			return queuetool.Stats(ctx, q, w, false, "q.db", caps, t0)
		}, "queue            q.db\npending          1\nparked           1\n" +
			"undelivered      3.0 MiB (cap 8.0 MiB), 2 messages (cap 100)\n" +
			"oldest           2026-12-01T08:58:30Z (1m30s ago; cap 1h0m0s)\ndelivered, kept  5\n" +
			"last seq         7\nopen sessions    0 (flagged 0)\nalerts           1\n"},
		{"stats json", func(q *fakeQueue, w *bytes.Buffer) error {
			return queuetool.Stats(ctx, q, w, true, "q.db", caps, t0)
		}, "{\n  \"pending\": 1,\n  \"parked\": 1,\n  \"delivered\": 5,\n"},
		{"list", func(q *fakeQueue, w *bytes.Buffer) error { return queuetool.List(ctx, q, w, false, false, t0) },
			"SEQ  KIND   STATE    ATTEMPTS  AGE    KEY  LAST ERROR\n" +
				"6    audit  parked   2         2m0s   k6   unknown issue key\n" +
				"7    audit  pending  0         1m30s  k7   \n"},
		{"list all", func(q *fakeQueue, w *bytes.Buffer) error { return queuetool.List(ctx, q, w, false, true, t0) },
			"SEQ  KIND   STATE      ATTEMPTS  AGE    KEY  LAST ERROR\n5    audit  delivered  1         0s     k5   \n"},
		{"alerts", func(q *fakeQueue, w *bytes.Buffer) error { return queuetool.Alerts(ctx, q, w, false) },
			"3  2026-12-01T09:00:00Z  message_parked  seq 6 refused\n"},
		{"alerts json", func(q *fakeQueue, w *bytes.Buffer) error { return queuetool.Alerts(ctx, q, w, true) },
			"[\n  {\n    \"id\": 3,\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			if err := tt.run(&fakeQueue{}, &w); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(w.String(), tt.want) {
				t.Errorf("got\n%s\nwant (prefix)\n%s", w.String(), tt.want)
			}
			w.Reset()
			if err := tt.run(&fakeQueue{err: errors.New("locked")}, &w); err == nil {
				t.Errorf("no error from a failing queue")
			}
		})
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	ex, err := queuetool.Collect(ctx, &fakeQueue{}, queuetool.Export{KioskID: "k1", Version: "v"}, t0)
	if err != nil || ex.Format != queuetool.ExportFormat || len(ex.Messages) != 3 || len(ex.Alerts) != 1 || ex.QuickCheck != "ok" || !ex.Exported.Equal(t0) {
		t.Fatalf("export %+v, %v", ex, err)
	}
	path := filepath.Join(t.TempDir(), "ex.json")
	if err := queuetool.WriteFile(path, ex); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	if err := queuetool.WriteFile(path, ex); !errors.Is(err, queuetool.ErrExists) {
		t.Fatalf("second export: %v", err)
	}
}

func TestWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name           string
		run            func(q *fakeQueue, out, errw *bytes.Buffer) int
		code           int
		out, errOut    string
		requeued, acks int
	}{
		{"retry one", func(q *fakeQueue, o, e *bytes.Buffer) int {
			return queuetool.Retry(ctx, q, []int64{7}, false, "p", o, e)
		},
			0, "seq 7 back in the queue\n" + queuetool.RestartHint + "\n", "", 1, 0},
		{"retry all parked", func(q *fakeQueue, o, e *bytes.Buffer) int { return queuetool.Retry(ctx, q, nil, true, "p", o, e) },
			0, "seq 6 back in the queue\n", "", 1, 0},
		{"retry refused", func(q *fakeQueue, o, e *bytes.Buffer) int {
			return queuetool.Retry(ctx, q, []int64{99}, false, "p", o, e)
		},
			1, "", "p: seq 99: not parked\n", 0, 0},
		{"ack", func(q *fakeQueue, o, e *bytes.Buffer) int { return queuetool.Ack(ctx, q, []int64{3}, false, "p", o, e) },
			0, "alert 3 acknowledged\n", "", 0, 1},
		{"ack all", func(q *fakeQueue, o, e *bytes.Buffer) int { return queuetool.Ack(ctx, q, nil, true, "p", o, e) },
			0, "alert 3 acknowledged\n", "", 0, 1},
		{"ack unknown", func(q *fakeQueue, o, e *bytes.Buffer) int { return queuetool.Ack(ctx, q, []int64{4}, false, "p", o, e) },
			1, "", "p: no open alert 4\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeQueue{}
			var o, e bytes.Buffer
			if code := tt.run(q, &o, &e); code != tt.code || !strings.HasPrefix(o.String(), tt.out) || e.String() != tt.errOut {
				t.Errorf("code %d, out %q, err %q", code, o.String(), e.String())
			}
			if len(q.requeued) != tt.requeued || len(q.acked) != tt.acks {
				t.Errorf("requeued %v, acked %v", q.requeued, q.acked)
			}
		})
	}
}

func TestParseIDs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{{[]string{"1", "22"}, true}, {nil, true}, {[]string{"0"}, false}, {[]string{"-3"}, false}, {[]string{"x"}, false}} {
		if ids, err := queuetool.ParseIDs(tt.args); (err == nil) != tt.ok || (tt.ok && len(ids) != len(tt.args)) {
			t.Errorf("ParseIDs(%q) = %v, %v", tt.args, ids, err)
		}
	}
}

func TestSummary(t *testing.T) {
	got := strings.Join(queuetool.Summary(context.Background(), &fakeQueue{}, t0), "\n")
	want := "pending 1, parked 1, 3.0 MiB undelivered\noldest undelivered 1m30s ago\ndelivered (kept) 5, last seq 7\n" +
		"parked: see `kiosk queue list`, then `kiosk queue retry`\nalerts 1\n3 message_parked seq 6 refused"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
