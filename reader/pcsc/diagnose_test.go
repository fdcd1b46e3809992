package pcsc_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"madoguchi/internal/health"
	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// TestDiagnose lists and inspects the readers of the private pcscd as `kiosk diag` does:
// no reader is a failure, an empty reader only a note, a card is inspected without
// spending a PIN try.
func TestDiagnose(t *testing.T) {
	h := pcschost.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := readertest.NewCard(readertest.Options{Device: reader.DeviceAndroid})
	if err != nil {
		t.Fatal(err)
	}
	vcExt, err := readertest.NewCard(readertest.Options{ExtendedAPDUs: true})
	if err != nil {
		t.Fatal(err)
	}
	first := regexp.MustCompile(`^` + regexp.QuoteMeta(h.ReaderName(0)) + `$`)
	tests := []struct {
		name    string
		pattern *regexp.Regexp
		card    *readertest.Card
		ext     bool // the card takes extended-length APDUs (vpcd passes them)
		status  string
		problem string
		note    string
		text    string
	}{
		{name: "no such reader", pattern: regexp.MustCompile(`^No Such Reader$`), status: health.Fail, problem: "no card reader found"},
		{name: "reader without a card", pattern: first, status: health.OK, note: "no card on the reader", text: "    card           none\n"},
		{name: "My Number Card", pattern: first, card: vc, status: health.OK, text: "    auth pin       3 tries left\n"},
		{name: "without extended length", pattern: first, card: vc, status: health.OK, note: pcsc.NoExtendedNote,
			text: "    extended apdu  no: short APDUs with chained reads\n"},
		{name: "with extended length", pattern: first, card: vcExt, ext: true, status: health.OK,
			text: "    extended apdu  yes (a certificate in two reads)\n"},
		// A phone is healthy too: its certificate waits for its PIN, which diag never sends.
		{name: "Android phone", pattern: first, card: phone, status: health.OK, text: "(JPKIAPGPSETOKEN, android)\n    auth cert      not read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.card != nil {
				if err := h.Insert(tt.card); err != nil {
					t.Fatal(err)
				}
				defer h.Remove()
			}
			d := pcsc.Diagnose(ctx, tt.pattern, time.Now())
			if d.Status != tt.status || d.Healthy() != (tt.status == health.OK) || d.Service != "ok" || d.Pattern != tt.pattern.String() {
				t.Fatalf("diagnosis %+v, want status %s", d, tt.status)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(d.Problems, "|"), tt.problem) {
				t.Errorf("problems %q lack %q", d.Problems, tt.problem)
			}
			if tt.note != "" && !strings.Contains(strings.Join(d.Notes, "|"), tt.note) {
				t.Errorf("notes %q lack %q", d.Notes, tt.note)
			}
			var b strings.Builder
			d.WriteText(&b)
			if !strings.HasPrefix(b.String(), "reader ["+tt.status+"]\n  pc/sc service    ok\n") || !strings.Contains(b.String(), tt.text) {
				t.Errorf("text:\n%s", b.String())
			}
			if tt.card != nil {
				if len(d.Readers) != 1 || !d.Readers[0].Card || d.Readers[0].Inspect == nil || !d.Readers[0].Inspect.JPKI {
					t.Fatalf("readers %+v", d.Readers)
				}
				if tt.ext && strings.Contains(strings.Join(d.Notes, "|"), pcsc.NoExtendedNote) {
					t.Errorf("a reader with extended length noted as without: %q", d.Notes)
				}
				if tt.card.TriesLeft(readertest.PINAuth) != 3 {
					t.Fatal("the diagnosis spent a PIN try")
				}
			}
		})
	}
}
