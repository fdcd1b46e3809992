package kiosk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/config"
	"madoguchi/eapp"
	"madoguchi/forms"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

const appPassword = "MIHON42"

func withPassword(_ *kiosk.Options, o *readertest.Options) { o.SignPIN = appPassword }

// toAppEntry walks from idle through the electronic form's 券面事項 PIN to its first field.
func (r *rig) toAppEntry() {
	r.t.Helper()
	if v := r.view(); len(v.Forms) != 1 || !v.Forms[0].Electronic {
		r.t.Fatalf("idle offers forms %+v", v.Forms)
	}
	r.in(kiosk.InputForms, 0)
	r.in(kiosk.InputSelect, 0)
	r.want(kiosk.StateFormCard)
	r.insert()
	r.want(kiosk.StateFormPIN)
	if v := r.view(); v.TriesLeft != 3 || r.Card.TriesLeft(readertest.PINText) != 3 {
		r.t.Fatalf("text PIN tries %d shown, %d on the card", v.TriesLeft, r.Card.TriesLeft(readertest.PINText))
	}
	r.pin("1234")
	r.want(kiosk.StateAppEntry)
}

// chars types s on the password or kana keyboard.
func (r *rig) chars(s string) {
	for _, c := range s {
		r.Engine.Input(kiosk.Input{Kind: kiosk.InputChar, Arg: int(c)})
	}
	r.settle()
}

// toAppReview fills in Tenshutsu's three fields: the date one day up, a telephone
// number, and a name's reading typed with the voiced mark.
func (r *rig) toAppReview() {
	r.t.Helper()
	r.toAppEntry()
	r.Engine.Input(kiosk.Input{Kind: kiosk.InputDatePart, Arg: kiosk.DateDay, On: true})
	r.in(kiosk.InputNext, 0)
	r.want(kiosk.StateAppEntry)
	for _, c := range "0312345678" {
		r.Engine.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(c - '0')})
	}
	r.in(kiosk.InputNext, 0)
	r.chars("ミホン　ハ" + string(kiosk.KanaVoiced) + "ナコ")
	if v := r.view(); v.EntryText != "ミホン　バナコ" {
		r.t.Fatalf("kana %q", v.EntryText)
	}
	r.in(kiosk.InputNext, 0)
	r.want(kiosk.StateAppReview)
}

func (r *rig) toAppPassword() {
	r.t.Helper()
	r.toAppReview()
	r.in(kiosk.InputNext, 0)
	r.want(kiosk.StateAppPassword)
}

func (r *rig) password(s string) {
	r.chars(s)
	r.in(kiosk.InputNext, 0)
}

// signSpy keeps the slices the engine passes to Verify for the signing password.
type signSpy struct {
	*reader.Card
	mu   sync.Mutex
	seen [][]byte
	sent []string
}

func (c *signSpy) Verify(ctx context.Context, pin reader.PIN, secret []byte) error {
	if pin == reader.SignPIN {
		c.mu.Lock()
		c.seen, c.sent = append(c.seen, secret), append(c.sent, string(secret))
		c.mu.Unlock()
	}
	return c.Card.Verify(ctx, pin, secret)
}

