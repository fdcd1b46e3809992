// Package kiosk is the transaction engine of the self-service certificate kiosk: one
// walk-up session at a time, as an explicit state machine driven by events.
//
// # Concepts
//
//   - States (State) follow the walk-up flow: idle → (municipality) → choose → options →
//     place card → reading card → PIN → center → fee → (paying) → printing → take → idle.
//     Errors end in StateProblem with a Problem saying what happened; the screens say what
//     to do next. Everything known about a state is its entry in one table (states.go):
//     its name, timeout, whether it waits for the resident (the screens show a countdown:
//     State.WaitsForResident), whether the machine is working (touches do not restart the
//     timeout), whether it needs the card, and its handlers for an input, the timeout, a
//     card placed or removed, and its part of the View. Adding a state is one constant,
//     one table entry and its handlers (and its screen in package screens, whose test
//     fails until it has one).
//   - Prefilled forms (forms.go) are the idle screen's second service (InputForms) when a
//     municipality defines forms: form-choose → form-card → form-reading → form-pin
//     (the 券面事項入力補助AP's PIN, its own counter read without spending) → form-facts
//     (FactsCard.ReadFourFacts, checked against the card's signature with
//     Options.TextIssuerKey) → form-confirm → form-printing (FormPrinter) → form-take. No
//     journal session and no center: the one record is the audit event
//     EventFormPrinted (form, municipality, time) through AuditStore. The facts live in
//     the session only and are wiped with it.
//   - E-applications (eapp.go): an electronic form (forms.Form.Electronic) goes from
//     form-facts on to app-entry (one field at a time: digits, a 50-on kana keyboard,
//     a date picker) → app-review → app-password-reading → app-password (the signing
//     password, 6–16 of A–Z 0–9, 5 tries read without spending) → app-signing
//     (SigningCard: VERIFY once, the signing certificate, the card signs the canonical
//     encoding: package eapp's CMS SignedData) → app-printing (ApplicationStore queues
//     it for the center, ApplicationPrinter prints the receipt) → app-take with the
//     application number. Five wrong passwords end on ProblemPasswordLocked.
//   - The card-and-PIN sub-flow (secret.go) is shared by the certificate flow (the
//     authentication PIN), the forms (the 券面事項入力補助 PIN) and the e-applications (the
//     signing password): a secretStep names the PIN, its pad, its states, its locked
//     problem and its continuation; reading the tries without spending, the pad's input,
//     a try spent only on OK, and a wrong or blocked answer are written once there.
//   - pinPad (pinpad.go) is the one PIN and password editor, used by the resident's PINs,
//     the signing password and the technician's PIN; it is the one place that zeroes one.
//   - Asynchronous work (async.go) is started only by spawn and belongs to an owner (a
//     session, or one visit to the technician menu); named limits bound it
//     (TechActionTimeout for the technician's actions; a session's work ends with its
//     state's timeout).
//   - Events are the screens' inputs (Input), the card's arrival and removal
//     (CardInserted, CardRemoved), the per-screen timers, and the answers of the card,
//     center, payer and printer. Run handles them one at a time on one goroutine, which
//     alone owns the session and its journal. Slow work (card, center, payer, printer,
//     technician actions) runs in goroutines started by spawn; its result is applied only
//     if its owner is still live and no later work superseded it.
//   - Ports are small interfaces defined here and wired in cmd/kiosk: Card (*reader.Card
//     as is), Center (*center.Client as is), Store and Journal (package offline through
//     an adapter; optionally TechLockStore and AlertStore), Printer (optionally
//     PrinterChecker), Payer (optional), Indicator (optional), Clock.
//   - View is a snapshot for the screens (package screens), published after every change
//     and signalled on Updates.
//
// # Invariants
//
//   - Every state has a timeout (Options.Timeouts, defaults config.DefaultTimeouts). A
//     timeout ends the session: back to idle while the resident is choosing or typing,
//     a problem screen while the machine was working (card, center, payment, printer).
//   - Removing the card cancels the session at every step that needs it (reading, PIN,
//     center, fee, payment). While printing the paper is already on its way: printing
//     goes on and the take screen asks only for the certificate.
//   - The PIN lives in the session's 4-byte buffer while typed; OK copies it for the one
//     Verify call and zeroes both the buffer and the copy right after. Views, logs,
//     journal and audit events never hold it. A try is spent only on OK; the remaining
//     tries are read from the card without spending one, shown, and the last one is
//     warned about; a locked PIN shows the official guidance (reset at the municipal
//     office). The engine never retries a PIN.
//   - The engine talks to the card only through Card, which has no way to read the My
//     Number; the card layer's allow-list guarantees the rest.
//   - Devices (reader.Device, from Card.Identify): a card gives its certificate and tries,
//     then the PIN pad, then VERIFY and the signature. An Android phone gives only its
//     tries before the PIN (the same empty VERIFY, no try spent); after OK the PIN is
//     presented once, the certificate read and checked, CardChecked journaled, then the
//     signature. An iPhone is authorised with Face ID on the phone: the engine reads its
//     certificate, shows no PIN pad and sends no VERIFY; anything it refuses ends in
//     ProblemPhoneNotReady. View.Device tells the screens which device it is.
//   - Refused cards each have their own Problem: ProblemJukiCard, ProblemNotMyNumberCard,
//     ProblemNoPIN (a card without PIN, when it says so; one that cannot be told apart
//     before a try gets the usual pad, and every wrong PIN's screen, the first on, explains
//     face-authentication cards), ProblemCertExpired and ProblemCertNotYetValid (against
//     Options.Clock, before the PIN on a card, after it on an Android phone), ProblemPINLocked,
//     ProblemCardSuspended (the center's revocation). The journal's "problem" audit event
//     carries the technician's reason (what the kiosk saw, a status word at most; nothing
//     personal).
//   - Journal steps, in order: BeginSession when the order is confirmed, CardChecked,
//     RequestSent (commits the idempotency key before the first issuance attempt; every
//     retry uses it), DocumentReceived, PrintStarted (with the payment) before the job
//     goes to the printer, Printed or PrintFailed, Close at the end of every session.
//     Close voids a session that sent a request and printed nothing, so a timeout or a
//     cancel voids; it never reassigns.
//   - A document is printed only for the session that asked for it: the engine checks the
//     document's key, request and card fingerprint against the session (the center client
//     has verified the center's signature and binding already). No data of one session
//     reaches another: when a session ends it is wiped (PIN, certificate, document,
//     choices) and late answers for it are dropped. A card left on the reader when its
//     session ended is a leftover: the next session asks to take it and place it again.
//   - Nothing left behind (leftover.go): a card still on the reader after its session,
//     or a certificate in the output tray (PaperInTray, from a paper-present sensor),
//     is reminded of in steps — the screen at once, then the Indicator's buzzer and card
//     LED pattern from Options.Reminder.BeepAfter every BeepEvery, then at AlertAfter an
//     audit event (EventCardLeft, EventPaperLeft: seconds and screen, nothing personal)
//     and a technician alert through the Store's AlertStore, with a longer pattern.
//     While anything is left the idle screen starts no session (NoteTakeFirst): the next
//     resident is never served beside the last one's card or certificate. A card kept
//     for "another certificate" is not left until that offer ends.
//   - No card reader (nocardreader.go): ReaderAvailable(false), from the card watch when
//     no reader is connected or the PC/SC service is lost, sets View.NoReader: the idle
//     screen says so and starts neither certificates nor forms until ReaderAvailable(true).
//     A session under way loses its card (CardRemoved) and ends as it does today.
//   - A receipt (receipt.go): after a print whose fee a Payer took, the take screen
//     offers a receipt (View.Receipt, InputReceipt) when the Printer is a
//     ReceiptPrinter: amount, certificate type and copies, date, issuance number, kiosk
//     and municipality — never a name. It prints once; the offer ends with the take
//     screen, and taking the card does not end that screen while it is offered.
//   - Another certificate: after the center refuses one certificate (not eligible), the
//     problem screen offers another while the card stays on the reader, for
//     AnotherWindow. That is a new session with its own journal; the card signs a fresh
//     challenge of the center without a second VERIFY (no PIN is kept: the card holds
//     the verification); a card that asks for the PIN again gets the PIN pad. Taking the
//     card, leaving the screen or the window's end drop it.
//   - A tap stamped with a screen the engine has left (Input.Screen) is dropped, so a
//     second tap never acts on the next screen. A resident who times out sees
//     ProblemTimedOut ("nothing was issued") before idle.
//   - Before a session starts the engine asks the store (CanStartSession) and the
//     printer (PrinterChecker) and shows "out of service" instead of taking a PIN for
//     nothing; outside service hours (config.Municipality hours, closed days, weekdays-only
//     certificates) it shows "closed" or greys the certificate out.
//   - Technician mode (techmode.go, enabled by Options.Technician): from the idle screen
//     only, a PIN checked by the Technician in constant time, then a menu (diagnostics,
//     queue, test page, out-of-service switch). Its PIN buffer is wiped on OK and on
//     leaving the pad; three wrong PINs lock it for TechLockout, and with a Store that
//     is a TechLockStore the count and the lock-out survive a restart (no PIN material);
//     the switch lives in memory. Ping lets the appliance's watchdog check that the loop still answers.
//
// Timers use the time package, so tests run under testing/synctest; wall time (hours,
// certificate validity) comes from Options.Clock.
package kiosk
