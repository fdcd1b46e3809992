// Package centertest runs the reference center in-process on 127.0.0.1 for tests and for
// `kiosk demo`, and makes the test key material it needs.
//
// # Concepts
//
//   - PKI: a test JPKI user-authentication root (from readertest), a TLS CA that signs the
//     center's server certificate and kiosk client certificates, and the center's Ed25519
//     document-signing key. Generated per run (NewPKI) or written to / read from a folder
//     (Write, LoadPKI; private keys 0600) — nothing secret is committed.
//   - Center: New starts a server.Server behind HTTPS on a loopback port (on SQLite in a
//     folder, or on the PostgreSQL database Options.Postgres names; see pgtest). ClientOptions /
//     NewClient give a kiosk everything it pins; AddResident and AddDemoPerson bind a card's
//     authentication certificate to a resident; Revoke suspends a card at once.
//   - DemoPeople: fictitious residents of 見本市 covering the cases the demo shows (adult,
//     household, under 15, moved out, suspended card). MakeDemoCards makes `kiosk demo`'s
//     virtual cards for them, two residents' phones (Android, iPhone), and the cards the
//     kiosk refuses on its own (expired, PIN-locked, 住基, face-authentication, valid from
//     tomorrow, not a My Number Card) in the background, labels first, in a tray beside
//     one virtual reader (Toggle, Next).
//   - Card: a key and certificate that sign like the card does (Card.Sign), and IssueWith
//     runs the kiosk's side of one issuance.
//   - Faults: a fault injector in front of the center's handler (every Center has one,
//     Center.Faults; Wrap puts one in front of any handler). Inject queues one Fault per
//     upload (POST /v1/messages): drop the request unanswered, answer 503, answer late,
//     apply and drop the answer, apply and answer garbage, answer garbage without
//     applying, apply and answer for half the batch. Refuse refuses single messages
//     before the center sees them (the rest of the batch goes through). Stats counts
//     what the center answered — accepted, duplicates, refusals, and its own refusals as
//     Conflicts (a double effect or a protocol error by the kiosk) — and Gaps the
//     sequence numbers it has not accepted. Other requests pass through untouched.
//   - Down and Up: the listener and every connection close (a center or network that is
//     away) and come back on the same port with the same database.
//
// It is the one test center that speaks the protocol: the offline queue's tests
// (through offline/centerlink), the engine's end-to-end tests and cmd/kiosk's all talk to
// it with the real center client, so the wire format is declared once, in package
// center. (kiosk/kiosktest's Center is an in-memory double of the engine's Center port
// for tests under testing/synctest; it has no wire format of its own.) centertest
// imports nothing of the kiosk (offline, kiosk), so any of them may use it.
package centertest
