// Package file is a printer back end that writes files instead of paper, for
// `kiosk demo` and for tests: the A4 PDF as <name>.pdf, or the thermal pages as
// <name>-pN.png plus <name>.escpos, the exact ESC/POS byte stream a thermal
// printer would have received.
//
// # Copies
//
// The files show every sheet the job would put in the tray, so the copy count can be
// checked by counting pages. For thermal jobs package printer already sends the pages
// once per copy. For PDF jobs an office printer gets one document and a copies
// attribute; here <name>.pdf holds the document's pages once per copy, collated
// (1..n, 1..n, …): one file per job, not one per copy, so the job keeps a single
// artefact named by its transaction ID (the never-overwrite rule below stays one exclusive
// create) and `pdfinfo` gives pages × copies. The copies are an incremental update
// appended to the layout's bytes (new page objects sharing the original content
// streams), so a single copy is the layout's PDF byte for byte and the first copy always
// is; a PDF whose page tree cannot be read, or disagrees with the page count, is refused
// with printer.ErrBadDocument before anything is written.
//
// # Invariants
//
//   - Every artefact is named by the job name (the transaction ID) and is created
//     exclusively: a name that already exists is refused, never overwritten, so
//     one resident's document can never replace or be taken for another's.
//   - An artefact is durable when the job returns, and whole whenever it exists: it
//     is written through internal/durable (a hidden part file, synced, linked to its
//     name, the folder synced), so a power cut leaves the complete file or none (a
//     left-over .<name>.part is not an artefact).
//   - A fault set with SetFault makes jobs fail before anything is written, as a
//     real printer that is out of paper would; it is the demo's way to show the
//     void path.
package file
