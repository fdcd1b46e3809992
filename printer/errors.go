package printer

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors for conditions the engine branches on. Back ends wrap them (with
// *JobError when a job was under way); test with errors.Is.
var (
	ErrPaperOut     = errors.New("printer: paper out")
	ErrCoverOpen    = errors.New("printer: cover open")
	ErrPaperJam     = errors.New("printer: paper jam or cutter error")
	ErrOffline      = errors.New("printer: offline or not answering")
	ErrUnplugged    = errors.New("printer: device unplugged")
	ErrJobAborted   = errors.New("printer: job aborted by the printer")
	ErrBusy         = errors.New("printer: another job is printing")
	ErrBadDocument  = errors.New("printer: document cannot be printed")
	ErrNotSupported = errors.New("printer: not supported by this back end")
)

// Reason is a stable, resident-facing reason code for a failed print. Screens map
// it to text ("the printer is out of paper; you have not been charged"); the
// technician alert carries it too.
type Reason string

// Reason codes.
const (
	ReasonNone        Reason = ""
	ReasonPaperOut    Reason = "paper-out"
	ReasonCoverOpen   Reason = "cover-open"
	ReasonPaperJam    Reason = "paper-jam"
	ReasonOffline     Reason = "printer-offline"
	ReasonUnplugged   Reason = "printer-unplugged"
	ReasonJobAborted  Reason = "job-aborted"
	ReasonBusy        Reason = "printer-busy"
	ReasonBadDocument Reason = "bad-document"
	ReasonCanceled    Reason = "canceled"
	ReasonUnknown     Reason = "printer-error"
)

// ReasonOf classifies err. nil gives ReasonNone; anything unrecognised ReasonUnknown.
func ReasonOf(err error) Reason {
	switch {
	case err == nil:
		return ReasonNone
	case errors.Is(err, ErrUnplugged):
		return ReasonUnplugged
	case errors.Is(err, ErrCoverOpen):
		return ReasonCoverOpen
	case errors.Is(err, ErrPaperOut):
		return ReasonPaperOut
	case errors.Is(err, ErrPaperJam):
		return ReasonPaperJam
	case errors.Is(err, ErrJobAborted):
		return ReasonJobAborted
	case errors.Is(err, ErrOffline):
		return ReasonOffline
	case errors.Is(err, ErrBusy):
		return ReasonBusy
	case errors.Is(err, ErrBadDocument):
		return ReasonBadDocument
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ReasonCanceled
	}
	return ReasonUnknown
}

// Stage says when in a job a failure happened.
type Stage string

// Stages of a job.
const (
	StageBefore Stage = "before" // nothing was sent to the printer
	StageDuring Stage = "during" // part of the job may be on paper
	StageAfter  Stage = "after"  // all was sent; the printer failed while finishing
)

// JobError is a failure while a job was being printed. Printed pages may be partial
// and must be collected by a technician; the document is never reprinted for
// anybody.
type JobError struct {
	Stage Stage
	Pages int // pages fully sent before the failure
	Err   error
}

func (e *JobError) Error() string {
	return fmt.Sprintf("%s job (%d pages sent): %v", e.Stage, e.Pages, e.Err)
}

func (e *JobError) Unwrap() error { return e.Err }

// StageOf returns the stage of a *JobError in err's chain, or StageBefore.
func StageOf(err error) Stage {
	var je *JobError
	if errors.As(err, &je) {
		return je.Stage
	}
	return StageBefore
}
