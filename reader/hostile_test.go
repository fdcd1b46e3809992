package reader_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestHostileCard: a card answering garbage, refusals, huge answers or escape sequences
// in every field gets typed errors (ErrBadCard, ErrNotJPKI), never a panic, and messages
// that name each layer once ("card answered 6D00", not "card answered reader: card
// answered 6D00"). Escaping for the terminal is the output's job (cmd/kiosk diag).
func TestHostileCard(t *testing.T) {
	esc := "\x1b]0;owned\x07\x1b[2J\u202e"
	huge := append(bytes.Repeat([]byte{0x1b, '['}, 40000), 0x90, 0x00)
	for _, tc := range []struct {
		name  string
		opts  readertest.Options
		fault *readertest.Fault
		want  error // of Token, then of the report's problems
	}{
		{"refuses every command", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultSW, SW: 0x6D00, Repeat: true}, reader.ErrBadCard},
		{"refuses after select", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultSW, SW: 0x6D00, Repeat: true, After: 1}, reader.ErrBadCard},
		{"garbage", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultGarbage, Garbage: []byte{0x1b}, Repeat: true, After: 2}, reader.ErrBadCard},
		{"huge answers", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultGarbage, Garbage: huge, Repeat: true, After: 1}, reader.ErrBadCard},
		{"escape sequences in the token", readertest.Options{Token: esc}, nil, reader.ErrNotJPKI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc, err := readertest.NewCard(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.fault != nil {
				vc.InjectFault(*tc.fault)
			}
			c := reader.New(vc)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.Identify(ctx); !errors.Is(err, tc.want) {
				t.Fatalf("Identify: %v, want %v", err, tc.want)
			}
			rep, err := reader.Inspect(ctx, reader.New(vc), time.Now())
			if err != nil {
				t.Fatalf("Inspect failed outright: %v", err)
			}
			if rep.JPKI || len(rep.Problems) == 0 {
				t.Fatalf("report %+v", rep)
			}
			for _, p := range rep.Problems {
				if strings.Count(p, "reader: ") > 1 || strings.Contains(p, "answered reader") {
					t.Errorf("doubled chain: %s", p)
				}
				if len(p) > 400 {
					t.Errorf("problem of %d bytes: a huge answer is quoted", len(p))
				}
			}
		})
	}
}
