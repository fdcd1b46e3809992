// Package printertest holds test doubles with behaviour for package printer and its
// back ends: fixture certificate content for the six certificate types, a fake
// ESC/POS printer behind a real pseudo-terminal (it decodes the byte stream back
// into page images, answers DLE EOT status queries with switchable paper-out,
// near-end, cover-open and offline states, and can be unplugged mid-job), a
// decoder for our ESC/POS stream, and a helper that starts CUPS's ippeveprinter
// on loopback.
//
// Nothing here is a mock of a device: the printer code under test opens the
// pseudo-terminal's device file exactly as it opens /dev/usb/lp0, and the IPP
// code talks HTTP to a real IPP server.
package printertest
