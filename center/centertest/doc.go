// Package centertest runs the reference center in-process on 127.0.0.1 for tests and for
// `kiosk demo`, and makes the test key material it needs.
//
// # Concepts
//
//   - PKI: a test JPKI user-authentication root (from readertest), a TLS CA that signs the
//     center's server certificate and kiosk client certificates, and the center's Ed25519
//     document-signing key. Generated per run (NewPKI) or written to / read from a folder
//     (Write, LoadPKI; private keys 0600) — nothing secret is committed.
//   - Center: New starts a server.Server behind HTTPS on a loopback port. ClientOptions /
//     NewClient give a kiosk everything it pins; AddResident and AddDemoPerson bind a card's
//     authentication certificate to a resident; Revoke suspends a card at once.
//   - DemoPeople: fictitious residents of 見本市 covering the cases the demo shows (adult,
//     household, under 15, moved out, suspended card). MakeDemoCards makes `kiosk demo`'s
//     virtual cards for them (and an expired, a PIN-locked and a 住基 card) in the
//     background, labels first, in a tray beside one virtual reader (Toggle, Next).
//   - Card: a key and certificate that sign like the card does (Card.Sign), and IssueWith
//     runs the kiosk's side of one issuance.
package centertest
