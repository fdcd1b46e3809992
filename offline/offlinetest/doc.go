// Package offlinetest provides an in-process center for testing the offline package:
// an HTTP receiver on 127.0.0.1 that speaks the center's message wire format,
// deduplicates by idempotency key, refuses a key reused with a different payload,
// records per-kiosk sequence gaps, and can inject faults at the HTTP layer. It also
// holds a minimal issuance stand-in so that recovery's status-by-key lookups have
// something to ask.
//
// It began as a stand-in until center/centertest existed. The crash loop now runs
// against centertest through offline/centerlink; this receiver stays for the tests that
// need HTTP-layer faults (Inject), which the reference center does not offer.
package offlinetest
