// Package journal names the steps of a session's journal and the order they follow:
// intent → card_checked → request_sent → document_received → [payment] → print_started →
// printed | print_failed → closed (closed may follow any step; see kiosk.Journal).
//
// It is the one home of that order for both implementations of the kiosk's journal
// port: package offline (the SQLite journal, which stores the step names) and
// kiosk/kiosktest's in-memory Store. It imports nothing, so the test double shares it
// without linking the SQL driver. kiosktest.JournalContract checks both against the
// same table of legal and illegal orders.
package journal