func TestApplicationSigned(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t, kiosktest.WithApplications, withPassword)
		defer r.close()
		spy := &signSpy{}
		r.WrapCard = func(c kiosk.Card) kiosk.Card { spy.Card = c.(*reader.Card); return spy }
		r.toAppReview()
		v := r.view()
		if !v.Electronic || len(v.Entries) != 3 || v.Entries[1].Value != "0312345678" || v.Entries[2].Value != "ミホン　バナコ" ||
			len(v.Facts) != 2 || v.Facts[0].Value != readertest.DefaultHolder.Name {
			t.Fatalf("review %+v", v)
		}
		date := v.Entries[0].Value
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			t.Fatalf("date entry %q: %v", date, err)
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateAppPassword)
		if v := r.view(); v.TriesLeft != 5 || r.Card.TriesLeft(readertest.PINSign) != 5 || v.WrongPIN {
			t.Fatalf("password tries %d shown, %d on the card", v.TriesLeft, r.Card.TriesLeft(readertest.PINSign))
		}
		r.chars(strings.ToLower(appPassword)) // typed lower case on a keyboard: taken upper-cased
		if v := r.view(); v.PINLength != len(appPassword) || strings.Contains(fmt.Sprintf("%+v", v), appPassword) {
			t.Fatalf("view while typing: %d typed", v.PINLength)
		}
		buf, _ := kiosk.PadBuffer(r.Engine)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateAppTake)
		v = r.view()
		if v.AppNumber == "" || v.AppReceiptFailed || v.Entries != nil || v.Facts != nil {
			t.Fatalf("take %+v", v)
		}
		kiosk.OnLoop(r.Engine, func() {
			if string(buf) != string(make([]byte, len(buf))) {
				t.Errorf("password pad not zeroed: %q", buf)
			}
		})
		spy.mu.Lock()
		if len(spy.sent) != 1 || spy.sent[0] != appPassword {
			t.Errorf("card saw %q", spy.sent)
		}
		for i, b := range spy.seen {
			if string(b) != string(make([]byte, len(b))) {
				t.Errorf("password %d not zeroed after Verify: %q", i, b)
			}
		}
		spy.mu.Unlock()
		if r.Card.TriesLeft(readertest.PINSign) != 5 || r.Card.TriesLeft(readertest.PINText) != 3 || r.Card.TriesLeft(readertest.PINAuth) != 3 {
			t.Error("a try was spent")
		}

		// Queued once, signed by the card's signing key over what the resident reviewed.
		var apps []kiosktest.Message
		for _, m := range r.Store.Outbox() {
			if m.Kind == "application" {
				apps = append(apps, m)
			}
		}
		if len(apps) != 1 || apps[0].Detail["number"] != v.AppNumber {
			t.Fatalf("outbox %+v", r.Store.Outbox())
		}
		sd, err := eapp.Open(apps[0].Detail["signed_data"].([]byte))
		if err != nil {
			t.Fatal(err)
		}
		if !sd.Cert.Equal(r.Card.SignCert()) {
			t.Error("not signed with the card's signing certificate")
		}
		app, err := eapp.Parse(sd.Content)
		if err != nil {
			t.Fatal(err)
		}
		want := []eapp.Entry{{Label: "転出予定日", Value: date}, {Label: "電話番号", Value: "0312345678"}, {Label: "氏名のフリガナ", Value: "ミホン　バナコ"}}
		if app.Number != v.AppNumber || app.Form != "tenshutsu-e" || app.Kiosk == "" || fmt.Sprint(app.Entries) != fmt.Sprint(want) {
			t.Errorf("application %+v", app)
		}
		jobs := r.Printer.ApplicationJobs()
		if len(jobs) != 1 || jobs[0].Number != v.AppNumber || len(jobs[0].Entries) != 3 || len(r.Printer.Jobs()) != 0 {
			t.Fatalf("receipts %+v", jobs)
		}
		if len(r.Store.Sessions()) != 0 {
			t.Error("an application opened a certificate journal")
		}
		logs := r.Logs.String()
		for _, p := range []string{appPassword, strings.ToLower(appPassword), readertest.DefaultHolder.Name, readertest.DefaultHolder.Address, "0312345678"} {
			if strings.Contains(logs, p) {
				t.Errorf("%q in the log", p)
			}
		}
		r.remove()
		r.want(kiosk.StateIdle)
	})
}

