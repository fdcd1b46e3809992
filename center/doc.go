// Package center is the wire protocol between a kiosk and the issuance center, and the
// kiosk's client for it. The reference center that speaks it lives in center/server; an
// in-process one for tests and `kiosk demo` in center/centertest.
//
// This package imports no SQL driver, no terminal and no hardware library.
//
// # Concepts
//
//   - Kiosk identity: a TLS client certificate (CN = kiosk id, [A-Za-z0-9._-]{1,64}) issued by
//     a CA the center trusts. Every body that names a kiosk_id must name the certificate's;
//     the center refuses any other (403 kiosk_mismatch).
//   - Center identity: the kiosk pins the center's TLS CA (never the system roots) and,
//     separately, the center's Ed25519 document-signing public key. ClientFiles.Load reads
//     both, with the kiosk's TLS identity, from the files a kiosk is configured with.
//     With the kiosk's clock unset (before NTP) and no answer seen yet, the center's
//     certificate is checked at ClockFloor (the release's lower bound of the true time)
//     or its NotBefore if later: one that expired before the release is refused
//     (clock.go says why this bound).
//   - Transaction identity: the kiosk's idempotency key (16–128 of [A-Za-z0-9_-], a random
//     128-bit value) names one issuance from card to paper. It is in the signed document,
//     the journal, the print job and the completed/voided messages. Keys are scoped per
//     kiosk.
//   - Card binding: the card signs SigningInput(challenge, kiosk id, request) with its
//     authentication key (PKCS#1 v1.5, SHA-256 DigestInfo). The center answers with a
//     Document that carries Fingerprint(auth certificate) and the request; the kiosk
//     prints only a document whose signature verifies and whose binding matches (kiosk,
//     key, card, request): VerifyDocument + CheckBinding, both done by Client.Issue.
//   - Probe is the technician's check of the way to the center, through the client's own
//     TLS settings: TCP and the handshake on their own, then one challenge request whose
//     Date header gives the clock skew (Probe: the first instance; ProbeAll: every one,
//     each on its own). Diagnose is the center section of `kiosk diag` and technician
//     mode built on it: the kiosk certificate's validity, the kiosk's clock, a probe of
//     every instance (one line each; one down while another answers is a warning) and
//     the skew, as a health.Verdict.
//   - No My Number ever crosses this protocol: the center maps the authentication
//     certificate to its own resident record.
//
// # Protocol v1 (JSON over HTTPS, TLS 1.3, mutual TLS)
//
// Every request body is application/json, at most MaxBodyBytes, with no unknown fields.
// Every non-200 answer is {"error":{"code":"<Code>","message":"..."}} with a 4xx or 5xx
// status; 4xx means refused (do not repeat the same request), 5xx/429 and transport errors
// mean retry later with the same key. Bytes fields are base64 (standard, padded) in JSON.
//
//	POST /v1/challenges   {"kiosk_id"}
//	  → 200 {"challenge": base64url(32 random bytes), "expires_at": RFC 3339}
//	  One-time, bound to the kiosk, valid for a short time (default 2 min). Consumed by the
//	  first issuance request that carries it, whether it succeeds or is refused.
//
//	POST /v1/issuances    {"kiosk_id","key","challenge","auth_cert","signature",
//	                       "request":{"type","options":{...},"copies"}}
//	  → 200 {"payload": base64(JSON Document), "signature": base64(Ed25519)}
//	  The center checks, in order: the key (a stored answer is replayed byte for byte when
//	  the body is identical; a different body → 422 key_conflict; a voided key → 422
//	  voided; a key whose answer is past the center's retention → 422 replay_expired),
//	  the challenge (422 challenge_invalid / challenge_expired), the certificate (chain
//	  to a configured JPKI root → untrusted_cert; validity → cert_expired /
//	  cert_not_yet_valid), the card's signature (bad_signature), revocation (revoked),
//	  the resident (resident_not_found, moved_out, not_eligible), the municipality's hours
//	  (closed). The document and the key are stored in the same SQLite transaction.
//	  The signature is Ed25519 over DocumentSigningInput(payload) =
//	  "madoguchi-center/v1 document" NUL payload. The payload bytes are signed as sent, so
//	  no canonical JSON is needed: decode only after verifying.
//
//	GET /v1/issuances/{key}
//	  → 200 {"key","state":"unknown|issued|completed|voided","issue_id"}
//	  Crash recovery: a kiosk that lost power between "request sent" and "journaled" asks,
//	  then voids. Another kiosk's key reads as unknown.
//
//	POST /v1/messages     {"kiosk_id","messages":[{"seq","key","kind","payload"}]}
//	  → 200 {"results":[{"key","seq","outcome":"accepted|duplicate|refused","error"}]}
//	  kind is completed | voided | payment | audit; payload is a JSON object. completed
//	  and voided name their issuance as {"issue_key": ...} (payment may). accepted and
//	  duplicate mean delivered; refused is permanent (e.g. completed after voided, key
//	  reused with another payload, seq reused by another key). A void for a key the center
//	  never saw is accepted and recorded, so that the key can never issue afterwards (a
//	  timeout voids; it never reassigns). seq is the kiosk's gap-free counter: a jump
//	  forward is accepted and the gap kept for operators (server.SequenceGaps).
//
//	GET /v1/verify/{verification code}   (public: no client certificate needed)
//	  → 200 {"issue_id","type","municipality","issued_at","state"} or 404 not_found.
//	  For whoever holds the paper: the code printed on it (Content.VerificationCode) tells
//	  whether the center issued it and whether it was completed or voided. No personal data.
//
// # Signing input (what the card signs)
//
// SigningInput is LF-terminated "name=value" lines in a fixed order after a domain line;
// see its documentation for the exact layout. The kiosk hands Digest(...) to the card as a
// SHA-256 DigestInfo.
//
// # Errors
//
// Client methods return errors that match ErrRetryLater (transport, timeout, 5xx, 429,
// unreadable answer) or ErrRefused plus one reason sentinel (ErrRevoked, ErrCertExpired,
// ErrResidentNotFound, ErrNotEligible, ErrMovedOut, ErrClosed, ErrKeyConflict, ...), or
// ErrBadDocument when the center's answer fails verification: never print it, void. A
// center whose TLS certificate does not verify against the pinned CA is ErrCenterUntrusted.
//
// # Several instances
//
// ClientOptions.Fallbacks lists further instances of the same center (one database). A
// request the instance does not answer — no connection, a timeout, 502, 503 or 504 — goes
// to the next one in order with the same body, hence the same idempotency key: a retry
// elsewhere replays the stored answer or issues once. The client starts at the instance
// that answered last; a refusal is final and never sent elsewhere. FailOvers counts the
// hand-overs.
package center
