package kiosktest

import (
	"context"
	"slices"

	"madoguchi/config"
	"madoguchi/forms"
	"madoguchi/kiosk"
	"madoguchi/reader/readertest"
)

// Tenshutsu is the electronic form WithApplications offers: a 転出届 with the name and
// address from the card and three fields entered on the screen (a date, digits, kana).
func Tenshutsu() forms.Form {
	return forms.Form{ID: "tenshutsu-e", Title: "転出届（電子申請）", TitleEN: "Notice of moving out (online)", Electronic: true,
		Fields: []forms.Field{
			{Label: "氏名", LabelEN: "Name", Source: forms.SourceName},
			{Label: "現住所", LabelEN: "Current address", Source: forms.SourceAddress, Lines: 2},
			{Label: "転出予定日", LabelEN: "Moving-out date", Input: forms.InputDate},
			{Label: "電話番号", LabelEN: "Telephone", Input: forms.InputDigits},
			{Label: "氏名のフリガナ", LabelEN: "Name in katakana", Input: forms.InputKana},
		}}
}

// WithApplications is WithForms with the electronic form Tenshutsu as the only form.
func WithApplications(o *kiosk.Options, c *readertest.Options) {
	WithForms(o, c)
	ms := append([]config.Municipality(nil), o.Municipalities...)
	for i := range ms {
		ms[i].Forms = []forms.Form{Tenshutsu()}
	}
	o.Municipalities = ms
}

// QueueApplication queues a signed application as offline's Enqueue does: outbox kind
// "application", detail "number" and "signed_data" ([]byte).
func (s *Store) QueueApplication(ctx context.Context, number string, signedData []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failStep["application"]; err != nil {
		return err
	}
	s.outbox = append(s.outbox, Message{Kind: "application", Detail: map[string]any{"number": number,
		"signed_data": slices.Clone(signedData)}})
	return nil
}

// ApplicationJobs returns the receipts PrintApplicationReceipt was called with.
func (p *Printer) ApplicationJobs() []kiosk.ApplicationReceiptJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]kiosk.ApplicationReceiptJob(nil), p.apps...)
}

// PrintApplicationReceipt "prints" a receipt, failing, holding and running out of paper
// as Print does.
func (p *Printer) PrintApplicationReceipt(ctx context.Context, job kiosk.ApplicationReceiptJob) error {
	p.mu.Lock()
	p.apps = append(p.apps, job)
	p.mu.Unlock()
	return p.outcome(ctx, "print application receipt")
}

var (
	_ kiosk.ApplicationPrinter = (*Printer)(nil)
	_ kiosk.ApplicationStore   = (*Store)(nil)
)
