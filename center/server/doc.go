// Package server is the reference issuance center: the protocol of package center served
// over HTTPS from a SQLite database (mattn/go-sqlite3, WAL, synchronous=FULL,
// secure_delete=ON, asserted at Open). It is good enough for demos, tests and municipal
// pilots, not a J-LIS center.
//
// # Concepts
//
//   - Residents are the municipality's records (never a My Number). Resident codes and
//     household ids come from each municipality's own registry: a household is
//     (municipality, id), every household query is scoped by municipality, and an import
//     or AddResident that would take over another municipality's code (or names a code
//     twice) is refused as a whole. A card's
//     authentication certificate is bound to one resident by its SHA-256 fingerprint
//     (BindCert) or, for imports, by (issuer, serial) (BindSerial, CSV columns card_serial
//     and card_issuer): serials are unique per JPKI root only, and J-LIS rolls its roots.
//     An issuer is named by IssuerID (SHA-256 of the root's key) or the root certificate's
//     fingerprint, and may be left out when the center trusts one root (ResolveIssuer).
//   - Revocation is a table the center manages, keyed by (issuer, serial): Revoke takes
//     effect for the next request (also when written by another process, e.g.
//     `centerd revoke`). Open carries serial-only rows of an older database over.
//   - Challenges live in memory, single use, per kiosk, with a TTL; a restart voids the
//     outstanding ones. Their number is capped overall (MaxChallenges) and per kiosk
//     (MaxChallengesPerKiosk), so one kiosk cannot starve the others.
//   - Issuance is one BEGIN IMMEDIATE transaction: key lookup (replay or conflict),
//     challenge, certificate, signature, revocation, resident, eligibility, rendering,
//     Ed25519 signature, insert of key + stored answer. A refusal writes nothing.
//   - Municipalities carry per-type fees and service hours in JST; the hours mean a
//     config.Schedule, the model the kiosk's configuration uses, and config.JST is the
//     zone of hours, ages and printed dates. Rendering (render.go) produces
//     center.Content for 住民票の写し, 住民票記載事項証明書, 印鑑登録証明書, 戸籍証明書,
//     戸籍の附票の写し and 課税・所得証明書. Printed dates and years are in the era calendar
//     (和暦) throughout, one era table for both: Wareki for dates (令和8年12月1日),
//     WarekiYear for 年度 and 年分 (令和8年度（令和7年分）).
//   - Retention: the stored answer (the signed document: names, addresses, household,
//     income) is kept for replay for Options.Retention (default 72h), then Purge removes
//     it and keeps the facts (ids, type, state, times, fingerprint, fee); a replay of the
//     key is then refused as replay_expired. `centerd serve` purges at start and hourly.
//     The database runs with secure_delete=ON (in the DSN, asserted at Open) and Purge
//     checkpoints the WAL, so no purged byte stays in the files.
//   - Messages are stored once per (kiosk, key) and move issuances to completed or voided;
//     sequence gaps per kiosk are reported, not refused.
//
// # Invariants
//
//   - Every issued document is bound to (kiosk, key, card fingerprint, request) and signed.
//   - A key issues at most one document; a voided key never issues.
//   - An answer is given only after its transaction is durable (synchronous=FULL): after
//     a power cut the same request gets the same answer, byte for byte
//     (TestCenterPowerCutLoop cuts the center's power on LazyFS to check it).
//   - Bad input gets a 4xx JSON error and changes nothing. Every answer other than 200
//     has the error shape (center.ErrorBody), also for a path the router would redirect
//     (//v1/challenges, dot segments: 404, never a bodiless 307).
package server
