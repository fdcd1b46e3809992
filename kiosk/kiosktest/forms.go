package kiosktest

import (
	"context"

	"madoguchi/config"
	"madoguchi/forms"
	"madoguchi/kiosk"
	"madoguchi/reader/readertest"
)

// Tennyu is the form WithForms offers: a 転入届 with the name, birth date and address from
// the card and two blank boxes.
func Tennyu() forms.Form {
	return forms.Form{ID: "tennyu", Title: "転入届", TitleEN: "Notice of moving in", Fields: []forms.Field{
		{Label: "氏名", LabelEN: "Name", Source: forms.SourceName},
		{Label: "生年月日", LabelEN: "Date of birth", Source: forms.SourceBirthDate},
		{Label: "新しい住所", LabelEN: "New address", Source: forms.SourceAddress, Lines: 2},
		{Label: "前の住所", LabelEN: "Previous address", Lines: 2},
		{Label: "転入した日", LabelEN: "Date moved in"},
	}}
}

// WithForms gives the rig's municipalities the form Tennyu and trusts the virtual card's
// default J-LIS key (readertest.Key 1003) for the four facts. The rig's Check then allows
// the text AP to be selected (never its My Number file).
func WithForms(o *kiosk.Options, _ *readertest.Options) {
	ms := append([]config.Municipality(nil), o.Municipalities...)
	for i := range ms {
		ms[i].Forms = []forms.Form{Tennyu()}
	}
	o.Municipalities = ms
	o.TextIssuerKey = &readertest.Key(1003).PublicKey
}

// FormJobs returns the forms PrintForm was called with.
func (p *Printer) FormJobs() []kiosk.FormJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]kiosk.FormJob(nil), p.forms...)
}

// PrintForm "prints" a form, failing, holding and running out of paper as Print does.
func (p *Printer) PrintForm(ctx context.Context, job kiosk.FormJob) error {
	p.mu.Lock()
	p.forms = append(p.forms, job)
	p.mu.Unlock()
	return p.outcome(ctx, "print form")
}

// Audit queues an audit event outside a session, as offline's Enqueue does.
func (s *Store) Audit(ctx context.Context, event string, detail map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = append(s.outbox, Message{Kind: "audit", Detail: map[string]any{"event": event, "detail": detail}})
	return nil
}

var (
	_ kiosk.FormPrinter = (*Printer)(nil)
	_ kiosk.AuditStore  = (*Store)(nil)
)
