// Package status is the kiosk's status endpoint: read-only JSON for the technician's
// laptop (or a monitoring probe) on [status] listen — loopback unless allow_remote.
// GET / or /status answers 200 when the kiosk can serve residents and 503 when not.
//
// # Concepts
//
//   - Sources are the running kiosk's parts it reads (engine, queue, printer), each a
//     small interface; a nil part is left out of the answer. The queue's counts are
//     read through offline.OpenReadOnly, the free disk space through Server.Statfs.
//   - An Answer is computed at most once per Server.CacheFor (2 s), so a polling laptop
//     does not hammer the printer or the database.
//   - Serve owns its listener and its shutdown: it returns only after the server has
//     stopped, so the caller's join covers everything it started.
//
// # Invariants
//
//   - It shows what the screen and the queue are doing, never a session's contents: no
//     PIN, no My Number, no name, no certificate, no payload.
//   - Nothing it does writes anything: any method but GET and HEAD gets 405.
package status
