// Package kiosktest provides test doubles with behaviour for the engine's ports: an
// in-process issuance center that verifies the card's signature and refuses, delays or
// hangs on command (Center), an in-memory journal that enforces the journal's step order
// and records every step and outbox message (Store), a printer and a payer that fail or
// hang on command (Printer, Payer), and a virtual My Number Card session (NewCard) built
// on reader/readertest, so that the engine talks to a card through the real allow-list.
//
// They are for the engine's and the screens' tests and for benchmarks; end-to-end tests
// use the real center, offline store and printer back ends.
package kiosktest
