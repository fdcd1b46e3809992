// Package pcsc connects the reader package to real card readers through the PC/SC service
// (pcscd) with github.com/ebfe/scard. It is the only package that imports scard.
//
// # Concepts
//
//   - Context is a connection to pcscd; Readers and States list readers and what is in them.
//   - Watch reports card insertion and removal and readers coming and going. It blocks in
//     SCardGetStatusChange (with the PnP pseudo reader, so reader hot-plug wakes it too) and
//     never polls; cancelling its context cancels the blocked call. When pcscd itself goes
//     away (or is not there at the start), Watch reports ServiceLost and reconnects once a
//     second until it is back; ServiceReady follows each connection's first listing.
//   - WatchCards is the kiosk's card slot on top of Watch: it hands every card placed in a
//     matching reader to a Holder as a fresh allow-listed session, one card at a time, and
//     tells the Holder when it is gone. It keeps a ReaderHealth up to date from the same
//     events (ok, no_reader, pcsc_lost, connect_failed: the kiosk's health report) without
//     a command or a card of its own. A Holder that is also a ReaderNotifier is told
//     when no reader can be used (none there, pcscd lost) and when one is back.
//   - Diagnose is the reader section of `kiosk diag`: the service, the matching readers,
//     and every card present inspected (reader.Inspect) without spending a PIN try.
//   - Connect powers a card up and returns a Card: the reader package's allow-listed session
//     plus the ATR and protocol. No raw Transmit is exported.
//
// # Invariants
//
//   - PC/SC errors are mapped to reader.ErrCardRemoved and reader.ErrReaderGone (the original
//     error stays wrapped), so callers branch with errors.Is whatever the stack said. An
//     extended-length command the reader fails (not transacted, communication error, a
//     parameter or buffer it cannot take: readers at the CCID short-APDU level) while the
//     card is still present is reader.ErrNoExtendedLength, so the session falls back to
//     short APDUs instead of ending as "card removed"; over T=0 extended commands are
//     refused the same way (no envelopes). Diagnose notes a reader without extended
//     length (NoExtendedNote).
//   - T=0 and T=1 both work: over T=0 a case-4 command goes without Le, 61xx answers are
//     collected with GET RESPONSE, and 6Cxx is repeated once with the exact Le. The T=0
//     path keeps no copy of the command data (a VERIFY PIN): it reads lengths from the
//     caller's buffer, which the caller zeroes.
//   - Close powers the card down (SCARD_UNPOWER_CARD), which drops every verified PIN.
//   - WatchCards powers a card down and tells the Holder whenever it goes: taken, its
//     reader unplugged, pcscd lost, or the watch ended. A card is never handed over
//     twice: every placement (and every return of pcscd) is a new session.
//   - Opening and releasing a Context and powering a card down are serialized across the
//     process (lifecycle in pcsc.go): pcsc-lite's client library before 2.4.0 crashes when
//     one thread disconnects a card while another releases a context.
package pcsc
