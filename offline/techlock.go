package offline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// techLockKey is the meta row of technician mode's lock-out: "<failures> <locked>".
const techLockKey = "tech_lockout"

// TechLockout reads technician mode's lock-out as last saved: consecutive wrong PINs and
// whether the lock-out is in force. Nothing of a PIN is stored, only the count and the
// flag; a store that never saved one answers 0, false.
func (s *Store) TechLockout(ctx context.Context) (failures int, locked bool, err error) {
	var v string
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, techLockKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("offline: read technician lock-out: %w", err)
	}
	if _, err := fmt.Sscanf(v, "%d %t", &failures, &locked); err != nil || failures < 0 {
		return 0, false, fmt.Errorf("offline: technician lock-out %q: malformed", v)
	}
	return failures, locked, nil
}

// SetTechLockout saves technician mode's lock-out (see TechLockout), durably.
func (s *Store) SetTechLockout(ctx context.Context, failures int, locked bool) error {
	if failures < 0 {
		return fmt.Errorf("offline: technician lock-out: %d failures", failures)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, techLockKey, fmt.Sprintf("%d %t", failures, locked))
		return err
	})
	if err != nil {
		return fmt.Errorf("offline: save technician lock-out: %w", err)
	}
	return nil
}
