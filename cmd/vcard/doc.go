// Command vcard is a virtual My Number Card (package reader/readertest) in a reader, for
// tests only. It has two readers:
//
//   - vpcd (the default): it attaches the card to a running pcscd through vsmartcard's
//     vpcd driver, dialling the vpcd slot at -addr, answering its frames, and redialling
//     200 ms after pcscd drops the connection. Never install vsmartcard-vpcd on a kiosk
//     image.
//
//   - VSCard (-vscard): it is the card behind QEMU's usb-ccid reader, speaking QEMU's
//     VSCard protocol to a ccid-card-passthru device (package reader/readertest/vscard), so
//     a guest's pcscd and libccid see a USB CCID reader. -vscard unix:PATH or tcp:HOST:PORT
//     dials a chardev that listens (server=on,wait=off) and dials again when it closes;
//     with -vscard-listen vcard listens there and QEMU's chardev connects (it comes back
//     after vcard restarts only with its reconnect option: reconnect=SECONDS up to QEMU
//     9.1, reconnect-ms=MS from 9.2). Prefer QEMU listening.
//
// For example:
//
//	vcard -addr 127.0.0.1:35963 -pki /tmp/pki -state /tmp/card.json -log
//	vcard -vscard unix:/tmp/vm/vscard.sock -control /tmp/vm/card.ctl -removed
//
// with, for the second, a QEMU started with
//
//	-device qemu-xhci,id=xhci -device usb-ccid,bus=xhci.0
//	-device ccid-card-passthru,chardev=vscard
//	-chardev socket,id=vscard,path=/tmp/vm/vscard.sock,server=on,wait=off
//
// Taking the card out and putting it back: SIGUSR1 removes it, SIGUSR2 inserts it; with
// -control PATH a unix socket (mode 0600) takes one line per connection, "insert",
// "remove" or "status", and answers "inserted" or "removed" (the state after the
// command) or "error: …"; vscard.SendControl is its Go client. -removed starts with the
// card out. Over VSCard an insertion is an ATR (after a card reset) and a removal a
// CardRemove; over vpcd a removal closes the socket. SIGINT/SIGTERM end the program (over
// VSCard a card that is in is first reported removed).
//
// -device selects what answers: the plastic card (default), an Android phone carrying the
// スマホ用電子証明書 (its certificate readable only after its PIN), an iPhone (no PIN at
// the terminal; -approved stands for the resident's Face ID; its protocol is not
// published, so this is the readertest package's ASSUMED model) or a 顔認証マイナンバーカード
// (no PIN, no signature certificate).
//
// With -pki DIR the card's certificates are issued by DIR/auth-ca.{crt,key} and
// DIR/sign-ca.{crt,key} (readertest.CA.WritePEM format; created there if missing, so a test
// center can trust them; -auth-ca jpki-auth-root -sign-ca jpki-sign-root use the roots of a
// `centerd init` folder), and J-LIS's key for the four facts is DIR/jlis.key (-jlis-key;
// created if missing), so every card made from one folder has the same PKI.
// -write-roots DIR2 writes what a kiosk and a center trust for this card: jpki-auth-root.crt,
// jpki-sign-root.crt and jlis-text.pub (the kiosk's reader.text_issuer_key). With -state FILE the card's keys, certificates, PINs and counters
// survive restarts (the file is rewritten whenever a counter or PIN changes). Errors and
// certificate names are printed escaped (internal/safetext).
package main
