// Package backend is the one place that knows the printer back ends by name: it opens
// the back end a kiosk's [printer] section names (config.BackendESCPOS, BackendIPP or
// BackendFile) and composes it with the certificate layout into a printer.Printer.
//
// # Concepts
//
//   - Open opens the back end to print through; OpenStatus opens it for a status read
//     only (`kiosk diag`): nothing is laid out or printed and, for the file back end, no
//     directory is created.
//   - A Device is an opened back end: exactly one of its Raster and PDF is set. The file
//     back end takes pages for 80 mm paper and a PDF for A4; ESC/POS takes pages; IPP a
//     PDF.
//   - Diagnose is the printer section of `kiosk diag` (a status read through OpenStatus),
//     with the fonts: no certificate font fails; a receipt language whose fallback font
//     is missing warns, naming the Debian package (its receipts print in English).
//
// # Invariants
//
//   - An unknown back end is an error, never a default.
//   - The back ends' own errors stay wrapped (a device another process holds is
//     syscall.EBUSY), so callers branch with errors.Is.
package backend
