// Package queuetool is what `kiosk queue` shows and does: the technician's view of the
// store-and-forward queue (stats, list, alerts, export) and the three writes a
// technician may make (retry a parked message, discard a parked e-application with the
// resident's data, acknowledge an alert). cmd/kiosk parses
// the flags and calls it.
//
// # Invariants
//
//   - A message is shown by its sequence number, kind, state, attempts, the center's
//     refusal reason, ages, idempotency key, session id and payload size — never its
//     payload: it holds what the center needs (issue key, certificate type, fee,
//     payment reference), which a technician does not need and should not carry away
//     on a laptop. The keys and sequence numbers are enough to find a message at the
//     center. The export holds no payload either.
//   - Stats, List, Alerts and Export only read, through a Reader (offline.ReadOnly,
//     safe beside a running kiosk); Retry, Discard and Ack write through the queue's own store
//     (offline.OpenExisting), one short transaction each.
//   - An export never overwrites a file: it creates a new one (mode 0600) or fails.
//   - The JSON is offline's (Stats, MessageInfo, Alert), indented by two spaces.
package queuetool
