package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
	"madoguchi/reader/readertest"
)

// twoInstances opens two servers on one PostgreSQL database, as two centerd instances
// would, with the demo person D0001 and her card.
func twoInstances(t *testing.T) (a, b *server.Server, card *centertest.Card) {
	t.Helper()
	ctx := context.Background()
	opts := storeOptions(t, postgresDSN(t))
	opts.Municipalities = []server.Municipality{func() server.Municipality {
		m := server.DemoMunicipality()
		m.Hours, m.TypeHours = server.Hours{}, nil
		return m
	}()}
	pki, err := centertest.NewPKI(base)
	if err != nil {
		t.Fatal(err)
	}
	opts.JPKIRoots, opts.KioskCAs, opts.DocumentKey = []*x509.Certificate{pki.AuthCA.Cert}, pki.CAPool(), pki.DocumentKey
	for _, s := range []**server.Server{&a, &b} {
		if *s, err = server.Open(ctx, opts); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { (*s).Close() })
	}
	key := readertest.Key(0)
	cert, err := pki.AuthCA.IssueAuth(&key.PublicKey, base.Add(-time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	k := &centertest.Card{Key: key, Cert: cert}
	if err := a.AddResident(ctx, person(t, "D0001").Resident); err != nil {
		t.Fatal(err)
	}
	if err := a.BindCert(ctx, "D0001", k.Cert); err != nil {
		t.Fatal(err)
	}
	return a, b, k
}

// TestInstancesShareGuarantees: two instances on one PostgreSQL, the same request sent to
// both at once (the kiosk failing over while the first still works on it): a challenge
// is spent once, a key issues once and replays the same bytes at the other, a completion
// moves an issuance once, a sequence number is stored once. (SQLite has one process: the
// guarantees there are TestIdempotency's and TestStatusAndMessages'.)
func TestInstancesShareGuarantees(t *testing.T) {
	if !onPostgres() {
		return
	}
	ctx := context.Background()
	const kiosk = "kiosk-0001"
	a, b, card := twoInstances(t)
	both := func(f func(s *server.Server) ([]byte, error)) (out [2][]byte, errs [2]error) {
		var wg sync.WaitGroup
		for i, s := range []*server.Server{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); out[i], errs[i] = f(s) }()
		}
		wg.Wait()
		return out, errs
	}
	request := func(t *testing.T, from *server.Server, key string) center.IssueRequest {
		ch, err := from.NewChallenge(ctx, kiosk)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := card.Sign(ch.Challenge, kiosk, juminhyo)
		if err != nil {
			t.Fatal(err)
		}
		return center.IssueRequest{KioskID: kiosk, Key: key, Challenge: ch.Challenge, AuthCert: card.Cert.Raw, Signature: sig, Request: juminhyo}
	}
	for round := range 10 {
		// One challenge (from a), two transactions presenting it at a and at b.
		one := request(t, a, centertest.NewKey())
		other := one
		other.Key = centertest.NewKey()
		_, errs := both(func(s *server.Server) ([]byte, error) {
			if s == a {
				return s.Issue(ctx, one)
			}
			return s.Issue(ctx, other)
		})
		ok, spent := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case strings.Contains(err.Error(), string(center.CodeChallenge)):
				spent++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || spent != 1 {
			t.Fatalf("round %d: one challenge at two instances: %d issued, %d refused as spent", round, ok, spent)
		}

		// One key, the identical request at both: one issues, the other replays it.
		in := request(t, b, centertest.NewKey())
		out, errs := both(func(s *server.Server) ([]byte, error) { return s.Issue(ctx, in) })
		if errs[0] != nil || errs[1] != nil || !bytes.Equal(out[0], out[1]) {
			t.Fatalf("round %d: one key at two instances: %v / %v, same answer %v", round, errs[0], errs[1], bytes.Equal(out[0], out[1]))
		}

		// Two completions of that issuance (different message keys, different seqs) at
		// both: one moves it, the other is refused. Then one seq, two keys: stored once.
		payload, _ := json.Marshal(map[string]string{"issue_key": in.Key})
		seq := int64(round*4 + 1)
		msgAt := func(s *server.Server, seq int64, kind center.MessageKind) ([]byte, error) {
			res, err := s.Messages(ctx, kiosk, []center.Message{{Seq: seq, Key: centertest.NewKey(), Kind: kind, Payload: payload}})
			if err != nil {
				return nil, err
			}
			return []byte(res[0].Outcome), nil
		}
		for _, tc := range []struct {
			name string
			seqs [2]int64
			kind center.MessageKind
		}{
			{"completion twice", [2]int64{seq, seq + 1}, center.KindCompleted},
			{"one seq, two keys", [2]int64{seq + 2, seq + 2}, center.KindPayment},
		} {
			out, errs := both(func(s *server.Server) ([]byte, error) {
				if s == a {
					return msgAt(s, tc.seqs[0], tc.kind)
				}
				return msgAt(s, tc.seqs[1], tc.kind)
			})
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %s: %v / %v", round, tc.name, errs[0], errs[1])
			}
			got := []string{string(out[0]), string(out[1])}
			if !(got[0] == "accepted" && got[1] == "refused" || got[0] == "refused" && got[1] == "accepted") {
				t.Fatalf("round %d: %s: outcomes %v, want one accepted and one refused", round, tc.name, got)
			}
		}
		if st, err := b.Status(ctx, kiosk, in.Key); err != nil || st.State != center.StateCompleted {
			t.Fatalf("round %d: state %+v %v", round, st, err)
		}
	}
	var issued, msgs int
	if err := a.DB().QueryRow(`SELECT (SELECT count(*) FROM issuances), (SELECT count(*) FROM messages)`).Scan(&issued, &msgs); err != nil {
		t.Fatal(err)
	}
	if issued != 20 || msgs != 20 {
		t.Fatalf("after 10 rounds: %d issuances (want 20), %d messages (want 20)", issued, msgs)
	}
	// Each round leaves two real holes, the refused completion's seq and the unused
	// fourth; the last round's fourth is past the highest.
	gaps, err := a.SequenceGaps(ctx, kiosk)
	missing := int64(0)
	for _, g := range gaps {
		missing += g.To - g.From + 1
	}
	if err != nil || missing != 19 {
		t.Fatalf("%d missing sequence numbers in %v (%v), want 19", missing, gaps, err)
	}
}
