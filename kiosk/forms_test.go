package kiosk_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// toFormPIN walks from idle to the text AP's PIN pad with the form Tennyu.
func (r *rig) toFormPIN() {
	r.t.Helper()
	if v := r.view(); len(v.Forms) != 1 || v.Forms[0].Title != "転入届" || !v.Forms[0].Available {
		r.t.Fatalf("idle offers forms %+v", v.Forms)
	}
	r.in(kiosk.InputForms, 0)
	r.want(kiosk.StateFormChoose)
	r.in(kiosk.InputSelect, 0)
	r.want(kiosk.StateFormCard)
	r.insert()
	r.want(kiosk.StateFormPIN)
}

// personal are the default virtual card's facts, which no outbox message or log may hold.
var personal = []string{readertest.DefaultHolder.Name, readertest.DefaultHolder.Address, readertest.DefaultHolder.BirthDate,
	"1990年1月2日"}

func (r *rig) noPersonalData() {
	r.t.Helper()
	out, err := json.Marshal(r.Store.Outbox())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, p := range personal {
		if strings.Contains(string(out), p) || strings.Contains(r.Logs.String(), p) {
			r.t.Errorf("%q in the outbox or the log", p)
		}
	}
}

func TestFormPrinted(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t, kiosktest.WithForms)
		defer r.close()
		r.toFormPIN()
		v := r.view()
		if v.TriesLeft != 3 || r.Card.TriesLeft(readertest.PINText) != 3 || !v.FormsSession || v.FormTitle != "転入届" {
			t.Fatalf("pin pad: tries %d shown, %d on the card; view %+v", v.TriesLeft, r.Card.TriesLeft(readertest.PINText), v)
		}
		if r.Card.TriesLeft(readertest.PINAuth) != 3 {
			t.Error("the authentication PIN was touched")
		}
		r.pin("1234")
		r.want(kiosk.StateFormConfirm)
		want := []kiosk.FactView{{Label: "氏名", LabelEN: "Name", Value: "見本 花子"},
			{Label: "生年月日", LabelEN: "Date of birth", Value: "1990年1月2日"},
			{Label: "新しい住所", LabelEN: "New address", Value: readertest.DefaultHolder.Address}}
		if got := r.view().Facts; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("facts %+v, want %+v", got, want)
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateFormTake)
		if v := r.view(); v.Facts != nil || v.FormsSession {
			t.Errorf("facts still in the view after the session: %+v", v)
		}
		jobs := r.Printer.FormJobs()
		if len(jobs) != 1 || jobs[0].Form.ID != "tennyu" || jobs[0].Facts.Name != "見本 花子" || jobs[0].Kiosk == "" ||
			jobs[0].MunicipalityCode == "" || jobs[0].At.IsZero() || len(r.Printer.Jobs()) != 0 {
			t.Fatalf("form jobs %+v", jobs)
		}
		ob := r.Store.Outbox()
		if len(ob) != 1 || ob[0].Kind != "audit" || ob[0].Detail["event"] != kiosk.EventFormPrinted {
			t.Fatalf("outbox %+v, want one form_printed audit event", ob)
		}
		if d := ob[0].Detail["detail"].(map[string]any); len(d) != 3 || d["form"] != "tennyu" || d["at"] == "" {
			t.Errorf("audit detail %v, want form, municipality, at", d)
		}
		if len(r.Store.Sessions()) != 0 {
			t.Error("a form opened a certificate journal")
		}
		r.noPersonalData()
		r.remove()
		r.want(kiosk.StateIdle)
	})
}

