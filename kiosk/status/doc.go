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
//   - Health reports: ReportHealth enqueues a center.HealthReport (HealthReport: version,
//     uptime, backlog, alert names, printer and reader state as short words) through the
//     outbox every DefaultHealthEvery, so the center's fleet view knows the kiosk, also
//     through outages (the report arrives when the line is back). Error texts of parts
//     are never sent: a printer that is not ready is "not_ready". The reader's state
//     comes from a ReaderState (in `kiosk run` the card watch's pcsc.ReaderHealth: ok,
//     no_reader, pcsc_lost, connect_failed; in the demo "virtual"), learnt without
//     touching a card.
//   - Serve owns its listener and its shutdown: it returns only after the server has
//     stopped, so the caller's join covers everything it started.
//
// # Invariants
//
//   - It shows what the screen and the queue are doing, never a session's contents: no
//     PIN, no My Number, no name, no certificate, no payload.
//   - The endpoint writes nothing: any method but GET and HEAD gets 405. Only the health
//     reporter writes, into the outbox.
package status
