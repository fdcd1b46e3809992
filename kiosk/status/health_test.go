package status_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/kiosk/status"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
)

func TestHealthReport(t *testing.T) {
	at := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		a      status.Answer
		alerts []offline.Alert
		reader string
		want   center.HealthReport
	}{
		{"all well", status.Answer{Version: "1.4.0 (abc123)", UptimeS: 3600, Printer: "ok", Time: at, Queue: &offline.Stats{Pending: 2, Parked: 1}}, nil, "ok",
			center.HealthReport{Version: "1.4.0+abc123", Uptime: 3600, Backlog: 3, Printer: "ok", Reader: "ok", At: "2026-11-25T03:00:00Z"}},
		{"printer error text never sent", status.Answer{Version: "dev", Printer: "paper out: 見本 tray <1>", Time: at}, nil, "no_reader",
			center.HealthReport{Version: "dev", Printer: "not_ready", Reader: "no_reader", At: "2026-11-25T03:00:00Z"}},
		{"a reader word is kept a word", status.Answer{Version: "dev", Time: at}, nil, "bad word <x>",
			center.HealthReport{Version: "dev", Printer: "unknown", Reader: "bad_word__x_", At: "2026-11-25T03:00:00Z"}},
		{"alerts once each, sorted, as words; the problem screen too", status.Answer{Screen: "problem", Problem: "out-of-service", Time: at},
			[]offline.Alert{{Kind: "session_recovered", Detail: "見本　花子"}, {Kind: "message_parked"}, {Kind: "session_recovered"}, {Kind: "bad kind!"}}, "",
			center.HealthReport{Version: "unknown", Printer: "unknown", Reader: "unknown", At: "2026-11-25T03:00:00Z",
				Alerts: []string{"bad_kind_", "message_parked", "screen_out-of-service", "session_recovered"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := status.HealthReport(tc.a, tc.alerts, tc.reader)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("the center would refuse it: %v", err)
			}
		})
	}
}

// TestHealthReachesCenter: a health report goes through the real outbox and the real
// center link to the reference center, whose fleet view then shows it.
func TestHealthReachesCenter(t *testing.T) {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := c.NewClient("h-kiosk")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	st, err := offline.Open(ctx, path, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := status.NewServer(status.Kiosk{ID: "h-kiosk", Version: "1.4.0 (abc123)", QueuePath: path},
		status.Sources{Printer: fakePrinter{errors.New("paper out")}})
	if err := s.EnqueueHealth(ctx, st, fixedReader("pcsc_lost")); err != nil {
		t.Fatal(err)
	}
	if delivered, parked, err := st.SyncOnce(ctx, centerlink.Link{Client: cl}); err != nil || delivered != 1 || parked != 0 {
		t.Fatalf("sync: %d delivered, %d parked, %v", delivered, parked, err)
	}
	fleet, err := c.Server().Fleet(ctx)
	if err != nil || len(fleet) != 1 || fleet[0].Health == nil {
		t.Fatalf("fleet %+v %v", fleet, err)
	}
	h := fleet[0].Health
	if h.Version != "1.4.0+abc123" || h.Printer != "not_ready" || h.Reader != "pcsc_lost" {
		t.Fatalf("health at the center %+v", h)
	}
}

// fixedReader is a reader state that never changes.
type fixedReader string

func (f fixedReader) ReaderState() string { return string(f) }