func TestFormProblems(t *testing.T) {
	tests := []struct {
		name  string
		opts  []kiosktest.RigOption
		setup func(r *rig)
		act   func(r *rig)
		want  kiosk.Problem
	}{
		{"wrong PINs lock", nil, nil, func(r *rig) {
			r.pin("9999")
			r.want(kiosk.StateFormPIN)
			if v := r.view(); !v.WrongPIN || v.TriesLeft != 2 || r.Card.TriesLeft(readertest.PINText) != 2 {
				r.t.Fatalf("after a wrong PIN: %+v, card %d", v, r.Card.TriesLeft(readertest.PINText))
			}
			r.pin("9999")
			if v := r.view(); v.TriesLeft != 1 {
				r.t.Fatalf("tries %d, want 1 (the last-try warning)", v.TriesLeft)
			}
			r.pin("9999")
		}, kiosk.ProblemPINLocked},
		{"locked before", nil, func(r *rig) { r.Card.SetTriesLeft(readertest.PINText, 0) }, nil, kiosk.ProblemPINLocked},
		// A phone has no 券面事項入力補助AP: refused before any PIN, none of its tries spent.
		{"android phone", []kiosktest.RigOption{func(_ *kiosk.Options, c *readertest.Options) {
			c.Device = reader.DeviceAndroid
		}}, nil, nil, kiosk.ProblemFormNeedsCard},
		{"facts not signed by the trusted key", []kiosktest.RigOption{func(o *kiosk.Options, _ *readertest.Options) {
			o.TextIssuerKey = &readertest.Key(1002).PublicKey
		}}, nil, func(r *rig) { r.pin("1234") }, kiosk.ProblemCardNotAccepted},
		{"card removed at the PIN", nil, nil, func(r *rig) { r.remove() }, kiosk.ProblemCardRemoved},
		{"paper out", nil, nil, func(r *rig) {
			r.pin("1234")
			r.want(kiosk.StateFormConfirm)
			r.Printer.PaperOut(true)
			r.in(kiosk.InputNext, 0)
		}, kiosk.ProblemPaperOut},
		{"cancel at confirm", nil, nil, func(r *rig) {
			r.pin("1234")
			r.in(kiosk.InputCancel, 0)
		}, kiosk.ProblemCancelled},
		{"timeout at confirm", nil, nil, func(r *rig) {
			r.pin("1234")
			r.want(kiosk.StateFormConfirm)
			r.sleep(61 * time.Second)
		}, kiosk.ProblemTimedOut},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, append([]kiosktest.RigOption{kiosktest.WithForms}, tc.opts...)...)
				defer r.close()
				if tc.setup != nil {
					tc.setup(r)
				}
				if tc.act == nil {
					r.in(kiosk.InputForms, 0)
					r.in(kiosk.InputSelect, 0)
					r.insert()
				} else {
					r.toFormPIN()
					tc.act(r)
				}
				r.wantProblem(tc.want)
				for _, m := range r.Store.Outbox() {
					if m.Detail["event"] == kiosk.EventFormPrinted {
						t.Errorf("form_printed audited after %s", tc.want)
					}
				}
				if v := r.view(); v.Facts != nil {
					t.Errorf("facts in the problem view: %+v", v.Facts)
				}
				r.noPersonalData()
			})
		})
	}
}

func TestFormOptions(t *testing.T) {
	m := kiosktest.AllDay()
	m.Forms = append(m.Forms, kiosktest.Tennyu())
	for _, tc := range []struct {
		name string
		opts kiosk.Options
	}{
		{"no issuer key", kiosk.Options{Center: &kiosktest.Center{}, Store: &kiosktest.Store{}, Printer: &kiosktest.Printer{}}},
		{"printer without forms", kiosk.Options{Center: &kiosktest.Center{}, Store: &kiosktest.Store{},
			Printer: struct{ kiosk.Printer }{&kiosktest.Printer{}}, TextIssuerKey: &readertest.Key(1003).PublicKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Municipalities = append(tc.opts.Municipalities, m)
			if _, err := kiosk.New(tc.opts); err == nil {
				t.Fatal("engine built")
			}
		})
	}
}

// factsSpy keeps the slices the engine passes to ReadFourFacts.
type factsSpy struct {
	kiosk.Card
	mu   sync.Mutex
	seen [][]byte
	sent []string
}

func (c *factsSpy) ReadFourFacts(ctx context.Context, pin []byte, jlis *rsa.PublicKey) (*reader.FourFacts, error) {
	c.mu.Lock()
	c.seen = append(c.seen, pin)
	c.sent = append(c.sent, string(pin))
	c.mu.Unlock()
	return c.Card.(kiosk.FactsCard).ReadFourFacts(ctx, pin, jlis)
}

func TestFormPINNeverKept(t *testing.T) {
	const secret, wrong = "4826", "5937"
	bubble(t, func(t *testing.T) {
		r := newRig(t, kiosktest.WithForms, func(_ *kiosk.Options, o *readertest.Options) { o.TextPIN = secret })
		defer r.close()
		spy := &factsSpy{}
		r.WrapCard = func(c kiosk.Card) kiosk.Card { spy.Card = c; return spy }
		r.toFormPIN()
		r.pin(wrong)
		r.want(kiosk.StateFormPIN)
		r.pin(secret)
		r.want(kiosk.StateFormConfirm)
		if buf, n, ok := kiosk.PINBuffer(r.Engine); ok && (n != 0 || buf != [4]byte{}) {
			t.Fatalf("session keeps %q after OK", buf)
		}
		spy.mu.Lock()
		if len(spy.sent) != 2 || spy.sent[0] != wrong || spy.sent[1] != secret {
			t.Fatalf("card saw %q", spy.sent)
		}
		for i, b := range spy.seen {
			if string(b) != "\x00\x00\x00\x00" {
				t.Errorf("PIN buffer %d not zeroed after ReadFourFacts: %q", i, b)
			}
		}
		spy.mu.Unlock()
		for _, p := range []string{secret, wrong} {
			if strings.Contains(r.Logs.String(), p) || strings.Contains(fmt.Sprintf("%+v", r.view()), p) {
				t.Errorf("PIN %s in the log or the view", p)
			}
		}
	})
}
