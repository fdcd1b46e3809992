package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"madoguchi/center"
)

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request, kiosk string) {
	var in center.MessageBatch
	if !decode(w, r, &in) {
		return
	}
	if in.KioskID != kiosk {
		writeError(w, http.StatusForbidden, center.CodeKioskMismatch, "kiosk_id does not match the TLS client certificate")
		return
	}
	if len(in.Messages) == 0 || len(in.Messages) > center.MaxBatch {
		writeError(w, http.StatusBadRequest, center.CodeBadRequest, fmt.Sprintf("a batch holds 1 to %d messages", center.MaxBatch))
		return
	}
	res, err := s.Messages(r.Context(), kiosk, in.Messages)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeValue(w, center.MessageResults{Results: res})
}

// issueRef is the part of a completed/voided/payment payload the center acts on.
type issueRef struct {
	IssueKey string `json:"issue_key"`
}

// Messages stores a batch for one kiosk in one transaction and returns one result per
// message, in order. A message's key is its idempotency key: the same key with the same
// seq, kind and payload is a duplicate; with anything else it is refused. Seq numbers are
// per kiosk; a jump forward is accepted and recorded as a gap (SequenceGaps).
func (s *Server) Messages(ctx context.Context, kiosk string, msgs []center.Message) ([]center.MessageResult, error) {
	tx, done, err := s.beginWrite(ctx, kiosk)
	if err != nil {
		return nil, fmt.Errorf("messages: begin: %w", err)
	}
	defer done()
	defer tx.Rollback()
	var maxSeq int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM messages WHERE kiosk_id = ?`, kiosk).Scan(&maxSeq); err != nil {
		return nil, fmt.Errorf("messages: max seq: %w", err)
	}
	now := s.clock.Now().UnixNano()
	out := make([]center.MessageResult, 0, len(msgs))
	for _, m := range msgs {
		outcome, reason, err := s.message(ctx, tx, kiosk, m, now)
		if err != nil {
			return nil, err
		}
		if outcome == center.OutcomeAccepted && m.Seq > maxSeq {
			if m.Seq > maxSeq+1 {
				s.log.Warn("center: sequence gap", "kiosk", kiosk, "from", maxSeq+1, "to", m.Seq-1)
			}
			maxSeq = m.Seq
		}
		out = append(out, center.MessageResult{Key: m.Key, Seq: m.Seq, Outcome: outcome, Error: reason})
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("messages: commit: %w", err)
	}
	return out, nil
}

// message handles one message inside the batch's transaction. A refusal writes nothing.
func (s *Server) message(ctx context.Context, tx *txn, kiosk string, m center.Message, now int64) (center.Outcome, string, error) {
	refused := func(format string, args ...any) (center.Outcome, string, error) {
		return center.OutcomeRefused, fmt.Sprintf(format, args...), nil
	}
	if !center.ValidKey(m.Key) {
		return refused("malformed key")
	}
	if m.Seq < 1 {
		return refused("seq must be 1 or more")
	}
	switch m.Kind {
	case center.KindCompleted, center.KindVoided, center.KindPayment, center.KindAudit, center.KindApplication, center.KindHealth:
	default:
		return refused("unknown kind %q", m.Kind)
	}
	payload := bytes.TrimSpace(m.Payload)
	if len(payload) == 0 || payload[0] != '{' || !json.Valid(payload) {
		return refused("payload must be a JSON object")
	}
	if len(payload) > center.MaxPayloadBytes {
		return refused("payload over %d bytes", center.MaxPayloadBytes)
	}
	sum := sha256.Sum256(append([]byte(string(m.Kind)+"\x00"), payload...))
	hash := hex.EncodeToString(sum[:])

	var oldSeq int64
	var oldHash string
	err := tx.QueryRowContext(ctx, `SELECT seq, payload_hash FROM messages WHERE kiosk_id = ? AND key = ?`, kiosk, m.Key).Scan(&oldSeq, &oldHash)
	switch {
	case err == nil:
		if oldSeq == m.Seq && oldHash == hash {
			return center.OutcomeDuplicate, "", nil
		}
		return refused("key already used for another message (seq %d)", oldSeq)
	case !errors.Is(err, sql.ErrNoRows):
		return "", "", fmt.Errorf("messages: key lookup: %w", err)
	}
	var other string
	err = tx.QueryRowContext(ctx, `SELECT key FROM messages WHERE kiosk_id = ? AND seq = ?`, kiosk, m.Seq).Scan(&other)
	if err == nil {
		return refused("seq %d already used by another message", m.Seq)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("messages: seq lookup: %w", err)
	}

	if m.Kind == center.KindApplication {
		if reason, err := s.application(ctx, tx, kiosk, payload, now); err != nil || reason != "" {
			if err != nil {
				return "", "", err
			}
			return refused("%s", reason)
		}
	}
	if m.Kind == center.KindHealth {
		var h center.HealthReport
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&h); err != nil {
			return refused("health payload: %v", err)
		}
		if err := h.Validate(); err != nil {
			return refused("health payload: %v", err)
		}
		if err := storeHealth(ctx, tx, kiosk, m.Seq, h, now); err != nil {
			return "", "", err
		}
	}
	var ref issueRef
	_ = json.Unmarshal(payload, &ref) // valid JSON object; a wrong-typed issue_key reads as ""
	if m.Kind != center.KindAudit && m.Kind != center.KindApplication && m.Kind != center.KindHealth && ref.IssueKey != "" || m.Kind == center.KindCompleted || m.Kind == center.KindVoided {
		if !center.ValidKey(ref.IssueKey) {
			return refused("%s needs a valid issue_key in its payload", m.Kind)
		}
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM issuances WHERE kiosk_id = ? AND key = ?`, kiosk, ref.IssueKey).Scan(&state)
		known := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", "", fmt.Errorf("messages: issuance lookup: %w", err)
		}
		switch m.Kind {
		case center.KindCompleted:
			switch {
			case !known:
				return refused("completed for unknown issuance %s", ref.IssueKey)
			case state == string(center.StateVoided):
				return refused("completed for voided issuance %s", ref.IssueKey)
			case state == string(center.StateCompleted):
				// The same message again is a duplicate (above); another one would count
				// the issuance twice.
				return refused("issuance %s already completed by another message", ref.IssueKey)
			case state == string(center.StateIssued):
				if err := setState(ctx, tx, kiosk, ref.IssueKey, center.StateCompleted, now); err != nil {
					return "", "", err
				}
			}
		case center.KindVoided:
			switch {
			case !known:
				// A void can overtake (or replace) the request it voids: record it so that
				// the key can never issue later. A timeout voids; it never reassigns.
				if _, err := tx.ExecContext(ctx, `INSERT INTO issuances(kiosk_id, key, request_hash, state, created_at, updated_at)
					VALUES (?, ?, '', 'voided', ?, ?)`, kiosk, ref.IssueKey, now, now); err != nil {
					return "", "", fmt.Errorf("messages: void tombstone: %w", err)
				}
			case state == string(center.StateCompleted):
				return refused("voided for completed issuance %s", ref.IssueKey)
			case state == string(center.StateVoided):
				return refused("issuance %s already voided by another message", ref.IssueKey)
			case state == string(center.StateIssued):
				if err := setState(ctx, tx, kiosk, ref.IssueKey, center.StateVoided, now); err != nil {
					return "", "", err
				}
			}
		case center.KindPayment:
			if !known {
				return refused("payment for unknown issuance %s", ref.IssueKey)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages(kiosk_id, key, seq, kind, payload_hash, payload, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, kiosk, m.Key, m.Seq, string(m.Kind), hash, payload, now); err != nil {
		return "", "", fmt.Errorf("messages: store: %w", err)
	}
	return center.OutcomeAccepted, "", nil
}

func setState(ctx context.Context, tx *txn, kiosk, key string, st center.IssuanceState, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE issuances SET state = ?, updated_at = ? WHERE kiosk_id = ? AND key = ?`,
		string(st), now, kiosk, key); err != nil {
		return fmt.Errorf("messages: set %s: %w", st, err)
	}
	return nil
}

// Gap is a run of sequence numbers a kiosk has not delivered: From..To inclusive.
type Gap struct{ From, To int64 }

// SequenceGaps lists the missing sequence numbers of a kiosk between 1 and the highest
// one received: messages lost or still queued out of order. Operators look at these.
func (s *Server) SequenceGaps(ctx context.Context, kiosk string) ([]Gap, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT seq FROM messages WHERE kiosk_id = ? ORDER BY seq`, kiosk)
	if err != nil {
		return nil, fmt.Errorf("sequence gaps: %w", err)
	}
	defer rows.Close()
	var gaps []Gap
	var prev int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("sequence gaps: %w", err)
		}
		if seq > prev+1 {
			gaps = append(gaps, Gap{From: prev + 1, To: seq - 1})
		}
		prev = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sequence gaps: %w", err)
	}
	return gaps, nil
}

// Kiosks lists the kiosk ids that have sent messages or issuance requests.
func (s *Server) Kiosks(ctx context.Context) ([]string, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT kiosk_id FROM messages UNION SELECT kiosk_id FROM issuances ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("kiosks: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("kiosks: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
