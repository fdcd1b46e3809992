package printer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"

	"madoguchi/center"
	"madoguchi/printer"
	"madoguchi/printer/printertest"
)

// pdfRecorder is a PDF back end that keeps what it was given.
type pdfRecorder struct {
	jobs   []string
	pdf    []byte
	copies int
	status printer.Status
}

func (r *pdfRecorder) PrintPDF(_ context.Context, name string, pdf []byte, pages, copies int) (printer.Result, error) {
	r.jobs = append(r.jobs, name)
	r.pdf, r.copies = pdf, copies
	return printer.Result{Pages: pages * copies, Bytes: int64(len(pdf))}, nil
}
func (r *pdfRecorder) Status(context.Context) (printer.Status, error) { return r.status, nil }
func (r *pdfRecorder) String() string                                 { return "recorder" }
func (r *pdfRecorder) Close() error                                   { return nil }

// signedJob is a document the center signed with priv, handed over for session "tx-1".
func signedJob(t *testing.T, priv ed25519.PrivateKey) printer.SignedJob {
	t.Helper()
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	doc := center.Document{Version: 1, IssueID: c.IssuanceNumber, Key: "key-of-tx-1", KioskID: "kiosk-1",
		Request: center.Request{Type: center.ResidentRecord, Copies: 2}, UnitFee: 300, Fee: 600, Content: c}
	payload, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return printer.SignedJob{Session: "tx-1", Document: doc, Payload: payload,
		Signature: ed25519.Sign(priv, center.DocumentSigningInput(payload))}
}

func TestGuard(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, otherPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		key    ed25519.PublicKey // the guard's pinned key; nil: pub
		change func(j *printer.SignedJob)
		want   error // nil: printed
	}{
		{name: "the signed document", change: func(*printer.SignedJob) {}},
		{name: "handed-over content altered: the signed content is printed", change: func(j *printer.SignedJob) {
			j.Document.Content.Title = "forged"
			j.Document.Request.Copies = 1
		}},
		{name: "bad signature", want: center.ErrBadDocument, change: func(j *printer.SignedJob) {
			j.Signature = append([]byte(nil), j.Signature...)
			j.Signature[0] ^= 1
		}},
		{name: "no signature", want: center.ErrBadDocument, change: func(j *printer.SignedJob) { j.Signature = nil }},
		{name: "payload altered after signing", want: center.ErrBadDocument, change: func(j *printer.SignedJob) {
			j.Payload = bytes.Replace(j.Payload, []byte(`"copies":2`), []byte(`"copies":9`), 1)
		}},
		{name: "signed by another key", want: center.ErrBadDocument, change: func(j *printer.SignedJob) {
			*j = signedJob(t, otherPriv)
		}},
		{name: "pinned key of another center", key: otherPub, want: center.ErrBadDocument, change: func(*printer.SignedJob) {}},
		{name: "no pinned key", key: ed25519.PublicKey{}, want: center.ErrBadDocument, change: func(*printer.SignedJob) {}},
		{name: "document of another session's request", want: printer.ErrNotThisDocument, change: func(j *printer.SignedJob) {
			j.Document.Key = "key-of-tx-2"
		}},
		{name: "another issue id", want: printer.ErrNotThisDocument, change: func(j *printer.SignedJob) {
			j.Document.IssueID = "MS-2026-1126-999999"
		}},
		{name: "another issuance number", want: printer.ErrNotThisDocument, change: func(j *printer.SignedJob) {
			j.Document.Content.IssuanceNumber = "MS-2026-1126-999999"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &pdfRecorder{status: printer.Status{Online: true}}
			l := newLayout(t)
			p, err := printer.New(printer.Options{Layout: l, PDF: rec})
			if err != nil {
				t.Fatal(err)
			}
			key := pub
			if tt.key != nil {
				key = tt.key
			}
			g := printer.NewGuard(p, key)
			defer g.Close()
			j := signedJob(t, priv)
			signed := j.Document
			tt.change(&j)
			err = g.Print(context.Background(), j)
			if tt.want != nil {
				if !errors.Is(err, tt.want) || len(rec.jobs) != 0 {
					t.Fatalf("Print = %v with %d jobs sent; want %v and nothing printed", err, len(rec.jobs), tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := l.PDF(signed.Content)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.jobs) != 1 || rec.jobs[0] != "tx-1" || rec.copies != 2 || !bytes.Equal(rec.pdf, want) {
				t.Fatalf("printed jobs %v, %d copies, signed content %v; want tx-1, 2 copies of the signed content",
					rec.jobs, rec.copies, bytes.Equal(rec.pdf, want))
			}
		})
	}
}

func TestGuardCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status printer.Status
		want   error
	}{
		{"ready", printer.Status{Online: true, PaperLow: true}, nil},
		{"paper out", printer.Status{Online: true, PaperOut: true}, printer.ErrPaperOut},
		{"cover open", printer.Status{Online: true, CoverOpen: true}, printer.ErrCoverOpen},
		{"offline", printer.Status{}, printer.ErrOffline},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := printer.New(printer.Options{Layout: newLayout(t), PDF: &pdfRecorder{status: tt.status}})
			if err != nil {
				t.Fatal(err)
			}
			g := printer.NewGuard(p, nil)
			if err := g.Check(context.Background()); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
			if g.Printer() != p {
				t.Fatal("Printer is not the guarded printer")
			}
		})
	}
}