func TestApplicationProblems(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(r *rig)
		act      func(r *rig)
		want     kiosk.Problem
		signLeft int // the card's password counter afterwards
		textLeft int
		queued   bool
	}{
		{name: "wrong password spends one", act: func(r *rig) {
			r.toAppPassword()
			r.password("WRONG1")
			r.want(kiosk.StateAppPassword)
			if v := r.view(); !v.WrongPIN || v.TriesLeft != 4 || v.PINLength != 0 {
				r.t.Fatalf("after a wrong password: %+v", v)
			}
			r.password(appPassword)
		}, want: kiosk.ProblemNone, signLeft: 5, textLeft: 3, queued: true},
		{name: "fifth wrong locks", act: func(r *rig) {
			r.toAppPassword()
			for i := range 4 {
				r.password("WRONG1")
				if v := r.view(); v.State != kiosk.StateAppPassword || v.TriesLeft != 4-i {
					r.t.Fatalf("after %d wrong: %s, %d left", i+1, v.State, v.TriesLeft)
				}
			}
			// TriesLeft 1: the screens warn of the last try.
			r.password("WRONG1")
		}, want: kiosk.ProblemPasswordLocked, signLeft: 0, textLeft: 3},
		{name: "locked before", setup: func(r *rig) { r.Card.SetTriesLeft(readertest.PINSign, 0) }, act: func(r *rig) {
			r.toAppReview()
			r.in(kiosk.InputNext, 0)
		}, want: kiosk.ProblemPasswordLocked, signLeft: 0, textLeft: 3},
		{name: "too short", act: func(r *rig) {
			r.toAppPassword()
			r.password("ABC12")
			if v := r.view(); v.State != kiosk.StateAppPassword || v.Note != kiosk.NotePasswordLength || v.PINLength != 5 {
				r.t.Fatalf("short password: %+v", v)
			}
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "symbols dropped, 16 at most", act: func(r *rig) {
			r.toAppPassword()
			r.chars("!@#-ぁ")
			if v := r.view(); v.PINLength != 0 {
				r.t.Fatalf("symbols typed: %d", v.PINLength)
			}
			r.chars("ABCDEFGHIJKLMNOPQRS")
			if v := r.view(); v.PINLength != 16 {
				r.t.Fatalf("%d typed, want 16", v.PINLength)
			}
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "cancel at the text PIN", act: func(r *rig) {
			r.in(kiosk.InputForms, 0)
			r.in(kiosk.InputSelect, 0)
			r.insert()
			r.in(kiosk.InputDigit, 1)
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "cancel at an entry", act: func(r *rig) {
			r.toAppEntry()
			r.in(kiosk.InputNext, 0)
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "empty entry refused", act: func(r *rig) {
			r.toAppEntry()
			r.in(kiosk.InputNext, 0) // the date has a value
			r.in(kiosk.InputNext, 0)
			if v := r.view(); v.State != kiosk.StateAppEntry || v.EntryAt != 1 || v.Note != kiosk.NoteEntryEmpty {
				r.t.Fatalf("empty digits: %+v", v)
			}
			r.in(kiosk.InputBack, 0)
			if v := r.view(); v.EntryAt != 0 {
				r.t.Fatalf("back: at %d", v.EntryAt)
			}
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "cancel at review", act: func(r *rig) {
			r.toAppReview()
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "cancel at the password", act: func(r *rig) {
			r.toAppPassword()
			r.chars("ABC")
			r.in(kiosk.InputCancel, 0)
		}, want: kiosk.ProblemCancelled, signLeft: 5, textLeft: 3},
		{name: "timeout at the password", act: func(r *rig) {
			r.toAppPassword()
			r.chars("ABC1234")
			r.sleep(61 * time.Second)
		}, want: kiosk.ProblemTimedOut, signLeft: 5, textLeft: 3},
		{name: "card removed at review", act: func(r *rig) {
			r.toAppReview()
			r.remove()
		}, want: kiosk.ProblemCardRemoved, signLeft: 5, textLeft: 3},
		{name: "queue fails", setup: func(r *rig) { r.Store.FailStep("application", fmt.Errorf("disk")) }, act: func(r *rig) {
			r.toAppPassword()
			r.password(appPassword)
		}, want: kiosk.ProblemStoreFailed, signLeft: 5, textLeft: 3},
		{name: "receipt fails: queued, the number shown", act: func(r *rig) {
			r.toAppPassword()
			r.Printer.PaperOut(true)
			r.password(appPassword)
			if v := r.view(); v.State != kiosk.StateAppTake || !v.AppReceiptFailed || v.AppNumber == "" {
				r.t.Fatalf("receipt failed: %+v", v)
			}
		}, want: kiosk.ProblemNone, signLeft: 5, textLeft: 3, queued: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, kiosktest.WithApplications, withPassword)
				defer r.close()
				if tc.setup != nil {
					tc.setup(r)
				}
				tc.act(r)
				if buf, _ := kiosk.PadBuffer(r.Engine); buf != nil && tc.want != kiosk.ProblemNone {
					t.Fatal("the session outlived the problem")
				}
				if tc.want != kiosk.ProblemNone {
					r.wantProblem(tc.want)
					if !r.view().AppProblem {
						t.Error("the problem screen does not know the session was an application")
					}
				} else if v := r.view(); v.State != kiosk.StateAppTake {
					t.Fatalf("state %s problem %s", v.State, v.Problem)
				}
				if n := r.Card.TriesLeft(readertest.PINSign); n != tc.signLeft {
					t.Errorf("password tries on the card %d, want %d", n, tc.signLeft)
				}
				if n := r.Card.TriesLeft(readertest.PINText); n != tc.textLeft {
					t.Errorf("text PIN tries on the card %d, want %d", n, tc.textLeft)
				}
				if r.Card.TriesLeft(readertest.PINAuth) != 3 {
					t.Error("the authentication PIN was touched")
				}
				queued := 0
				for _, m := range r.Store.Outbox() {
					if m.Kind == "application" {
						queued++
					}
				}
				if want := map[bool]int{true: 1}[tc.queued]; queued != want {
					t.Errorf("%d applications queued, want %d", queued, want)
				}
				if v := r.view(); v.Entries != nil || v.Facts != nil || v.EntryText != "" {
					t.Errorf("entries in the view after the session: %+v", v)
				}
				r.noPersonalData()
			})
		})
	}
}

// The password pad is zeroed when a session ends on cancel or timeout, like the PIN pad.
func TestApplicationPasswordWiped(t *testing.T) {
	for _, end := range []string{"cancel", "timeout", "card removed"} {
		t.Run(end, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, kiosktest.WithApplications, withPassword)
				defer r.close()
				r.toAppPassword()
				r.chars("SECRET9")
				buf, n := kiosk.PadBuffer(r.Engine)
				if n != 7 || string(buf[:7]) != "SECRET9" {
					t.Fatalf("probe sees %q/%d while typing", buf, n)
				}
				switch end {
				case "cancel":
					r.in(kiosk.InputCancel, 0)
				case "timeout":
					r.sleep(61 * time.Second)
				default:
					r.remove()
				}
				if v := r.view(); v.State != kiosk.StateProblem {
					t.Fatalf("state %s", v.State)
				}
				kiosk.OnLoop(r.Engine, func() {
					if string(buf) != string(make([]byte, len(buf))) {
						t.Errorf("password pad not zeroed: %q", buf)
					}
				})
				if r.Card.TriesLeft(readertest.PINSign) != 5 {
					t.Error("a password try was spent")
				}
			})
		})
	}
}

