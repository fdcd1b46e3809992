package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/eapp"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestApplicationsPage: an application a kiosk sent (signed by a virtual card with the
// center's test signing root) is listed with its number, form, kiosk and signer, and the
// page shows nothing of what it says (the resident's entry, the holder's name).
func TestApplicationsPage(t *testing.T) {
	f := newFixture(t)
	session, _ := f.login(t)
	if body := f.page(t, "/applications", session); !strings.Contains(body, "No applications received.") {
		t.Fatalf("empty list:\n%s", body)
	}

	pki := f.c.PKI()
	vc, err := readertest.NewCard(readertest.Options{PKI: &readertest.PKI{Auth: pki.AuthCA, Sign: pki.SignCA},
		NotBefore: base.Add(-time.Hour), NotAfter: base.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	card := reader.New(vc)
	if err := card.Verify(f.ctx, reader.SignPIN, []byte("ABC123")); err != nil {
		t.Fatal(err)
	}
	cert, err := card.SignCertificate(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	const entry = "2026-12-20-MOVE"
	app := eapp.Application{Number: "A00001-KIOSK", Municipality: config.DemoMunicipalityCode, Form: "tenshutsu",
		Kiosk: "kiosk-0001", Signed: base, Entries: []eapp.Entry{{Label: "転出予定日", Value: entry}}}
	content, err := app.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sd, err := eapp.SignedData(content, cert, app.Signed, func(di []byte) ([]byte, error) { return card.Sign(f.ctx, reader.SignKey, di) })
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(center.ApplicationPayload{Number: app.Number, SignedData: sd})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.kiosk.SendMessages(f.ctx, []center.Message{{Seq: 1, Key: "app-0000000000000001", Kind: center.KindApplication, Payload: payload}})
	if err != nil || len(res) != 1 || res[0].Outcome != center.OutcomeAccepted {
		t.Fatalf("send: %+v %v", res, err)
	}

	body := f.page(t, "/applications", session)
	for _, want := range []string{"A00001-KIOSK", "tenshutsu", config.DemoMunicipalityCode, "kiosk-0001", cert.SerialNumber.Text(16), "2026-11-25 12:00"} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{entry, readertest.DefaultHolder.Name, readertest.DefaultHolder.Address} {
		if secret != "" && strings.Contains(body, secret) {
			t.Errorf("the list shows %q (what the application says)", secret)
		}
	}
}

// page gets path with the session and returns its body (200 expected).
func (f *fixture) page(t *testing.T, path string, session *http.Cookie) string {
	t.Helper()
	resp := f.get(t, path, session)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, err, b)
	}
	return string(b)
}
