package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
	"madoguchi/config"
	"madoguchi/reader/readertest"
)

// base is a Wednesday, 12:00 JST: inside every service hour of the demo municipality.
var base = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

type env struct {
	ctx   context.Context
	clock *centertest.Clock
	c     *centertest.Center
	cl    *center.Client
	kiosk string
}

func newEnv(t *testing.T, mod ...func(*centertest.Options)) *env {
	t.Helper()
	e := &env{ctx: context.Background(), clock: centertest.NewClock(base), kiosk: "kiosk-0001"}
	opts := centertest.Options{Clock: e.clock, Dir: t.TempDir(), Postgres: postgresDSN(t)}
	for _, m := range mod {
		m(&opts)
	}
	c, err := centertest.New(e.ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	e.c = c
	if e.cl, err = c.NewClient(e.kiosk); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.cl.Close)
	return e
}

// person returns a demo person by code.
func person(t *testing.T, code string) centertest.DemoPerson {
	t.Helper()
	for _, p := range centertest.DemoPeople() {
		if p.Resident.Code == code {
			return p
		}
	}
	t.Fatalf("no demo person %s", code)
	return centertest.DemoPerson{}
}

// card issues a card valid around base with key index i and registers the demo person.
func (e *env) card(t *testing.T, i int, code string) *centertest.Card {
	t.Helper()
	k, err := e.c.NewCard(i, base.Add(-48*time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if code != "" {
		if err := e.c.AddDemoPerson(e.ctx, person(t, code), k.Cert); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

var juminhyo = center.Request{Type: center.ResidentRecord, Copies: 1}

func TestIssueHappyPath(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	ichiro := e.card(t, 1, "D0002")
	for _, code := range []string{"D0003", "D0004", "D0005"} { // the rest of the household, no cards
		if err := e.c.AddDemoPerson(e.ctx, person(t, code), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name     string
		card     *centertest.Card
		req      center.Request
		fee      int
		sections int
		want     []string // values that must appear in the content
		absent   []string
	}{
		{"juminhyo self", hanako, center.Request{Type: center.ResidentRecord, Copies: 2}, 400, 2, []string{"見本　花子", "平成2年1月2日", "女"}, []string{"本籍"}},
		{"juminhyo household with domicile", ichiro, center.Request{Type: center.ResidentRecord, Copies: 1,
			Options: center.Options{Household: true, Domicile: true, Relationship: true}}, 200, 5,
			[]string{"桜井　一郎", "桜井　和子", "桜井　翔太", "桜井　さくら", "妻", "見本県見本市桜町四丁目5番6号"}, nil},
		{"kisai-jiko", hanako, center.Request{Type: center.ResidentRecordItems, Copies: 1}, 200, 1, []string{"見本　花子"}, nil},
		{"inkan", hanako, center.Request{Type: center.SealRegistration, Copies: 3}, 600, 1, []string{"S-100234"}, nil},
		{"koseki full", ichiro, center.Request{Type: center.FamilyRegister, Copies: 1}, 350, 5, []string{"桜井　さくら", "全部事項"}, nil},
		{"koseki individual", ichiro, center.Request{Type: center.FamilyRegister, Copies: 1, Options: center.Options{Individual: true}}, 350, 2, []string{"個人事項"}, []string{"桜井　さくら"}},
		{"koseki-fuhyo", hanako, center.Request{Type: center.FamilyRegisterAnnex, Copies: 1}, 200, 1, []string{"見本県見本市中央一丁目2番3号"}, nil},
		{"kazei", hanako, center.Request{Type: center.TaxIncome, Copies: 1, Options: center.Options{FiscalYear: 2026}}, 200, 1, []string{"3,250,000円", "182,400円", "令和8年度（令和7年分）"}, []string{"2026年度", "2025年分"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := centertest.NewKey()
			got, err := centertest.IssueWith(e.ctx, e.cl, tc.card, key, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			d := got.Document
			if d.Key != key || d.KioskID != e.kiosk || d.CardFingerprint != center.Fingerprint(tc.card.Cert.Raw) || d.Request != tc.req {
				t.Errorf("binding: %+v", d)
			}
			if d.Fee != tc.fee || d.Content.Type != tc.req.Type || d.Content.Municipality != "見本市" {
				t.Errorf("fee %d type %s municipality %s", d.Fee, d.Content.Type, d.Content.Municipality)
			}
			if d.Content.IssuedOn != "令和8年11月25日" || !d.IssuedAt.Equal(base) {
				t.Errorf("issued on %q at %v", d.Content.IssuedOn, d.IssuedAt)
			}
			if len(d.Content.Sections) != tc.sections {
				t.Errorf("%d sections, want %d: %+v", len(d.Content.Sections), tc.sections, d.Content.Sections)
			}
			text := string(got.Payload)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("content lacks %q", w)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(text, w) {
					t.Errorf("content has %q", w)
				}
			}
			if _, err := center.VerifyDocument(e.c.PKI().DocumentPublicKey(), got.Payload, got.Signature); err != nil {
				t.Error(err)
			}
			st, err := e.cl.Status(e.ctx, key)
			if err != nil || st.State != center.StateIssued || st.IssueID != d.IssueID {
				t.Errorf("status = %+v, %v", st, err)
			}
		})
	}
}

func TestIssueRefusals(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	sakura := e.card(t, 1, "D0005")
	taro := e.card(t, 2, "D0006")
	jiro := e.card(t, 3, "D0007")
	kazuko := e.card(t, 4, "D0003")
	stranger := e.card(t, 5, "") // valid card, no resident
	expired, _ := e.c.NewCard(6, base.AddDate(-5, 0, 0), base.Add(-time.Hour))
	future, _ := e.c.NewCard(6, base.Add(time.Hour), base.AddDate(5, 0, 0))
	otherCA, err := readertest.NewAuthCA(base)
	if err != nil {
		t.Fatal(err)
	}
	foreignCert, err := otherCA.IssueAuth(&readertest.Key(0).PublicKey, base.Add(-time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	foreign := &centertest.Card{Key: readertest.Key(0), Cert: foreignCert}
	for _, c := range []*centertest.Card{expired, future, foreign} {
		if err := e.c.AddResident(e.ctx, person(t, "D0004").Resident, c.Cert); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name string
		card *centertest.Card
		req  center.Request
		want error
		why  center.Reason
	}{
		{"revoked", jiro, juminhyo, center.ErrRevoked, ""},
		{"expired", expired, juminhyo, center.ErrCertExpired, ""},
		{"not yet valid", future, juminhyo, center.ErrCertNotYetValid, ""},
		{"wrong chain", foreign, juminhyo, center.ErrUntrustedCert, ""},
		{"resident missing", stranger, juminhyo, center.ErrResidentNotFound, ""},
		{"under 15 inkan", sakura, center.Request{Type: center.SealRegistration, Copies: 1}, center.ErrNotEligible, center.ReasonUnderAge},
		{"moved out", taro, juminhyo, center.ErrMovedOut, ""},
		{"no seal registered", e.card(t, 7, "D0004"), center.Request{Type: center.SealRegistration, Copies: 1}, center.ErrNotEligible, center.ReasonNoSeal},
		{"koseki not here", taro, center.Request{Type: center.FamilyRegister, Copies: 1}, center.ErrMovedOut, ""},
		{"no tax data", kazuko, center.Request{Type: center.TaxIncome, Copies: 1}, center.ErrNotEligible, center.ReasonNoTaxRecord},
		{"wrong fiscal year", hanako, center.Request{Type: center.TaxIncome, Copies: 1, Options: center.Options{FiscalYear: 2020}}, center.ErrNotEligible, center.ReasonNoTaxRecord},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := centertest.NewKey()
			_, err := centertest.IssueWith(e.ctx, e.cl, tc.card, key, tc.req)
			if !errors.Is(err, tc.want) || !errors.Is(err, center.ErrRefused) || errors.Is(err, center.ErrRetryLater) {
				t.Fatalf("err = %v, want %v (refused)", err, tc.want)
			}
			if got := center.ReasonOf(err); got != tc.why {
				t.Errorf("reason %q, want %q", got, tc.why)
			}
			st, err := e.cl.Status(e.ctx, key)
			if err != nil || st.State != center.StateUnknown {
				t.Errorf("a refusal left state %+v, %v", st, err)
			}
		})
	}
	t.Run("moved out also matches not eligible", func(t *testing.T) {
		_, err := centertest.IssueWith(e.ctx, e.cl, taro, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrNotEligible) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("revoke takes effect at once", func(t *testing.T) {
		k := e.card(t, 8, "D0004")
		if _, err := centertest.IssueWith(e.ctx, e.cl, k, centertest.NewKey(), juminhyo); err != nil {
			t.Fatal(err)
		}
		if err := e.c.Revoke(e.ctx, k.Cert.SerialNumber); err != nil {
			t.Fatal(err)
		}
		if _, err := centertest.IssueWith(e.ctx, e.cl, k, centertest.NewKey(), juminhyo); !errors.Is(err, center.ErrRevoked) {
			t.Fatalf("after revoke: %v", err)
		}
		if err := e.c.Server().Reinstate(e.ctx, "", k.Cert.SerialNumber); err != nil {
			t.Fatal(err)
		}
		if _, err := centertest.IssueWith(e.ctx, e.cl, k, centertest.NewKey(), juminhyo); err != nil {
			t.Fatalf("after reinstate: %v", err)
		}
	})
}

// issueRaw signs with signer's key but presents presented's certificate, with a chosen
// challenge, for the challenge and signature tests.
func issueRaw(e *env, signer, presented *centertest.Card, challenge, key string, req center.Request) (*center.Issued, error) {
	sig, err := signer.Sign(challenge, e.kiosk, req)
	if err != nil {
		return nil, err
	}
	return e.cl.Issue(e.ctx, center.Issue{Key: key, Challenge: challenge, AuthCert: presented.Cert.Raw, Signature: sig, Request: req})
}

func TestChallengeAndSignature(t *testing.T) {
	e := newEnv(t, func(o *centertest.Options) { o.ChallengeTTL = time.Minute })
	hanako := e.card(t, 0, "D0001")
	ichiro := e.card(t, 1, "D0002")

	t.Run("replayed challenge refused", func(t *testing.T) {
		ch, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := issueRaw(e, hanako, hanako, ch.Challenge, centertest.NewKey(), juminhyo); err != nil {
			t.Fatal(err)
		}
		_, err = issueRaw(e, hanako, hanako, ch.Challenge, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrChallenge) {
			t.Fatalf("replay: %v", err)
		}
	})
	t.Run("unknown challenge refused", func(t *testing.T) {
		_, err := issueRaw(e, hanako, hanako, strings.Repeat("A", 43), centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrChallenge) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("challenge expired", func(t *testing.T) {
		ch, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := base.Add(time.Minute); !ch.ExpiresAt.Equal(want) {
			t.Errorf("expires %v, want %v", ch.ExpiresAt, want)
		}
		e.clock.Advance(time.Minute)
		defer e.clock.Set(base)
		_, err = issueRaw(e, hanako, hanako, ch.Challenge, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrChallengeExpired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("challenge of another kiosk refused", func(t *testing.T) {
		other, err := e.c.NewClient("kiosk-0002")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		ch, err := other.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = issueRaw(e, hanako, hanako, ch.Challenge, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrChallenge) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("signature by another card refused", func(t *testing.T) {
		ch, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = issueRaw(e, ichiro, hanako, ch.Challenge, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrBadSignature) {
			t.Fatalf("err = %v", err)
		}
		// The challenge was spent by the failed attempt.
		_, err = issueRaw(e, hanako, hanako, ch.Challenge, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrChallenge) {
			t.Fatalf("reuse after failure: %v", err)
		}
	})
	t.Run("signature over another request refused", func(t *testing.T) {
		ch, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := hanako.Sign(ch.Challenge, e.kiosk, center.Request{Type: center.ResidentRecord, Copies: 1})
		_, err = e.cl.Issue(e.ctx, center.Issue{Key: centertest.NewKey(), Challenge: ch.Challenge, AuthCert: hanako.Cert.Raw,
			Signature: sig, Request: center.Request{Type: center.ResidentRecord, Copies: 9}})
		if !errors.Is(err, center.ErrBadSignature) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	key := centertest.NewKey()
	ch, err := e.cl.Challenge(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := hanako.Sign(ch.Challenge, e.kiosk, juminhyo)
	in := center.Issue{Key: key, Challenge: ch.Challenge, AuthCert: hanako.Cert.Raw, Signature: sig, Request: juminhyo}
	first, err := e.cl.Issue(e.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("replay returns the identical answer", func(t *testing.T) {
		e.clock.Advance(10 * time.Minute) // the challenge has expired since: the stored answer still comes back
		defer e.clock.Set(base)
		again, err := e.cl.Issue(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Payload, first.Payload) || !bytes.Equal(again.Signature, first.Signature) {
			t.Fatal("replay answered differently")
		}
	})
	t.Run("same key with a different payload refused", func(t *testing.T) {
		ch2, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		req := center.Request{Type: center.ResidentRecord, Copies: 2}
		sig2, _ := hanako.Sign(ch2.Challenge, e.kiosk, req)
		_, err = e.cl.Issue(e.ctx, center.Issue{Key: key, Challenge: ch2.Challenge, AuthCert: hanako.Cert.Raw, Signature: sig2, Request: req})
		if !errors.Is(err, center.ErrKeyConflict) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the same key from another kiosk is another transaction", func(t *testing.T) {
		other, err := e.c.NewClient("kiosk-0002")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		st, err := other.Status(e.ctx, key)
		if err != nil || st.State != center.StateUnknown {
			t.Fatalf("other kiosk sees %+v, %v", st, err)
		}
	})
	t.Run("concurrent retries of one key issue one document", func(t *testing.T) {
		key := centertest.NewKey()
		ch, err := e.cl.Challenge(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := hanako.Sign(ch.Challenge, e.kiosk, juminhyo)
		in := center.Issue{Key: key, Challenge: ch.Challenge, AuthCert: hanako.Cert.Raw, Signature: sig, Request: juminhyo}
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := e.cl.Issue(e.ctx, in)
				errs[i] = err
				if err == nil {
					ids[i] = got.Document.IssueID
				}
			}()
		}
		wg.Wait()
		for i := range ids {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("retry %d: id %q err %v (first %q)", i, ids[i], errs[i], ids[0])
			}
		}
	})
}

func TestDocumentVerification(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	got, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	pub := e.c.PKI().DocumentPublicKey()
	t.Run("tampered payload refused", func(t *testing.T) {
		bad := bytes.Replace(got.Payload, []byte("見本　花子"), []byte("桜井　一郎"), 1)
		if bytes.Equal(bad, got.Payload) {
			t.Fatal("test did not tamper")
		}
		if _, err := center.VerifyDocument(pub, bad, got.Signature); !errors.Is(err, center.ErrBadDocument) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("tampered signature refused", func(t *testing.T) {
		sig := bytes.Clone(got.Signature)
		sig[0] ^= 1
		if _, err := center.VerifyDocument(pub, got.Payload, sig); !errors.Is(err, center.ErrBadDocument) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("client pinned to another center key refuses", func(t *testing.T) {
		opts, err := e.c.ClientOptions(e.kiosk)
		if err != nil {
			t.Fatal(err)
		}
		other, err := centertest.NewPKI(base)
		if err != nil {
			t.Fatal(err)
		}
		opts.DocumentKey = other.DocumentPublicKey()
		cl, err := center.NewClient(opts)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		_, err = centertest.IssueWith(e.ctx, cl, hanako, centertest.NewKey(), juminhyo)
		if !errors.Is(err, center.ErrBadDocument) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("binding checks", func(t *testing.T) {
		d := got.Document
		ichiro := e.card(t, 1, "")
		for _, tc := range []struct {
			name       string
			kiosk, key string
			cert       []byte
			req        center.Request
		}{
			{"other kiosk", "kiosk-0009", d.Key, hanako.Cert.Raw, juminhyo},
			{"other transaction", e.kiosk, centertest.NewKey(), hanako.Cert.Raw, juminhyo},
			{"other card", e.kiosk, d.Key, ichiro.Cert.Raw, juminhyo},
			{"other request", e.kiosk, d.Key, hanako.Cert.Raw, center.Request{Type: center.ResidentRecord, Copies: 2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if err := center.CheckBinding(d, tc.kiosk, tc.key, tc.cert, tc.req); !errors.Is(err, center.ErrBadDocument) {
					t.Fatalf("err = %v", err)
				}
			})
		}
		if err := center.CheckBinding(d, e.kiosk, d.Key, hanako.Cert.Raw, juminhyo); err != nil {
			t.Fatalf("good binding: %v", err)
		}
	})
}

// TestParallelKiosks: many kiosks issue at the same instant for different residents; each
// gets its own document (the Kawasaki 2023 lesson). Run with -race.
func TestParallelKiosks(t *testing.T) {
	e := newEnv(t)
	const kiosks = 16
	const rounds = 3
	type kiosk struct {
		cl   *center.Client
		card *centertest.Card
		name string
	}
	ks := make([]kiosk, kiosks)
	for i := range ks {
		card, err := e.c.NewCard(i%4, base.Add(-time.Hour), base.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("並列　%02d", i)
		r := centertest.Resident{Code: fmt.Sprintf("P%04d", i), Household: fmt.Sprintf("PH%04d", i), Name: name,
			Birth: "1980-01-01", Sex: "1", Address: "見本県見本市並列町" + fmt.Sprint(i), Relationship: "世帯主"}
		if err := e.c.AddResident(e.ctx, r, card.Cert); err != nil {
			t.Fatal(err)
		}
		cl, err := e.c.NewClient(fmt.Sprintf("kiosk-%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		ks[i] = kiosk{cl: cl, card: card, name: name}
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range ks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := ks[i]
			<-start
			for range rounds {
				key := centertest.NewKey()
				got, err := centertest.IssueWith(e.ctx, k.cl, k.card, key, juminhyo)
				if err != nil {
					t.Errorf("kiosk %d: %v", i, err)
					return
				}
				d := got.Document
				if d.KioskID != k.cl.KioskID() || d.Key != key || d.CardFingerprint != center.Fingerprint(k.card.Cert.Raw) ||
					d.Content.Sections[1].Heading != k.name {
					t.Errorf("kiosk %d got someone else's document: %+v", i, d)
				}
				mu.Lock()
				if seen[d.IssueID] {
					t.Errorf("issue id %s twice", d.IssueID)
				}
				seen[d.IssueID] = true
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(seen) != kiosks*rounds && !t.Failed() {
		t.Fatalf("%d documents, want %d", len(seen), kiosks*rounds)
	}
}

func TestServiceHours(t *testing.T) {
	e := newEnv(t, func(o *centertest.Options) { o.Municipalities = []server.Municipality{server.DemoMunicipality()} })
	hanako := e.card(t, 0, "D0001")
	jst := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, config.JST)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	koseki := center.Request{Type: center.FamilyRegister, Copies: 1}
	for _, tc := range []struct {
		name string
		at   time.Time
		req  center.Request
		open bool
		from string // the refusal says when it is available
	}{
		{"juminhyo weekday noon", jst("2026-11-25 12:00"), juminhyo, true, ""},
		{"juminhyo 06:29", jst("2026-11-25 06:29"), juminhyo, false, "2026-11-25 06:30 JST"},
		{"juminhyo 06:30", jst("2026-11-25 06:30"), juminhyo, true, ""},
		{"juminhyo 23:00", jst("2026-11-25 23:00"), juminhyo, false, "2026-11-26 06:30 JST"},
		{"juminhyo new year", jst("2027-01-02 12:00"), juminhyo, false, "2027-01-04 06:30 JST"},
		{"koseki weekday noon", jst("2026-11-25 12:00"), koseki, true, ""},
		{"koseki saturday", jst("2026-11-28 12:00"), koseki, false, "2026-11-30 09:00 JST"},
		{"koseki weekday 17:30", jst("2026-11-25 17:30"), koseki, false, "2026-11-26 09:00 JST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.Set(tc.at)
			defer e.clock.Set(base)
			_, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), tc.req)
			if tc.open && err != nil || !tc.open && !errors.Is(err, center.ErrClosed) {
				t.Fatalf("err = %v, open = %v", err, tc.open)
			}
			if !tc.open && !strings.Contains(err.Error(), "available from "+tc.from) {
				t.Fatalf("refusal %q does not say it is available from %s", err, tc.from)
			}
		})
	}
}

func TestStatusAndMessages(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	issue := func() string {
		t.Helper()
		key := centertest.NewKey()
		if _, err := centertest.IssueWith(e.ctx, e.cl, hanako, key, juminhyo); err != nil {
			t.Fatal(err)
		}
		return key
	}
	printed, failed, paid := issue(), issue(), issue()
	never := centertest.NewKey()
	obj := func(k string) json.RawMessage { return json.RawMessage(`{"issue_key":"` + k + `","session":"s1"}`) }
	msg := func(seq int64, kind center.MessageKind, payload json.RawMessage) center.Message {
		return center.Message{Seq: seq, Key: fmt.Sprintf("msg-%016d", seq), Kind: kind, Payload: payload}
	}
	batch := []center.Message{
		msg(1, center.KindCompleted, obj(printed)),
		msg(2, center.KindPayment, json.RawMessage(`{"issue_key":"`+paid+`","amount":200,"method":"cash"}`)),
		msg(3, center.KindVoided, obj(failed)),
		msg(4, center.KindVoided, obj(never)),
		msg(5, center.KindAudit, json.RawMessage(`{"event":"door_open"}`)),
		msg(6, center.KindCompleted, obj(failed)),                                                     // after its void
		msg(7, center.KindCompleted, obj(centertest.NewKey())),                                        // unknown issuance
		msg(8, "teleport", json.RawMessage(`{}`)),                                                     // unknown kind
		msg(9, center.KindAudit, json.RawMessage(`[1,2]`)),                                            // not an object
		{Seq: 5, Key: "other-key-0000000001", Kind: center.KindAudit, Payload: json.RawMessage(`{}`)}, // seq reused
		msg(12, center.KindAudit, json.RawMessage(`{"event":"after a gap"}`)),
	}
	res, err := e.cl.SendMessages(e.ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []center.Outcome{"accepted", "accepted", "accepted", "accepted", "accepted", "refused", "refused", "refused", "refused", "refused", "accepted"}
	if len(res) != len(want) {
		t.Fatalf("%d results", len(res))
	}
	for i, r := range res {
		if r.Outcome != want[i] || r.Key != batch[i].Key || r.Seq != batch[i].Seq {
			t.Errorf("message %d: %+v, want %s", i, r, want[i])
		}
		if (r.Outcome == center.OutcomeRefused) != (r.Error != "") {
			t.Errorf("message %d: outcome %s with error %q", i, r.Outcome, r.Error)
		}
	}
	for key, st := range map[string]center.IssuanceState{printed: "completed", failed: "voided", paid: "issued", never: "voided",
		centertest.NewKey(): "unknown"} {
		got, err := e.cl.Status(e.ctx, key)
		if err != nil || got.State != st {
			t.Errorf("status %s = %+v, %v; want %s", key, got, err, st)
		}
	}
	t.Run("resend is duplicate", func(t *testing.T) {
		res, err := e.cl.SendMessages(e.ctx, batch[:5])
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Outcome != center.OutcomeDuplicate {
				t.Errorf("message %d: %+v", i, r)
			}
		}
	})
	t.Run("same key different payload refused", func(t *testing.T) {
		m := batch[4]
		m.Payload = json.RawMessage(`{"event":"something else"}`)
		res, err := e.cl.SendMessages(e.ctx, []center.Message{m})
		if err != nil || res[0].Outcome != center.OutcomeRefused {
			t.Fatalf("%+v, %v", res, err)
		}
	})
	t.Run("a voided key never issues", func(t *testing.T) {
		_, err := centertest.IssueWith(e.ctx, e.cl, hanako, never, juminhyo)
		if !errors.Is(err, center.ErrVoided) {
			t.Fatalf("err = %v", err)
		}
		_, err = centertest.IssueWith(e.ctx, e.cl, hanako, failed, juminhyo)
		if !errors.Is(err, center.ErrVoided) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("one outcome per issuance", func(t *testing.T) {
		// Another message (new key and seq) with an outcome the issuance already has
		// would count it twice.
		res, err := e.cl.SendMessages(e.ctx, []center.Message{msg(30, center.KindCompleted, obj(printed)), msg(31, center.KindVoided, obj(never))})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Outcome != center.OutcomeRefused || !strings.Contains(r.Error, "already") {
				t.Errorf("second outcome %d: %+v, want refused", i, r)
			}
		}
		var n int
		if err := e.c.Server().DB().QueryRow(`SELECT count(*) FROM messages WHERE seq IN (30, 31)`).Scan(&n); err != nil || n != 0 {
			t.Errorf("refused outcomes stored: %d, %v", n, err)
		}
	})
	t.Run("sequence gaps", func(t *testing.T) {
		gaps, err := e.c.Server().SequenceGaps(e.ctx, e.kiosk)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(gaps) != "[{6 11}]" {
			t.Fatalf("gaps = %v", gaps)
		}
		// Filling part of the gap later (out of order) is accepted and shrinks it.
		res, err := e.cl.SendMessages(e.ctx, []center.Message{msg(7, center.KindAudit, json.RawMessage(`{"event":"late"}`))})
		if err != nil || res[0].Outcome != center.OutcomeAccepted {
			t.Fatalf("%+v, %v", res, err)
		}
		gaps, _ = e.c.Server().SequenceGaps(e.ctx, e.kiosk)
		if fmt.Sprint(gaps) != "[{6 6} {8 11}]" {
			t.Fatalf("gaps = %v", gaps)
		}
	})
}

// counts returns the row counts of the tables a request could change.
func counts(t *testing.T, s *server.Server) string {
	t.Helper()
	var out []string
	for _, tbl := range []string{"issuances", "messages", "residents", "cards", "revocations"} {
		var n int
		if err := s.DB().QueryRow("SELECT count(*) FROM " + tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", tbl, n))
	}
	return strings.Join(out, " ")
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	if _, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), juminhyo); err != nil {
		t.Fatal(err)
	}
	good, err := e.c.ClientTLS(e.kiosk)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := centertest.NewPKI(base)
	if err != nil {
		t.Fatal(err)
	}
	strangerCert, err := stranger.KioskCert(e.kiosk)
	if err != nil {
		t.Fatal(err)
	}
	client := func(certs []tls.Certificate) *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: e.c.PKI().CAPool(), Certificates: certs}}}
	}
	ok := client(good.Certificates)
	ch, err := e.cl.Challenge(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := hanako.Sign(ch.Challenge, e.kiosk, juminhyo)
	validIssue, _ := json.Marshal(center.IssueRequest{KioskID: e.kiosk, Key: centertest.NewKey(), Challenge: ch.Challenge,
		AuthCert: hanako.Cert.Raw, Signature: sig, Request: juminhyo})
	before := counts(t, e.c.Server())
	for _, tc := range []struct {
		name   string
		hc     *http.Client
		method string
		path   string
		ctype  string
		body   string
		status int
		code   center.Code
	}{
		{"malformed json", ok, "POST", center.PathIssuances, "application/json", `{"kiosk_id":`, 400, center.CodeBadRequest},
		{"not an object", ok, "POST", center.PathIssuances, "application/json", `[1]`, 400, center.CodeBadRequest},
		{"trailing data", ok, "POST", center.PathChallenges, "application/json", `{"kiosk_id":"kiosk-0001"}{}`, 400, center.CodeBadRequest},
		{"unknown field", ok, "POST", center.PathChallenges, "application/json", `{"kiosk_id":"kiosk-0001","pin":"1234"}`, 400, center.CodeBadRequest},
		{"unknown nested field", ok, "POST", center.PathIssuances, "application/json",
			strings.Replace(string(validIssue), `"copies":1`, `"copies":1,"my_number":"x"`, 1), 400, center.CodeBadRequest},
		{"wrong content type", ok, "POST", center.PathIssuances, "text/plain", string(validIssue), 415, center.CodeUnsupportedMedia},
		{"no content type", ok, "POST", center.PathMessages, "", `{}`, 415, center.CodeUnsupportedMedia},
		{"oversized body", ok, "POST", center.PathMessages, "application/json",
			`{"kiosk_id":"kiosk-0001","messages":[` + strings.Repeat(`{"seq":1},`, 10000) + `{}]}`, 413, center.CodeTooLarge},
		{"bad key", ok, "POST", center.PathIssuances, "application/json",
			strings.Replace(string(validIssue), `"key":"`, `"key":"!`, 1), 400, center.CodeBadRequest},
		{"bad copies", ok, "POST", center.PathIssuances, "application/json",
			strings.Replace(string(validIssue), `"copies":1`, `"copies":11`, 1), 400, center.CodeBadRequest},
		{"option not for this type", ok, "POST", center.PathIssuances, "application/json",
			strings.Replace(string(validIssue), `"options":{}`, `"options":{"fiscal_year":2026}`, 1), 400, center.CodeBadRequest},
		{"kiosk id of another kiosk", ok, "POST", center.PathIssuances, "application/json",
			strings.Replace(string(validIssue), `"kiosk_id":"kiosk-0001"`, `"kiosk_id":"kiosk-0002"`, 1), 403, center.CodeKioskMismatch},
		{"messages for another kiosk", ok, "POST", center.PathMessages, "application/json",
			`{"kiosk_id":"kiosk-0002","messages":[{"seq":1,"key":"aaaaaaaaaaaaaaaaaaaa","kind":"audit","payload":{}}]}`, 403, center.CodeKioskMismatch},
		{"empty batch", ok, "POST", center.PathMessages, "application/json", `{"kiosk_id":"kiosk-0001","messages":[]}`, 400, center.CodeBadRequest},
		{"bad status key", ok, "GET", center.PathIssuances + "/short", "", "", 400, center.CodeBadRequest},
		{"unknown path", ok, "GET", "/v2/issuances", "", "", 404, center.CodeNotFound},
		{"wrong method", ok, "DELETE", center.PathMessages, "", "", 405, center.CodeMethod},
		{"no client certificate", client(nil), "POST", center.PathIssuances, "application/json", string(validIssue), 401, center.CodeKioskUnknown},
		{"client certificate of another CA", client([]tls.Certificate{strangerCert}), "POST", center.PathIssuances, "application/json", string(validIssue), 401, center.CodeKioskUnknown},
		{"server certificate as client", client([]tls.Certificate{e.c.PKI().Server}), "POST", center.PathChallenges, "application/json", `{"kiosk_id":"localhost"}`, 401, center.CodeKioskUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.c.URL()+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := tc.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var eb center.ErrorBody
			if err := json.Unmarshal(b, &eb); err != nil {
				t.Fatalf("body %q is not a JSON error: %v", b, err)
			}
			if resp.StatusCode != tc.status || eb.Error.Code != tc.code || eb.Error.Message == "" {
				t.Fatalf("got %d %s %q, want %d %s", resp.StatusCode, eb.Error.Code, eb.Error.Message, tc.status, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
	if after := counts(t, e.c.Server()); after != before {
		t.Fatalf("bad input changed the database: %s → %s", before, after)
	}
	// The challenge was never consumed by the rejected bodies: the valid request still works.
	resp, err := ok.Post(e.c.URL()+center.PathIssuances, "application/json", bytes.NewReader(validIssue))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("valid request after bad ones: %d", resp.StatusCode)
	}
}

func TestImportCSV(t *testing.T) {
	e := newEnv(t)
	k := e.card(t, 0, "")
	k2 := e.card(t, 1, "")
	csv := "code,municipality,household,name,birth,sex,address,relationship,seal_number,card_fingerprint,card_serial\n" +
		"C1,139998,HC1,取込　一子,1985-04-01,2,見本県見本市取込町1番,世帯主,S-9," + center.Fingerprint(k.Cert.Raw) + ",\n" +
		"C2,139998,HC1,取込　二郎,1984-04-01,1,見本県見本市取込町1番,夫,,," + k2.Cert.SerialNumber.Text(16) + "\n"
	n, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(csv))
	if err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	for _, tc := range []struct {
		card *centertest.Card
		name string
	}{{k, "取込　一子"}, {k2, "取込　二郎"}} {
		got, err := centertest.IssueWith(e.ctx, e.cl, tc.card, centertest.NewKey(), juminhyo)
		if err != nil {
			t.Fatal(err)
		}
		if got.Document.Content.Sections[1].Heading != tc.name {
			t.Errorf("got %s, want %s", got.Document.Content.Sections[1].Heading, tc.name)
		}
	}
	before := counts(t, e.c.Server())
	for _, tc := range []struct{ name, csv, want string }{
		{"unknown column", "code,my_number\nX,1\n", "unknown column"},
		{"missing column", "code,name\nX,Y\n", "missing column"},
		{"bad birth", "code,municipality,household,name,birth,sex,address\nX,139998,H,N,1985/04/01,1,A\n", "line 2"},
		{"unknown municipality", "code,municipality,household,name,birth,sex,address\nX,000000,H,N,1985-04-01,1,A\n", "municipality"},
		{"bad fingerprint", "code,municipality,household,name,birth,sex,address,card_fingerprint\nX,139998,H,N,1985-04-01,1,A,zz\n", "card_fingerprint"},
		{"second row bad: nothing imported", "code,municipality,household,name,birth,sex,address\nOK1,139998,H,N,1985-04-01,1,A\nBAD,139998,H,N,1985-04-01,7,A\n", "line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if after := counts(t, e.c.Server()); after != before {
		t.Fatalf("failed imports changed the database: %s → %s", before, after)
	}
}

func TestDurabilitySettings(t *testing.T) {
	db, err := server.OpenDB(context.Background(), t.TempDir()+"/c.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "5000"} {
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %s", pragma, got, err, want)
		}
	}
	if !strings.Contains(server.DSN("x.db"), "_synchronous=FULL") {
		t.Error("DSN lacks _synchronous=FULL")
	}
}

func TestWareki(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-11-26", "令和8年11月26日"}, {"2019-05-01", "令和元年5月1日"}, {"2019-04-30", "平成31年4月30日"},
		{"1989-01-08", "平成元年1月8日"}, {"1989-01-07", "昭和64年1月7日"}, {"1926-12-25", "昭和元年12月25日"},
		{"1868-01-24", "1868年1月24日"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			d, _ := time.ParseInLocation("2006-01-02", tc.in, config.JST)
			if got := server.Wareki(d); got != tc.want {
				t.Errorf("got %s", got)
			}
		})
	}
}

func TestWarekiYear(t *testing.T) {
	for _, tc := range []struct {
		in   int
		want string
	}{
		{2026, "令和8"}, {2025, "令和7"}, {2020, "令和2"}, {2019, "令和元"}, {2018, "平成30"},
		{1990, "平成2"}, {1989, "平成元"}, {1988, "昭和63"}, {1926, "昭和元"}, {1912, "大正元"}, {1868, "明治元"}, {1867, "1867"},
	} {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			if got := server.WarekiYear(tc.in); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	e := newEnv(t)
	hanako := e.card(t, 0, "D0001")
	key := centertest.NewKey()
	got, err := centertest.IssueWith(e.ctx, e.cl, hanako, key, juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	// Anyone holding the paper may ask: no client certificate.
	anon := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.c.PKI().CAPool()}}}
	verify := func(code string) (int, center.Verification) {
		t.Helper()
		resp, err := anon.Get(e.c.URL() + center.PathVerify + "/" + code)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v center.Verification
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, v
	}
	code := got.Document.Content.VerificationCode
	st, v := verify(code)
	if st != 200 || v.IssueID != got.Document.IssueID || v.State != center.StateIssued || v.Type != center.ResidentRecord ||
		v.Municipality != "見本市" || !v.IssuedAt.Equal(base) {
		t.Fatalf("%d %+v", st, v)
	}
	res, err := e.cl.SendMessages(e.ctx, []center.Message{{Seq: 1, Key: centertest.NewKey(), Kind: center.KindCompleted,
		Payload: json.RawMessage(`{"issue_key":"` + key + `"}`)}})
	if err != nil || res[0].Outcome != center.OutcomeAccepted {
		t.Fatalf("%+v %v", res, err)
	}
	if st, v := verify(strings.ToLower(code)); st != 200 || v.State != center.StateCompleted {
		t.Fatalf("after completion: %d %+v", st, v)
	}
	if st, _ := verify("AAAA-BBBB-CCCC-DDDD-EEEE"); st != 404 {
		t.Fatalf("unknown code: %d", st)
	}
	if st, _ := verify("x"); st != 400 {
		t.Fatalf("malformed code: %d", st)
	}
	// Issuing still needs a kiosk certificate.
	resp, err := anon.Post(e.c.URL()+center.PathChallenges, "application/json", strings.NewReader(`{"kiosk_id":"kiosk-0001"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("anonymous challenge: %d", resp.StatusCode)
	}
}