func TestKanaAndDate(t *testing.T) {
	kana := []struct {
		keys, want string
	}{
		{"カ゛", "ガ"}, {"カ゛゛", "カ"}, {"ハ゜", "パ"}, {"ハ゛゜", "パ"}, {"ハ゜゛", "バ"}, {"ツ小", "ッ"}, {"ツ小小", "ツ"},
		{"ア゛", "ア"}, {"゛", ""}, {"abcア", "ア"}, {"ウ゛", "ヴ"}, {strings.Repeat("ア", 25), strings.Repeat("ア", forms.MaxKana)},
	}
	for _, tc := range kana {
		var text []rune
		for _, k := range tc.keys {
			text = kiosk.TypeKana(text, k)
		}
		if string(text) != tc.want {
			t.Errorf("keys %q typed %q, want %q", tc.keys, string(text), tc.want)
		}
	}
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, forms.JST) }
	dates := []struct {
		from time.Time
		part int
		up   bool
		want time.Time
	}{
		{d(2026, 1, 31), kiosk.DateMonth, true, d(2026, 2, 28)},
		{d(2024, 2, 29), kiosk.DateYear, true, d(2025, 2, 28)},
		{d(2026, 12, 31), kiosk.DateDay, true, d(2026, 12, 1)},
		{d(2026, 3, 1), kiosk.DateDay, false, d(2026, 3, 31)},
		{d(2026, 1, 15), kiosk.DateMonth, false, d(2026, 12, 15)},
		{d(2100, 6, 1), kiosk.DateYear, true, d(2100, 6, 1)},
		{d(2026, 6, 1), 9, true, d(2026, 6, 1)},
	}
	for _, tc := range dates {
		if got := kiosk.StepDate(tc.from, tc.part, tc.up); !got.Equal(tc.want) {
			t.Errorf("%s part %d up %v: %s, want %s", tc.from.Format(time.DateOnly), tc.part, tc.up, got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
		}
	}
}

func TestApplicationOptions(t *testing.T) {
	m := kiosktest.AllDay()
	m.Forms = []forms.Form{kiosktest.Tenshutsu()}
	key := &readertest.Key(1003).PublicKey
	for _, tc := range []struct {
		name string
		opts kiosk.Options
	}{
		{"store without applications", kiosk.Options{Center: &kiosktest.Center{}, Store: struct{ kiosk.Store }{&kiosktest.Store{}},
			Printer: &kiosktest.Printer{}, TextIssuerKey: key}},
		{"printer without receipts", kiosk.Options{Center: &kiosktest.Center{}, Store: &kiosktest.Store{},
			Printer: struct {
				kiosk.Printer
				kiosk.FormPrinter
			}{&kiosktest.Printer{}, &kiosktest.Printer{}}, TextIssuerKey: key}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Municipalities = []config.Municipality{m}
			if _, err := kiosk.New(tc.opts); err == nil {
				t.Fatal("engine built")
			}
		})
	}
}
