// Package reader speaks to the My Number Card (マイナンバーカード): APDU encoding, the card's
// status words, and the card's applications as a typed, allow-listed API.
//
// # Concepts
//
//   - Command and Response are ISO/IEC 7816-4 APDUs, short and extended. ParseCommand and
//     ParseResponse never panic on any input (they are fuzzed) and copy nothing: the
//     parsed data aliases the bytes given, so no PIN copy outlives the caller's buffer.
//   - A Transport carries one APDU to a card: the PC/SC connection (package reader/pcsc, the
//     only place that imports ebfe/scard) or the virtual card of reader/readertest.
//   - Extended length: a file longer than one short READ BINARY is read in two (256 bytes,
//     then the rest in one extended-length READ BINARY) where the reader and the card take
//     extended APDUs; a session whose first try fails (ErrNoExtendedLength from the
//     transport, or an error status from the card) reads in exact 256-byte short APDUs
//     from then on. Card.ExtendedLength says what was learnt (`kiosk diag` shows it); the
//     allow-list lets extended READ BINARY through up to 8192 bytes, nothing else.
//   - Card is a session with one card. Its methods are the JPKI AP (公的個人認証AP) operations
//     a kiosk needs — Identify, AuthCertificate, Tries, Verify, Sign, … — and the four facts
//     of the 券面事項入力補助AP (ReadFourFacts), verified against the card's own signature.
//   - Device: the JPKI AP is served by the plastic card and by phones carrying the
//     スマホ用電子証明書, told apart by the token (EF 0006). Identify names the device:
//     DeviceCard (JPKIAPICCTOKEN2); DeviceAndroid (JPKIAPGPSETOKEN: the authentication
//     certificate is readable only after the phone's own 4-digit PIN, ErrPINRequired
//     before; no 券面 APs); DeviceIPhone (JPKIAPIOSTOKEN, from one unconfirmed source:
//     authorised with Face ID on the phone, no PIN at the terminal; its commands are not
//     published). An old 住基カード (JPKIAPICCTOKEN) is ErrJukiCard, any other token
//     ErrNotJPKI. A card without PIN (顔認証マイナンバーカード) may answer the tries read or
//     VERIFY with 6A88 or 6985, which is ErrPINNotSet (ASSUMED: no source shows its
//     answer; one answering 69 84 reads as blocked).
//
// # Invariants
//
//   - There is no exported way to send an arbitrary APDU: New wraps every Transport in the
//     allow-list (allowlist.go), which tracks the selected application and file and refuses,
//     before a byte reaches the card, anything that could read the My Number (EF 0001 of the
//     券面事項入力補助AP), verify 照合番号A, use short-EF addressing, or select any other
//     application. Refusals are ErrForbidden.
//   - Tries reads a PIN's remaining tries with an empty VERIFY, which never spends one.
//     Verify is called once per resident's OK and is never retried; a malformed PIN is
//     refused (ErrPINFormat) before it reaches the card. APDU buffers holding a PIN are
//     zeroed after use; the caller zeroes its own copy.
//   - Error messages name each layer once ("reader: select file 0006: card answered 6D00
//     instruction not supported"); they may quote what the card sent, so human outputs
//     escape them (internal/safetext).
//   - Files are sized from their own DER/BER header; lengths from the card are bounded, so
//     garbage, truncation or a card pulled mid-read ends in a typed error (ErrBadCard,
//     ErrCardRemoved), never a panic or a hang.
//   - The card is identified by SELECT of the JPKI AID and its token file (EF 0006), never
//     by its ATR, which differs between chip vendors and readers. The allow-list is the
//     same for every device: a phone gets no command a card would not.
//
// Facts about the card come from public sources: the jpki/myna tool (Rust and Go),
// OpenSC's jpki driver (src/libopensc/card-jpki.c, pkcs15-jpki.c), AokiApp/jsapdu's
// mynacard package, siketyan/jpki-rs, the ATR list of Debian's pcsc-tools, and what
// OpenSC 0.23.0 with vsmartcard-vpcd showed against the virtual card (package readertest).
package reader
