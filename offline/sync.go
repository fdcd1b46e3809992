package offline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// SyncStatus is the sync worker's view, for diag and the service screen.
type SyncStatus struct {
	Failures  int    // consecutive failed uploads (in memory; not written to disk)
	LastError string // last upload error
}

// NetworkUp tells the sync worker that the network returned: the backoff is reset and
// the worker tries at once.
func (s *Store) NetworkUp() {
	select {
	case s.netUp <- struct{}{}:
	default:
	}
}

// Backoff returns the delay before retry number n (n ≥ 1): exponential from base,
// capped at max, with "equal jitter" (half fixed, half random) so that kiosks that lost
// the network together do not retry together. rnd returns a value in [0,1).
func Backoff(n int, base, max time.Duration, rnd func() float64) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rnd()*float64(d-half))
}

// SyncOnce uploads batches until nothing is pending or an upload fails; it returns
// the number of messages delivered and parked. It never waits.
func (s *Store) SyncOnce(ctx context.Context, snd Sender) (delivered, parked int, err error) {
	for {
		d, p, more, err := s.syncBatch(ctx, snd, 1)
		delivered += d
		parked += p
		if err != nil || !more {
			return delivered, parked, err
		}
	}
}

func (s *Store) syncBatch(ctx context.Context, snd Sender, attempts int) (delivered, parked int, more bool, err error) {
	batch, err := s.next(ctx, s.opts.BatchSize)
	if err != nil || len(batch) == 0 {
		return 0, 0, false, err
	}
	sctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	res, err := snd.Send(sctx, batch)
	cancel()
	if err != nil {
		return 0, 0, false, fmt.Errorf("offline: upload: %w", err)
	}
	s.crash(CrashAfterReplyBeforeAck)
	delivered, parked, err = s.settle(ctx, batch, res, attempts)
	if err != nil {
		return delivered, parked, false, err
	}
	s.crash(CrashAfterAckCommit)
	if delivered+parked == 0 {
		return 0, 0, false, fmt.Errorf("offline: upload: the center answered none of %d messages", len(batch))
	}
	return delivered, parked, true, nil
}

// Sync is the one sync worker: it uploads pending messages oldest first in batches
// until ctx is done or the store turns fatal. After a failed upload it waits with
// exponential backoff and jitter (timers, i.e. the monotonic clock), reset by a
// successful upload or NetworkUp. With nothing pending it blocks until a message is
// committed, touching nothing on disk; every PruneEvery it prunes old delivered rows.
// status, when non-nil, receives the worker's state after every attempt.
func (s *Store) Sync(ctx context.Context, snd Sender, status func(SyncStatus)) error {
	failures := 0
	refusal := "" // the whole-upload refusal last alerted; "" after a success
	lastPrune := s.clock.Now()
	if _, err := s.Prune(ctx); err != nil && !errors.Is(err, ErrDiskFull) {
		return err
	}
	report := func(err error) {
		if status == nil {
			return
		}
		st := SyncStatus{Failures: failures}
		if err != nil {
			st.LastError = err.Error()
		}
		status(st)
	}
	for {
		if err := s.Err(); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.clock.Now().Sub(lastPrune) >= s.opts.PruneEvery {
			lastPrune = s.clock.Now()
			if _, err := s.Prune(ctx); err != nil && s.Err() != nil {
				return s.Err()
			}
		}
		_, _, more, err := s.syncBatch(ctx, snd, failures+1)
		switch {
		case err != nil:
			if fe := s.Err(); fe != nil {
				return fe
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			report(err)
			if errors.Is(err, ErrUploadRefused) && err.Error() != refusal {
				refusal = err.Error()
				if aerr := s.write(ctx, func(tx *sql.Tx) error { return s.alertTx(ctx, tx, "upload_refused", refusal) }); aerr != nil && s.Err() != nil {
					return s.Err()
				}
			}
			wait := Backoff(failures, s.opts.BackoffBase, s.opts.BackoffMax, rand.Float64)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.fatalCh:
				return s.Err()
			case <-time.After(wait):
			case <-s.netUp:
				failures = 0
			}
		case more:
			refusal = ""
			if failures > 0 {
				failures = 0
				report(nil)
			}
		default:
			if failures > 0 {
				failures = 0
				report(nil)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.fatalCh:
				return s.Err()
			case <-s.wake:
			case <-s.netUp:
			case <-time.After(s.opts.PruneEvery):
			}
		}
	}
}
