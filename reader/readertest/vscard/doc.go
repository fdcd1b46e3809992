// Package vscard puts the virtual My Number Card (readertest.Card) behind QEMU's USB CCID
// reader: QEMU's usb-ccid device with a ccid-card-passthru card forwards every APDU over
// a chardev socket in the VSCard protocol, and this package answers on the other end, so
// a guest's pcscd and libccid see a real USB CCID reader with our card in it. It is the
// appliance test's card (make test-image); in tests without a guest the Host double plays
// QEMU's side. Test use only.
//
// # The protocol (vscard_common.h in Debian's libcacard-dev; QEMU's ccid-card-passthru.c)
//
// Every message is a 12-byte header — type, reader_id, length, each a big-endian uint32,
// length counting the payload only — and the payload. The "client" owns the card (this
// package, Client); the "host" uses it (QEMU). Types: Init 1, Error 2, ReaderAdd 3,
// ReaderRemove 4, ATR 5, CardRemove 6, APDU 7, Flush 8, FlushComplete 9. Init carries the
// magic, the four bytes "VSCD" as they are (QEMU copies VSCARD_MAGIC without swapping),
// the version MAKE_VERSION(0,0,2) = 2 and at least one capability word (0). Error carries
// one code: 0 success, 1 general error, 2 cannot add more readers, 3 card already inserted.
// TestConstantsMatchHeader checks these numbers against the installed header.
//
// What QEMU does (read in its source, then seen with qemu-system-x86_64 7.2): it sends Init
// when the device is realized (lost if nobody is connected yet) and again in reply to the
// client's Init; it answers ReaderAdd with Error(success) for reader id 0, an ATR with
// Error(success) — or Error(general error) when the ATR is longer than 40 bytes or lacks the
// bytes its T0 and TD bytes announce —, CardRemove and ReaderRemove with Error(success), and
// any other type with Error(general error). The guest's APDUs arrive as APDU messages for
// reader 0; the answer is an APDU message, or an Error, which fails the guest's CCID
// command. QEMU buffers 64 KiB of input and drops the chardev when a message does not fit
// (MaxMessage). QEMU sends no Flush that we saw in its source; it never tells the client
// about the guest's power-off or reset of the card: it answers those from the ATR it has.
//
// # The client (Client.Serve)
//
// On each connection: send Init; wait (HandshakeTimeout) for the host's Init and check it
// (magic, major version 0); send ReaderAdd; after its acknowledgement send the ATR if the
// card is in. Then follow the card: Card.Insert (or a card that is in at connection) →
// Card.Reset and an ATR (the guest sees a freshly powered card); Card.Remove or a
// FaultRemove → CardRemove. An APDU is answered by Card.Handle; with no card, or a card
// taken out mid-command, by Error(general error). A Flush is answered by FlushComplete at
// once (APDUs are answered in order, before the next message is read). A refused ATR is
// not sent again until the next insertion. When ctx ends with the card in, a CardRemove
// goes out first, so the guest sees the card go rather than a reader that stops answering.
// The verified-PIN state lives in the card until the next ATR, since QEMU hides the
// guest's resets (see above). Client.State and Client.WaitState tell what the host has
// acknowledged (connected, reader added, card in, APDUs answered); OnEvent sees each event.
//
// Errors: a header announcing more than MaxPayload bytes, an Init with another magic or
// major version, a malformed Error payload, or anything but Init first end the connection
// with a *ProtocolError wrapping ErrTooLong, ErrBadMagic, ErrMalformed or ErrUnexpected
// (VSCard has no way to find the next header again); a host's refusal of ReaderAdd ends it
// with ErrReaderRefused; unknown types and client-only types are answered with Error and
// the connection goes on. FuzzReadMsg and FuzzClient feed arbitrary bytes.
//
// # Connecting (DialAndServe, ListenAndServe, Endpoint)
//
// QEMU's chardev socket can listen or connect; both are supported, on a unix socket or TCP:
//
//	-chardev socket,id=vscard,path=SOCK,server=on,wait=off   → Client.DialAndServe (dials, redials after RedialDelay)
//	-chardev socket,id=vscard,path=SOCK                      → Client.ListenAndServe (QEMU connects at start-up)
//
// Prefer the first: QEMU keeps listening and the Client comes back by itself. In the
// second, a QEMU chardev that connects comes back after a lost connection only with its
// reconnect option: "reconnect=SECONDS" up to QEMU 9.1, "reconnect-ms=MS" from 9.2, which
// deprecated the former (QEMU's deprecation notes; only 7.2 was run here).
//
// with the reader and the card:
//
//	-device qemu-xhci,id=xhci -device usb-ccid,bus=xhci.0 -device ccid-card-passthru,chardev=vscard
//
// usb-ccid is a full-speed device: put it on an xHCI (qemu-xhci) bus, which takes every
// speed. ParseEndpoint reads "unix:PATH" or "tcp:HOST:PORT". Serve owns its conn; every loop
// returns ctx.Err() when ctx ends and leaves no goroutine behind (the tests count them).
//
// # The ATR: T=0
//
// QEMU's usb-ccid reader supports only T=0. With an ATR that offers only T=1, such as
// readertest.ATRMyNumber, the guest's pcscd reports the card present but refuses to connect
// ("Protocol T=1 not supported by reader"). Serve such a guest readertest.ATRJINC (T=0
// first, then T=1), which the guest's OpenSC still names "jpki" by SELECT of the JPKI AP.
//
// # Inserting and removing
//
// In-process, call Card.Remove and Card.Insert. For a card in another process (cmd/vcard
// -control PATH), ServeControl answers one line per unix-socket connection — "insert",
// "remove" or "status" — with "inserted" or "removed" (the card's state afterwards) or
// "error: …", and SendControl is its client. The answer means the card has changed; the
// ATR or CardRemove to QEMU follows at once from the serving goroutine (wait on
// Client.OnEvent's EventInserted / EventRemoved to know QEMU acknowledged it).
//
// # Tested how
//
// Against the Host double (unix sockets, TCP on 127.0.0.1): the whole flow, both chardev
// roles with a reconnect, malformed host messages, a removal mid-command, a refused ATR,
// the control socket. Against real QEMU (qemu-system-x86_64, -S, no guest): the handshake
// in both roles, the reader on the USB bus (QMP "info usb"), an ATR accepted and one
// refused by QEMU's own check, a removal acknowledged. With a guest (TestGuestSeesCard, not
// in -short; about 13 s): Debian 12's kernel boots under TCG from an initramfs holding
// busybox and the host's pcscd 1.9.9, libccid 1.5.2 and opensc-tool; in the guest pcscd
// lists "Gemalto Gemplus USB SmartCard Reader 433-Swap" with the card, opensc-tool reads
// its ATR and names it "jpki" (OpenSC's APDU probing reaches the card), sees it taken out
// and put back from the host, and gets 90 00 for a SELECT after that.
package vscard
