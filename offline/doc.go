// Package offline is the kiosk's durable memory: a transaction journal, an outbox of
// messages for the issuance center, and the one sync worker that delivers them. It is
// the SQLite adapter (mattn/go-sqlite3) and imports no hardware or UI package.
//
// Whatever the center must learn — a certificate printed (completed), a print that
// failed or was interrupted (voided, so nobody pays), money taken (payment), an audit
// event — reaches it exactly once in effect however the kiosk is interrupted:
// at-least-once delivery from this package plus deduplication by idempotency key at
// the center.
//
// # Storage
//
// One SQLite file, opened through DSN: WAL, synchronous=FULL, busy timeout,
// _txlock=immediate, foreign keys, secure_delete (deleted rows are zeroed, not left in
// free pages) — all in the DSN so every pooled connection has them
// (the driver would otherwise set synchronous=NORMAL), read back by AssertSettings at
// Open, which refuses to run (ErrSettings) on a mismatch. One connection (one writer);
// every write is one short BEGIN IMMEDIATE transaction; no transaction spans a network
// call. New files get 1 KiB pages (PageSize) to keep each commit's WAL frames small,
// and mode 0600 whatever the umask (the -wal and -shm files follow it).
//
// Open runs quick_check. A corrupt file (quick_check not ok, SQLITE_CORRUPT, NOTADB)
// is moved aside whole — db, -wal, -shm — as <path>.corrupt-<UTC time>, a fresh
// database is started whose sequence continues QuarantineSeqGap past the highest
// sequence number that could be salvaged (so the center sees a gap, not reused
// numbers), and an alert is recorded. Nothing from a corrupt file is replayed.
//
// A failed commit with an I/O error (a failed fsync above all) is fatal: the store
// refuses every later write with ErrFatal and closes Fatal(); the process must exit and
// be restarted so SQLite recovers from the WAL. It is never retried. SQLITE_FULL (a
// full disk, or the MaxDBBytes cap via max_page_count) makes CanStartSession return
// ErrDiskFull; the failed transaction is rolled back and nothing already queued is lost.
// DiagnoseDisk is the disk section of `kiosk diag`: free space and database size against
// the same defaults (DefaultMinFreeDiskBytes, DefaultMaxDBBytes). Diagnose is the queue
// section (read-only): quick_check, what waits for the center against the caps of the
// Options, parked messages and open alerts, as a health verdict.
//
// # Reading beside the kiosk
//
// This package is the only one that knows the schema: no other package holds SQL or
// builds a DSN. The queries that only read (read.go: Alerts, Backlog, QuickCheck,
// Stats, List) are written once and run by both Store and ReadOnly. OpenReadOnly opens
// the file with mode=ro for a technician's look beside the running kiosk (`kiosk
// diag`, `kiosk queue`, the status endpoint, technician mode): it never creates the
// file (ErrNoDatabase when it is missing), cannot write, and in WAL mode reads while
// the kiosk writes; run as root, it hands the -wal/-shm files it created to the
// database's owner. Stats, List and Alerts carry the JSON names of `kiosk queue -json`,
// the queue export (offline/queuetool, which `kiosk queue` calls) and the status
// endpoint; List never reads a payload out, only its size. A technician's write
// (`kiosk queue retry`, `ack`) goes through OpenExisting: Open, but only on a file that
// exists and passes quick_check (moving a damaged file aside is the kiosk's job at its
// start).
//
// # Tables
//
// No table ever holds a PIN, a My Number, a name, an address or a certificate.
//
//	sessions  one row per walk-up transaction, created at the first commit (RequestSent)
//	  id          transaction id, random 128-bit hex
//	  issue_key   idempotency key of the issuance request (random 128-bit hex)
//	  cert_type   certificate type wire name (e.g. "juminhyo"); copies: number of copies
//	  fee         fee in yen from the center's answer
//	  state       latest step; steps: the steps taken, comma separated, in order
//	  outcome     completed | voided once known
//	  flag        non-empty when the technician must look (recovered, closed while printing)
//	  started_at, updated_at  wall time (ms), information only
//	outbox    messages for the center
//	  seq         INTEGER PRIMARY KEY AUTOINCREMENT: the per-kiosk sequence, never reused
//	  key         idempotency key, random 128-bit hex, UNIQUE, committed before the first send
//	  kind        completed | voided | payment | audit (or another kind a caller enqueues)
//	  payload     JSON: session id, issue key, cert type, copies, fee, reason; payment
//	              method, amount and device reference; audit event name and detail
//	  session_id  the session it reports, if any
//	  attempts, last_error  uploads it took and the refusal reason (written with the state change)
//	  state       pending | delivered | parked
//	  created_at, done_at  wall time (ms): age cap, retention, information
//	alerts    what the technician must see (quarantine, recovered sessions, parked messages, failed prints, uploads the center refuses)
//	meta      schema version; technician mode's lock-out (TechLockout: a count of wrong
//	          PINs and a flag, never PIN material)
//
// # Journal
//
// A Session goes intent → card_checked → request_sent → document_received →
// [payment] → print_started → printed | print_failed → closed (the order: package
// offline/journal; a step out of order is ErrSessionState). Only the steps that
// precede an effect outside the kiosk commit, each together with the outbox message it
// produces (the transactional outbox):
//
//  1. RequestSent: the row with its issue key, before the request leaves (intent and
//     card_checked ride along; nothing outside depended on them).
//  2. PrintStarted: "about to print", with the payment record when money was taken.
//  3. Printed / PrintFailed: the outcome with its completed / voided message.
//  4. Close: a commit only when it voids (timeout, cancel, card removed after the
//     request); after an outcome the closed step rides on the store's next commit.
//
// So a printed session costs three commits plus its share of one delivery commit per
// batch (BenchmarkSessionWrites). Audit events noted on a Session ride on its next
// commit.
//
// Recover runs once after Open, before sessions start (CanStartSession returns
// ErrRecoveryPending until then). Every session without an outcome is finished: the
// center is asked for the issue key's status (StatusChecker); if it already has an
// outcome the session is closed with it, otherwise a voided message is queued (a void
// for a request the center never saw is harmless, so an unreachable center does not
// block recovery) and the session is flagged for the technician — "check the printer"
// when it was interrupted while printing. Sessions with an outcome whose close was not
// yet written are closed without an alert.
//
// # Delivery
//
// Sync is the only consumer: oldest pending first, BatchSize messages per upload
// through a Sender, the batch read in a short statement before the call. Accepted and
// duplicate results mark messages delivered in one commit; a refused message is parked
// (kept, counted in the backlog, listed by Parked, alerted) and can be put back with
// Requeue — except that a parked application (personal data: the signing certificate
// and what was typed) is deleted by DiscardApplication, the technician's or, after
// ParkedApplicationRetention, the prune's, with an audit event in its place; a
// transport error, 5xx or unreadable reply retries the whole batch later with the same
// keys. Between failed uploads the worker waits Backoff (exponential,
// equal jitter, capped at BackoffMax) on timers, i.e. the monotonic clock; a success or
// NetworkUp resets it. Failed attempts are counted in memory only, so a kiosk offline
// for a weekend writes nothing. With nothing pending the worker blocks until a commit
// wakes it (an idle kiosk writes nothing); it prunes delivered messages and finished
// sessions older than Retention at most every PruneEvery, writing only when something
// is due.
//
// # Out of service
//
// The engine calls CanStartSession before each session. It returns ErrRecoveryPending,
// ErrFatal, ErrDiskFull (MaxDBBytes − ReserveBytes used, or less than MinFreeDiskBytes
// free on the partition) or ErrQueueFull (MaxPending messages, MaxPendingBytes, or
// the oldest undelivered older than MaxPendingAge), each wrapped with the detail for
// the service screen. Running sessions are never refused by a cap: their void must be
// written.
//
// # Time
//
// A Clock (Now only) is injected. Order never depends on time (seq does); backoff and the
// prune interval use the time package's timers, not the Clock.
// Wall time is stored for information, and used only for the age cap and retention —
// on a board without an RTC that clock may jump at boot, which can make the age cap
// trip early or late but never reorders or loses a message.
//
// # Testing
//
// Crash points (Options.CrashHook, CrashAfter… constants) let tests kill the process at
// named moments; TestCrashLoop SIGKILLs a child process well over a hundred times
// while it issues real documents from the reference center (center/centertest: HTTPS
// with mutual TLS on loopback, SQLite-backed) and delivers through centerlink.Link, the
// adapter the kiosk runs. It checks quick_check after every kill, recovery, and at the
// end that the center holds exactly the kiosk's outbox — every completion, void,
// payment and audit event once, one outcome per issuance, no sequence gap — with
// nothing left undelivered. Process kills test the logic, not power loss (the page
// cache survives a kill): TestPowerCutLoop runs the same child with the database on
// LazyFS (internal/lazyfstest) and cuts the power instead — at the crash points, at
// random, and as crash-before/after-fsync and torn-write faults on the WAL and the
// main file — with the same checks; BenchmarkWriteBudget counts from LazyFS's log the
// commits, fsyncs and bytes of one walk-up transaction and of an idle kiosk. A file
// system that reports no size at all (statfs: zero blocks, as some FUSE file systems)
// is not taken for a full one by CanStartSession. Every other test that delivers uses the same reference
// center through centerlink.Link, with centertest.Faults in front of it for the
// HTTP-layer faults (reset, 5xx, slow, dropped, garbled and partial answers, refusals of
// single messages) and Center.Down/Up for a center that is away; no test re-declares
// the wire format. Sessions whose messages must be accepted make a real issuance
// request first (the center refuses a completed for a key it never issued).
//
// The step names and their order live in offline/journal, shared with the engine's
// test double (kiosk/kiosktest); kiosktest.JournalContract checks the kiosk's adapter
// over this package (cmd/kiosk) and the double against one table.
package offline
