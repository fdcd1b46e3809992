package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// TestDiagHostileCard: a card answering escape sequences in every field, garbage or
// huge answers leaves `kiosk diag`'s text output free of controls and bidi overrides,
// reports a typed problem (not a JPKI card, bad answer) with exit code 1, and --json
// still carries what the card said (JSON escapes it itself).
func TestDiagHostileCard(t *testing.T) {
	h := pcschost.Start(t)
	esc := "\x1b]0;owned\x07\x1b[2J\u202e\n  FAIL forged"
	huge := append(bytes.Repeat([]byte{0x1b, '['}, 30000), 0x90, 0x00)
	for _, tc := range []struct {
		name    string
		opts    readertest.Options
		fault   *readertest.Fault
		problem string
	}{
		{"escape sequences in the token", readertest.Options{Token: esc}, nil, "not a my number card"},
		{"escape sequences in the ATR's place of the token", readertest.Options{Token: "JPKI\x9b31m\xff"}, nil, "not a my number card"},
		{"garbage", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultGarbage, Garbage: []byte("\x1b[31m\x90\x00"), Repeat: true, After: 2}, "not a my number card"},
		{"huge answers", readertest.Options{}, &readertest.Fault{Kind: readertest.FaultGarbage, Garbage: huge, Repeat: true, After: 1}, "bad answer from card"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc, err := readertest.NewCard(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.fault != nil {
				vc.InjectFault(*tc.fault)
			}
			if err := h.Insert(vc); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := dispatch(context.Background(), []string{"diag", "-reader", "^Virtual PCD 00 00$"}, &out, &errOut)
			text := out.String() + errOut.String()
			if code != 1 || !strings.Contains(text, tc.problem) {
				t.Fatalf("exit %d, output lacks %q:\n%s", code, tc.problem, text)
			}
			for _, r := range text {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r == 0xfffd {
					t.Fatalf("output holds %U:\n%q", r, text)
				}
			}
			if strings.Contains(text, "\n  FAIL forged") {
				t.Fatal("a card forged a line of the report")
			}
			if len(text) > 20000 {
				t.Fatalf("output of %d bytes: a huge answer is quoted", len(text))
			}
			if tc.opts.Token == esc {
				rep, _ := diagJSON(t, "-reader", "^Virtual PCD 00 00$")
				if c := rep.Reader.Readers[0].Inspect; c == nil || c.Token != strings.TrimRight(esc, " ") {
					t.Fatalf("JSON token %+v, want the card's bytes", c)
				}
			}
		})
	}
}
