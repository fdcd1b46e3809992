// Package kiosktest provides test doubles with behaviour for the engine's ports: an
// in-process issuance center that verifies the card's signature and refuses, delays or
// hangs on command (Center), an in-memory journal that enforces the journal's step order
// and records every step and outbox message (Store), a printer and a payer that fail or
// hang on command (Printer, Payer), and a virtual My Number Card session (NewCard) built
// on reader/readertest, so that the engine talks to a card through the real allow-list.
//
// Indicator is the card LED and buzzer (it records each reminder pattern and when); the
// Store also takes alerts (kiosk.AlertStore: Alerts) and the Printer receipts
// (kiosk.ReceiptPrinter: Receipts). Center.UnitFee < 0 issues for free.
//
// NewRig wires them: an engine serving AllDay, the doubles and a virtual card off the
// reader, which InsertCard and RemoveCard move; Rig.Reader puts it behind a
// readertest.ReaderVariant (slow answers, no extended length, a late removal report). The rig starts no goroutine until Start,
// so under testing/synctest everything it runs belongs to the caller's bubble; Check
// asserts what every engine test shares (the My Number and the text AP never touched,
// every journal closed). Each test package keeps its own way of driving it: inputs for
// the engine's tests, taps on a simulation screen for the screens'. Main, run by
// TestMain, makes the virtual cards' PKI and keys outside any bubble.
//
// JournalContract is the journal's contract as a table test — legal and illegal step
// orders, what each ending queues (completed, voided, payment), voiding on Close,
// audit events before Close, invalid intents — for every implementation of the
// engine's Store port: this package's Store (its own test) and the kiosk's adapter over
// package offline (cmd/kiosk). Store and offline take the step names and order from one
// table, offline/journal.
//
// They are for the engine's and the screens' tests and for benchmarks; end-to-end tests
// use the real center, offline store and printer back ends.
package kiosktest
