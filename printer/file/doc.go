// Package file is a printer back end that writes files instead of paper, for
// `kiosk demo` and for tests: the A4 PDF as <name>.pdf, or the thermal pages as
// <name>-pN.png plus <name>.escpos, the exact ESC/POS byte stream a thermal
// printer would have received.
//
// # Invariants
//
//   - Every artefact is named by the job name (the transaction ID) and is created
//     exclusively: a name that already exists is refused, never overwritten, so
//     one resident's document can never replace or be taken for another's.
//   - A fault set with SetFault makes jobs fail before anything is written, as a
//     real printer that is out of paper would; it is the demo's way to show the
//     void path.
package file
