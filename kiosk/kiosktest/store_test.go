package kiosktest_test

import (
	"testing"

	"madoguchi/kiosk/kiosktest"
)

// The test double keeps the journal's contract, as the offline-backed store does
// (cmd/kiosk's TestQueueStoreJournalContract).
func TestStoreJournalContract(t *testing.T) {
	kiosktest.JournalContract(t, func(t *testing.T) kiosktest.JournalSubject {
		s := &kiosktest.Store{}
		return kiosktest.JournalSubject{Store: s, Queued: func(*testing.T) []kiosktest.Message { return s.Outbox() }}
	})
}
