// Command vcard attaches a virtual My Number Card (package reader/readertest) to a running
// pcscd through vsmartcard's vpcd driver: it dials the vpcd slot, answers its frames, and
// redials 200 ms after pcscd drops the connection. Test use only: never install
// vsmartcard-vpcd on a kiosk image.
//
//	vcard -addr 127.0.0.1:35963 -pki /tmp/pki -state /tmp/card.json -log
//
// -device selects what answers: the plastic card (default), an Android phone carrying the
// スマホ用電子証明書 (its certificate readable only after its PIN), an iPhone (no PIN at
// the terminal; -approved stands for the resident's Face ID; its protocol is not
// published, so this is the readertest package's ASSUMED model) or a 顔認証マイナンバーカード
// (no PIN, no signature certificate).
//
// With -pki DIR the card's certificates are issued by DIR/auth-ca.{crt,key} and
// DIR/sign-ca.{crt,key} (readertest.CA.WritePEM format; created there if missing, so a test
// center can trust them). SIGUSR1 removes the card from the reader, SIGUSR2 inserts it
// again; SIGINT/SIGTERM end the program. With -state FILE the card's keys, certificates, PINs and counters
// survive restarts (the file is rewritten whenever a counter or PIN changes). Errors and
// certificate names are printed escaped (internal/safetext).
package main
