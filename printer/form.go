package printer

import (
	"context"
	"crypto"
	"fmt"
	"image"
	"time"

	"madoguchi/forms"
	"madoguchi/printer/layout"
)

// FormJob is one prefilled form (package forms) for one session.
type FormJob struct {
	Session          string // journal id of the session: names the job
	MunicipalityCode string
	MunicipalityName string
	Kiosk            string // the kiosk's id, in the stamp
	Form             forms.Form
	Facts            forms.Facts // read from the card and checked against its signature
	At               time.Time   // when the resident confirmed: the stamp's time
}

// FormLayout is job as the layout takes it, with the QR code's stamp signed by key.
func FormLayout(job FormJob, key crypto.Signer) (layout.Form, error) {
	at := job.At.In(forms.JST).Truncate(time.Second)
	stamp, err := forms.Seal(key, forms.Stamp{Municipality: job.MunicipalityCode, Form: job.Form.ID,
		Kiosk: job.Kiosk, Time: at, Facts: job.Facts})
	if err != nil {
		return layout.Form{}, fmt.Errorf("printer: form %s: %w", job.Form.ID, err)
	}
	f := layout.Form{ID: job.Form.ID, Title: job.Form.Title, Municipality: job.MunicipalityName, Stamp: stamp,
		Made: fmt.Sprintf("作成 %s　端末 %s", at.Format("2006年1月2日 15:04"), job.Kiosk)}
	for _, fd := range job.Form.Fields {
		f.Rows = append(f.Rows, layout.FormRow{Label: fd.Label, Value: job.Facts.Value(fd.Source),
			FromCard: fd.Source != forms.SourceNone, Lines: max(fd.Lines, 1)})
	}
	return f, nil
}

// PrintForm lays out and prints one prefilled form, its stamp signed by key (the
// kiosk's). Errors and Outcome as Print's.
func (p *Printer) PrintForm(ctx context.Context, key crypto.Signer, job FormJob) (Outcome, error) {
	id := "form-" + job.Session
	f, err := FormLayout(job, key)
	if err != nil {
		return p.failed(fmt.Errorf("%w: %w", ErrBadDocument, err))
	}
	return p.onePage(ctx, id, f)
}

// onePage prints a one-page form or receipt named id.
func (p *Printer) onePage(ctx context.Context, id string, f layout.Form) (Outcome, error) {
	return p.run(ctx, id, 1, func() ([]*image.Gray, error) {
		img, err := p.o.Layout.FormRaster(f)
		if err != nil {
			return nil, err
		}
		return []*image.Gray{img}, nil
	}, func() ([]byte, int, error) {
		b, err := p.o.Layout.FormPDF(f)
		return b, 1, err
	})
}

// ApplicationReceiptJob is the receipt of one electronic application: its number, the form, when it
// was signed, what the resident entered (as shown on the review screen).
type ApplicationReceiptJob struct {
	Number           string // the application number (eapp.Application.Number)
	MunicipalityName string
	Kiosk            string
	Form             forms.Form
	Entries          []layout.FormRow // label and value of each entry
	Signed           time.Time
}

// ApplicationReceiptLayout is job as the layout takes it; the QR code carries the number.
func ApplicationReceiptLayout(job ApplicationReceiptJob) layout.Form {
	at := job.Signed.In(forms.JST).Format("2006年1月2日 15:04")
	f := layout.Form{ID: "receipt-" + job.Number, Title: "電子申請 受付控", Municipality: job.MunicipalityName, Receipt: true,
		Stamp: job.Number, Made: fmt.Sprintf("作成 %s　端末 %s", at, job.Kiosk),
		Note: "この申請はマイナンバーカードの署名用電子証明書で署名され、" + job.MunicipalityName +
			"に送られます（通信できないときは、つながりしだい送られます）。受付の結果は市区町村からお知らせします。",
		Rows: []layout.FormRow{{Label: "申請番号", Value: job.Number, Lines: 1}, {Label: "申請書", Value: job.Form.Title, Lines: 1},
			{Label: "署名した日時", Value: at, Lines: 1}}}
	for _, e := range job.Entries {
		e.Lines = max(e.Lines, 1)
		f.Rows = append(f.Rows, e)
	}
	return f
}

// PrintApplicationReceipt prints the receipt of an electronic application. Errors and Outcome as
// Print's.
func (p *Printer) PrintApplicationReceipt(ctx context.Context, job ApplicationReceiptJob) (Outcome, error) {
	return p.onePage(ctx, "receipt-"+job.Number, ApplicationReceiptLayout(job))
}
