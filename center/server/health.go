package server

import (
	"context"
	"fmt"
	"madoguchi/center"
	"strings"
	"time"
)

// healths returns the newest health of each kiosk.
func (s *Server) healths(ctx context.Context) (map[string]*Health, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT kiosk_id, received_at, version, uptime_s, backlog, alerts, printer, reader FROM kiosk_health`)
	if err != nil {
		return nil, fmt.Errorf("center/server: health: %w", err)
	}
	defer rows.Close()
	out := map[string]*Health{}
	for rows.Next() {
		var id, alerts string
		var at, up int64
		h := &Health{}
		if err := rows.Scan(&id, &at, &h.Version, &up, &h.Backlog, &alerts, &h.Printer, &h.Reader); err != nil {
			return nil, fmt.Errorf("center/server: health: %w", err)
		}
		h.Received, h.Uptime = time.Unix(0, at), time.Duration(up)*time.Second
		if alerts != "" {
			h.Alerts = strings.Split(alerts, ",")
		}
		out[id] = h
	}
	return out, rows.Err()
}

// storeHealth keeps a kiosk's health report unless a later one (by seq) is stored: the
// outbox may deliver an old report after a newer one.
func storeHealth(ctx context.Context, tx *txn, kiosk string, seq int64, h center.HealthReport, now int64) error {
	var newest int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM messages WHERE kiosk_id = ? AND kind = 'health'`, kiosk).Scan(&newest)
	if err != nil {
		return fmt.Errorf("messages: health: %w", err)
	}
	if newest > seq {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kiosk_health(kiosk_id, received_at, version, uptime_s, backlog, alerts, printer, reader)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(kiosk_id) DO UPDATE SET received_at = excluded.received_at,
		version = excluded.version, uptime_s = excluded.uptime_s, backlog = excluded.backlog, alerts = excluded.alerts,
		printer = excluded.printer, reader = excluded.reader`,
		kiosk, now, h.Version, h.Uptime, h.Backlog, strings.Join(h.Alerts, ","), h.Printer, h.Reader); err != nil {
		return fmt.Errorf("messages: health: %w", err)
	}
	return nil
}
