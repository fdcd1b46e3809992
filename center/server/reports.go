package server

import (
	"context"
	"fmt"
	"sort"
	"time"

	"madoguchi/config"
)

// KioskSummary is one kiosk as the console's fleet page shows it: nothing personal.
type KioskSummary struct {
	ID          string
	LastContact time.Time // the newest message or issuance request
	Issuances   int       // documents issued (not void tombstones)
	Messages    int
	Missing     int64 // sequence numbers missing between 1 and the highest received
	Health      *Health
}

// Health is the newest health message of a kiosk (KindHealth): what it runs and how it
// is, never anything about a resident.
type Health struct {
	Received time.Time
	Version  string
	Uptime   time.Duration
	Backlog  int      // undelivered outbox messages
	Alerts   []string // open alerts, by name
	Printer  string   // e.g. ok, paper_low, offline
	Reader   string   // e.g. ok, no_reader
}

// Fleet lists every kiosk that has talked to the center, by id.
func (s *Server) Fleet(ctx context.Context) ([]KioskSummary, error) {
	byID := map[string]*KioskSummary{}
	get := func(id string) *KioskSummary {
		k := byID[id]
		if k == nil {
			k = &KioskSummary{ID: id}
			byID[id] = k
		}
		return k
	}
	rows, err := s.q().QueryContext(ctx, `SELECT kiosk_id, count(*), coalesce(max(seq), 0), coalesce(max(received_at), 0) FROM messages GROUP BY kiosk_id`)
	if err != nil {
		return nil, fmt.Errorf("center/server: fleet: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		var maxSeq, last int64
		if err := rows.Scan(&id, &n, &maxSeq, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("center/server: fleet: %w", err)
		}
		k := get(id)
		k.Messages, k.Missing = n, maxSeq-int64(n)
		k.LastContact = time.Unix(0, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("center/server: fleet: %w", err)
	}
	rows, err = s.q().QueryContext(ctx, `SELECT kiosk_id, count(*) FILTER (WHERE request_hash != ''), max(updated_at) FROM issuances GROUP BY kiosk_id`)
	if err != nil {
		return nil, fmt.Errorf("center/server: fleet: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		var last int64
		if err := rows.Scan(&id, &n, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("center/server: fleet: %w", err)
		}
		k := get(id)
		k.Issuances = n
		if t := time.Unix(0, last); t.After(k.LastContact) {
			k.LastContact = t
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("center/server: fleet: %w", err)
	}
	hs, err := s.healths(ctx)
	if err != nil {
		return nil, err
	}
	for id, h := range hs {
		get(id).Health = h
	}
	out := make([]KioskSummary, 0, len(byID))
	for _, k := range byID {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DayCount is the number of documents of one type issued on one day (JST).
type DayCount struct {
	Day   string // YYYY-MM-DD, JST
	Type  string
	Count int
}

// DailyIssuances counts the documents issued per JST day and type over the last days
// days (today included), newest day first.
func (s *Server) DailyIssuances(ctx context.Context, days int) ([]DayCount, error) {
	now := s.clock.Now().In(config.JST)
	y, m, d := now.Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, config.JST).AddDate(0, 0, -(days - 1))
	rows, err := s.q().QueryContext(ctx, `SELECT created_at, cert_type FROM issuances WHERE request_hash != '' AND created_at >= ?`, from.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("center/server: daily issuances: %w", err)
	}
	defer rows.Close()
	counts := map[[2]string]int{}
	for rows.Next() {
		var at int64
		var typ string
		if err := rows.Scan(&at, &typ); err != nil {
			return nil, fmt.Errorf("center/server: daily issuances: %w", err)
		}
		counts[[2]string{time.Unix(0, at).In(config.JST).Format("2006-01-02"), typ}]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("center/server: daily issuances: %w", err)
	}
	out := make([]DayCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, DayCount{Day: k[0], Type: k[1], Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Day != out[j].Day {
			return out[i].Day > out[j].Day
		}
		return out[i].Type < out[j].Type
	})
	return out, nil
}

// Suspension is one row of the revocation table.
type Suspension struct {
	Issuer, Serial, Reason string
	At                     time.Time
}

// Suspensions lists the suspended certificates, newest first.
func (s *Server) Suspensions(ctx context.Context, limit int) ([]Suspension, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT issuer, serial, revoked_at, reason FROM revocations ORDER BY revoked_at DESC, serial LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("center/server: suspensions: %w", err)
	}
	defer rows.Close()
	var out []Suspension
	for rows.Next() {
		var x Suspension
		var at int64
		if err := rows.Scan(&x.Issuer, &x.Serial, &at, &x.Reason); err != nil {
			return nil, fmt.Errorf("center/server: suspensions: %w", err)
		}
		x.At = time.Unix(at, 0)
		out = append(out, x)
	}
	return out, rows.Err()
}
