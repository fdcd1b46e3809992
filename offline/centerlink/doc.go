// Package centerlink connects the offline queue to the issuance center: Link adapts a
// center.Client to offline.Sender (uploads of completed, voided, payment and audit
// messages) and offline.StatusChecker (crash recovery's "what became of this issuance
// key?").
//
// It lives in its own small package because it is the only code that knows both sides.
// The interfaces are offline's (defined where they are consumed); the wire types and the
// HTTPS client are center's. Neither package imports the other: offline stays free of the
// protocol and its HTTP client, and center — the protocol package, which imports no SQL
// driver — stays free of the SQLite queue. cmd/kiosk wires a Link, and offline's tests —
// the crash loop and the HTTP-fault tests (centertest.Faults) alike — deliver through the
// same Link to the reference center (center/centertest), so the adapter the kiosk runs is
// the one those tests check.
//
// # Mapping
//
//   - A batch larger than one request may carry (center.MaxBatch messages, or
//     center.MaxBodyBytes encoded) is cut to its head that fits: the rest have no
//     result, which offline.Sender documents as "stays pending", so they go in the next
//     upload instead of the whole batch being refused (413) forever.
//   - Any error of center.Client.SendMessages (transport, timeout, 5xx, unreadable
//     answer, or a refusal of the whole request) fails the whole batch: the queue retries
//     it later with the same keys and sequence numbers. A refusal of the whole request
//     (center.ErrRefused: 4xx such as kiosk_mismatch) also wraps offline.ErrUploadRefused,
//     so the queue raises an alert the technician sees instead of only a growing
//     backlog. Per-message verdicts (accepted, duplicate, refused) are passed through by
//     key.
//   - Issuance states map one to one (unknown, issued, completed, voided). An error —
//     including a state this package does not know — makes Recover treat the center as
//     unreachable, which voids the session: the safe side.
package centerlink
