// Package server is the reference issuance center: the protocol of package center served
// over HTTPS from a database. Two stores implement one interface (store.go): SQLite, the
// zero-setup default (mattn/go-sqlite3, WAL, synchronous=FULL, secure_delete=ON, asserted
// at Open; one process), and PostgreSQL (jackc/pgx v5; fsync, full_page_writes and
// synchronous_commit asserted at Open), which any number of instances share. Each store
// has its own versioned migrations (SQLite: PRAGMA user_version; PostgreSQL: table
// schema_migrations, applied under an advisory lock). The server's SQL is written once
// with ? placeholders. It is good enough for demos, tests and municipal pilots, not a
// J-LIS center.
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
//   - Challenges are single use, per kiosk, with a TTL. On SQLite they live in memory (a
//     restart voids the outstanding ones); on PostgreSQL in a table, so that a kiosk may
//     ask one instance and present the challenge to another. Their number is capped overall (MaxChallenges) and per kiosk
//     (MaxChallengesPerKiosk), so one kiosk cannot starve the others.
//   - Issuance is one transaction: key lookup (replay or conflict), challenge,
//     certificate, signature, revocation, resident, eligibility, rendering, Ed25519
//     signature, insert of key + stored answer. A refusal writes nothing but the spent
//     challenge. On SQLite it is BEGIN IMMEDIATE (one writer). On PostgreSQL it is READ
//     COMMITTED and first takes the kiosk's transaction-scoped advisory lock, as do a
//     message batch and a new challenge: the transactions of one kiosk run one after the
//     other on every instance, each seeing what the previous committed, so a key issues
//     once and replays after, a challenge is spent once, an issuance is completed or
//     voided once and a seq is stored once. Kiosks never wait for each other. (The lock
//     rather than SERIALIZABLE: same guarantees without serialization failures to retry.)
//     The unique keys back every guarantee up.
//   - Municipalities carry per-type fees and service hours in JST; the hours mean a
//     config.Schedule, the model the kiosk's configuration uses, and config.JST is the
//     zone of hours, ages and printed dates. A request outside them is refused with
//     center.CodeClosed, whose message says when the type is available next
//     (config.Schedule.NextOpen). Rendering (render.go) produces
//     center.Content for 住民票の写し, 住民票記載事項証明書, 印鑑登録証明書, 戸籍証明書,
//     戸籍の附票の写し and 課税・所得証明書. Printed dates and years are in the era calendar
//     (和暦) throughout, one era table for both: Wareki for dates (令和8年12月1日),
//     WarekiYear for 年度 and 年分 (令和8年度（令和7年分）).
//   - Retention: the stored answer (the signed document: names, addresses, household,
//     income) is kept for replay for Options.Retention (default 72h), then Purge removes
//     it and keeps the facts (ids, type, state, times, fingerprint, fee); a replay of the
//     key is then refused as replay_expired. `centerd serve` purges at start and hourly.
//     On SQLite the database runs with secure_delete=ON (in the DSN, asserted at Open)
//     and Purge checkpoints the WAL, so no purged byte stays in the files. On PostgreSQL
//     Purge vacuums the table; the bytes can remain in free space, the WAL and backups
//     until those are reused or expire (cmd/centerd's documentation on backups).
//   - Electronic applications (applications.go) arrive as messages of kind application:
//     a CMS SignedData (package eapp) over the application's canonical encoding. The
//     center opens it (digest and signature with the included certificate), checks the
//     application number and kiosk against the signed ones and a signing time not in
//     the future, the signing certificate's key usage (the check of openssl's S/MIME
//     signing purpose: keyUsage, if present, with digitalSignature or nonRepudiation;
//     extendedKeyUsage, if present, allowing any purpose or e-mail protection — J-LIS's
//     profile is not in our sources, see signingUsage), its chain to a JPKI signing root
//     (Options.SignRoots) at the signing time, and the revocations table (a move or a
//     change of name revokes the signing certificate; Revoke names the signing root as
//     issuer). A failure refuses the message with the reason (the kiosk parks it and
//     alerts); an accepted one is recorded once per (kiosk, number) with its SignedData,
//     which Applications lists for the staff (`centerd applications`).
//   - Messages are stored once per (kiosk, key) and move issuances to completed or voided;
//     sequence gaps per kiosk are reported, not refused. A health message
//     (center.HealthReport, validated strictly) also updates the kiosk's row in
//     kiosk_health unless a later one (by seq) is there; Fleet reads it.
//   - Operators of the console (operators.go): argon2id password hashes (RFC 9106
//     parameters, carried in each hash); LoginFailures wrong passwords in a row from one
//     source address (LoginSource: IPv4, or an IPv6 /64) lock that address out of that
//     name for LoginLockout while the operator can log in from elsewhere (the audit
//     table's log-in lines, with their source as target, are the lock-out's state);
//     LoginAlarm in a row for a name from any addresses are audited as
//     login.alarm; sessions are random tokens stored hashed, each with a CSRF token,
//     ending after SessionIdle unused or SessionMax after log-in. Every log-in try and
//     every operator action (SuspendCard, ReinstateCard: with a reason, in the same
//     transaction as the change; ImportResidents with an operator: imports, checks and
//     refused files) is a row of the audit table. Password buffers are zeroed.
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
