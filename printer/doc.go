// Package printer turns an issued certificate into paper and tells the engine
// what happened: printed (pages), or failed (reason). It composes a layout
// (package printer/layout: A4 PDF or 80 mm thermal raster) with one back end:
// ESC/POS over a device file (printer/escpos), IPP for A4 printers (printer/ipp)
// or files for the demo (printer/file); printer/backend opens the one a kiosk's
// configuration names. GPIO sensors (printer/gpio) add the
// kiosk's paper-low sensor and cabinet door to Status.
//
// # Concepts
//
// A Job is one document for one transaction (TxID). Print lays it out, checks the
// printer, prints and follows the job to its end, and returns an Outcome. Any
// error means the document was not (wholly) printed: the engine queues a void, so
// the resident is not charged, shows the Outcome's Reason (a stable code such as
// "paper-out") and alerts the technician. The Stage says whether paper may have
// come out (partial pages to collect).
//
// A Guard is the Printer as the kiosk engine uses it: it takes a SignedJob (the
// document as the center client handed it over, with the payload and signature the
// center sent) and prints only what the center signed. TestPage is the technician's
// page that says it is no certificate; Printer.PrintReceipt prints a receipt
// (layout.Receipt) for a fee taken, named "receipt-" and the issuance number.
//
// # Invariants
//
//   - One job at a time: a second Print while one runs fails at once with
//     ErrBusy; nothing is queued, so a document can never come out later for the
//     next resident. There is no retry and no reprint inside this package.
//   - Every artefact of a job (IPP job-name, demo file names) is the TxID; a job
//     without a TxID is refused.
//   - A Guard re-verifies, before a byte reaches the paper and independently of the
//     center client, the center's signature (the pinned document key) and that the
//     signed document is the one handed over for this session; it prints the signed
//     content and copies, never the handed-over copy. A mismatch is ErrNotThisDocument.
//   - Errors wrap the sentinels ErrPaperOut, ErrCoverOpen, ErrPaperJam,
//     ErrOffline, ErrUnplugged, ErrJobAborted, ErrBusy, ErrBadDocument; ReasonOf
//     maps them to resident-facing Reason codes.
package printer
