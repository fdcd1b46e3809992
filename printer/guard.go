package printer

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"madoguchi/center"
)

// SignedJob is one issued document for exactly one session, as the center client handed
// it over: the decoded Document and the bytes the center signed. It has the fields of
// kiosk.PrintJob, so the engine's job converts to it.
type SignedJob struct {
	Session   string          // journal id of the session: names every artefact of the job
	Document  center.Document // what the center client verified and handed over
	Payload   []byte          // the document as signed by the center
	Signature []byte          // the center's signature over Payload
}

// ErrNotThisDocument refuses a job whose signed payload is not the document handed over.
var ErrNotThisDocument = errors.New("printer: job does not match the center-signed document")

// Guard is a Printer that prints only what the center signed. Before anything reaches
// the printer it verifies again, independently of the center client, the center's
// signature over the payload and that the signed document is the one handed over for
// this session (same key, issue id and issuance number); then it prints the signed
// content with the signed number of copies, never the handed-over copy.
type Guard struct {
	p      *Printer
	docKey ed25519.PublicKey
}

// NewGuard guards p with the center's pinned document-signing key.
func NewGuard(p *Printer, docKey ed25519.PublicKey) *Guard { return &Guard{p: p, docKey: docKey} }

// Print re-verifies job and prints it. A job that fails the check wraps
// center.ErrBadDocument (signature, payload) or ErrNotThisDocument, and nothing is printed.
func (g *Guard) Print(ctx context.Context, job SignedJob) error {
	signed, err := center.VerifyDocument(g.docKey, job.Payload, job.Signature)
	if err != nil {
		return fmt.Errorf("print %s: %w", job.Session, err)
	}
	if signed.Key != job.Document.Key || signed.IssueID != job.Document.IssueID ||
		signed.Content.IssuanceNumber != job.Document.Content.IssuanceNumber {
		return fmt.Errorf("print %s: %w", job.Session, ErrNotThisDocument)
	}
	// Print what was signed, not what was handed over.
	_, err = g.p.Print(ctx, Job{TxID: job.Session, Content: signed.Content, Copies: signed.Request.Copies})
	return err
}

// Check reports whether the printer can take a job now (paper, cover, reachable).
func (g *Guard) Check(ctx context.Context) error {
	st, err := g.p.Status(ctx)
	if err != nil {
		return err
	}
	return st.Err()
}

// Printer is the guarded printer, for what is not a center's document (a technician's
// test page) and for status reads.
func (g *Guard) Printer() *Printer { return g.p }

// Close closes the printer.
func (g *Guard) Close() error { return g.p.Close() }
