package status

import (
	"context"
	"sort"
	"strings"
	"time"

	"madoguchi/center"
	"madoguchi/offline"
)

// DefaultHealthEvery is how often a running kiosk reports its health to the center.
const DefaultHealthEvery = 5 * time.Minute

// Outbox is where health reports go and where open alerts come from (offline.Store).
type Outbox interface {
	Enqueue(ctx context.Context, kind string, payload any) error
	Alerts(ctx context.Context) ([]offline.Alert, error)
}

// ReaderState is the card reader's state as a short word (pcsc.ReaderHealth: ok,
// no_reader, pcsc_lost, connect_failed, unknown), learnt without touching a card.
type ReaderState interface {
	ReaderState() string
}

// HealthReport turns a status answer and the open alerts into the center's health
// message: version, uptime, backlog, alert names, printer and reader state as short
// words. Nothing personal (no session, no payload, no error text from a part: a printer
// that is not ready is "not_ready"). reader is the reader's state word; "": "unknown".
func HealthReport(a Answer, alerts []offline.Alert, reader string) center.HealthReport {
	h := center.HealthReport{Version: word(strings.NewReplacer(" (", "+", ")", "").Replace(a.Version), 64),
		Uptime: int64(a.UptimeS), Printer: "unknown", Reader: "unknown", At: a.Time.UTC().Format(time.RFC3339)}
	if h.Version == "" {
		h.Version = "unknown"
	}
	switch {
	case a.Printer == "ok":
		h.Printer = "ok"
	case a.Printer != "":
		h.Printer = "not_ready"
	}
	if r := word(reader, 32); r != "" {
		h.Reader = r
	}
	if a.Queue != nil {
		h.Backlog = a.Queue.Pending + a.Queue.Parked
	}
	if a.Screen == "problem" && a.Problem != "" {
		alerts = append(alerts, offline.Alert{Kind: "screen_" + a.Problem})
	}
	seen := map[string]bool{}
	for _, al := range alerts {
		if k := word(al.Kind, 48); k != "" && !seen[k] && len(seen) < 32 {
			seen[k] = true
			h.Alerts = append(h.Alerts, k)
		}
	}
	sort.Strings(h.Alerts)
	return h
}

// word keeps the characters of a health word ([A-Za-z0-9._+-]; others become _), at most n.
func word(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '+' {
			return r
		}
		return '_'
	}, s)
	return s[:min(len(s), n)]
}

// ReportHealth enqueues a health report now and then every every (DefaultHealthEvery
// when 0) until ctx ends. The outbox delivers it like any message, so the center learns
// how the kiosk was during an outage once the line is back. A report that cannot be
// queued (the queue is full) is skipped: health must never take the reserve that lets
// sessions finish.
func (s *Server) ReportHealth(ctx context.Context, out Outbox, reader ReaderState, every time.Duration) {
	if every <= 0 {
		every = DefaultHealthEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_ = s.EnqueueHealth(ctx, out, reader)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// EnqueueHealth enqueues one health report. reader nil: the reader's state is unknown.
func (s *Server) EnqueueHealth(ctx context.Context, out Outbox, reader ReaderState) error {
	a := s.Answer(ctx)
	alerts, err := out.Alerts(ctx)
	if err != nil {
		alerts = []offline.Alert{{Kind: "queue_unreadable"}}
	}
	var rs string
	if reader != nil {
		rs = reader.ReaderState()
	}
	return out.Enqueue(ctx, string(center.KindHealth), HealthReport(a, alerts, rs))
}
