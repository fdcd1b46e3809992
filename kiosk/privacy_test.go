package kiosk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// spyCard keeps the very slices the engine passes to Verify, to check that the engine
// zeroes them after use.
type spyCard struct {
	kiosk.Card
	mu   sync.Mutex
	seen [][]byte
	sent []string
}

func (c *spyCard) Verify(ctx context.Context, pin reader.PIN, secret []byte) error {
	c.mu.Lock()
	c.seen = append(c.seen, secret)
	c.sent = append(c.sent, string(secret))
	c.mu.Unlock()
	return c.Card.Verify(ctx, pin, secret)
}

func TestPINNeverKept(t *testing.T) {
	const secret, wrong = "7391", "8264"
	bubble(t, func(t *testing.T) {
		r := newRig(t, func(_ *kiosk.Options, o *readertest.Options) { o.AuthPIN = secret })
		defer r.close()
		spy := &spyCard{}
		r.WrapCard = func(c kiosk.Card) kiosk.Card { spy.Card = c; return spy }
		r.toPIN()

		for _, p := range []string{wrong, secret} {
			for _, c := range p {
				r.in(kiosk.InputDigit, int(c-'0'))
			}
			// While typing, the digits are in the session (the probe can see them)...
			if buf, n, ok := kiosk.PINBuffer(r.Engine); !ok || n != 4 || string(buf[:]) != p {
				t.Fatalf("probe sees %q/%d/%v before OK", buf, n, ok)
			}
			if v := fmt.Sprintf("%+v", r.view()); strings.Contains(v, p) {
				t.Fatalf("view holds the PIN while typing: %s", v)
			}
			r.in(kiosk.InputNext, 0)
			// ...and gone right after OK.
			if buf, n, ok := kiosk.PINBuffer(r.Engine); ok && (n != 0 || buf != [4]byte{}) {
				t.Fatalf("session keeps %q (%d digits) after OK", buf, n)
			}
		}
		r.want(kiosk.StateFee)
		spy.mu.Lock()
		if len(spy.sent) != 2 || spy.sent[0] != wrong || spy.sent[1] != secret {
			t.Fatalf("card saw %q", spy.sent)
		}
		for i, b := range spy.seen {
			for _, x := range b {
				if x != 0 {
					t.Errorf("PIN buffer %d not zeroed after Verify: %q", i, b)
				}
			}
		}
		spy.mu.Unlock()
		r.in(kiosk.InputNext, 0)
		r.remove()
		r.want(kiosk.StateIdle)

		logs := r.Logs.String()
		if !strings.Contains(logs, "state=pin") {
			t.Fatalf("logs do not show the flow (test would be vacuous):\n%s", logs)
		}
		for _, p := range []string{secret, wrong} {
			if strings.Contains(logs, p) {
				t.Errorf("logs contain a PIN %s:\n%s", p, logs)
			}
			for _, m := range r.Store.Outbox() {
				if strings.Contains(fmt.Sprint(m), p) {
					t.Errorf("outbox holds a PIN: %v", m)
				}
			}
			if strings.Contains(fmt.Sprintf("%+v", r.view()), p) {
				t.Error("view holds a PIN")
			}
		}
		if strings.Contains(logs, r.Card.MyNumber()) {
			t.Error("logs contain the My Number")
		}
	})
}
