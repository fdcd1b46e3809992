// Package ipp prints A4 PDF documents on IPP printers (IPP Everywhere printers,
// or CUPS queues) with github.com/phin1x/go-ipp as the protocol codec and HTTP
// transport.
//
// # Concepts
//
// A job is one Print-Job request carrying the PDF. The printer's state is read
// before submitting (printer-state, printer-state-reasons); the job is then
// followed with Get-Job-Attributes until it is completed, aborted or canceled.
// Only "completed" counts as printed. State-reason keywords are read without their
// -error/-warning/-report suffix: media-empty and media-needed mean paper out,
// media-low paper low, door-open/cover-open/interlock-open cover open, media-jam a
// jam, offline/shutdown/paused not ready.
//
// # Invariants
//
//   - A failure before Print-Job was accepted is a *printer.JobError with Stage
//     "before"; from then on the job may have printed partly and the stage is
//     "during". An aborted or canceled job wraps printer.ErrJobAborted, and also the
//     printer condition that explains it (e.g. printer.ErrPaperOut).
//   - If the caller's context ends while the job runs, the job is canceled at the
//     printer (with a short, uncancelable context) and the error wraps ctx.Err().
//   - A printer that cannot be reached is printer.ErrOffline.
package ipp
