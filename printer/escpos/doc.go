// Package escpos prints raster pages on ESC/POS thermal printers through a device
// file: /dev/usb/lp0 (usblp), a serial port (/dev/ttyUSB0, set to raw mode here;
// the line speed is the system's), or any character device that answers.
//
// # Concepts
//
// Text is never sent as characters: pages arrive already rendered (package
// layout) and are sent as GS v 0 raster bands, so no Kanji ROM is needed. Each
// page ends with a feed and a cut (GS V). Status is read with the real-time
// command DLE EOT n (n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper
// sensor), each answered by one byte, before the job, between bands and after the
// job. Status is never queried while a band is in flight, because a real-time
// command inside raster data would be taken as image bytes.
//
// # Invariants
//
//   - A failure before any byte of the job was sent is a *printer.JobError with
//     Stage "before"; once bytes were sent it is "during" (or "after" when the
//     final status check fails): paper may be partially printed.
//   - Write errors meaning the device went away (ENODEV, EIO, ENXIO, EPIPE) are
//     printer.ErrUnplugged; no answer to DLE EOT within the read timeout is
//     printer.ErrOffline.
//   - Close leaves the printer idle: nothing is buffered on our side.
package escpos
