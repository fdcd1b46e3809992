package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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

// TestDiagReport: `kiosk diag -report FILE` (the appliance's out-of-service screen shows
// the provisioning report with it) prints the file before the checks with every control
// and bidi override escaped, keeps its lines, cuts a huge file, and prints nothing for
// a file that is not there.
func TestDiagReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path string
		want       []string
		wantCode   int
	}{
		{"hostile names", write("hostile.txt", "設定ファイルに誤りがあります\nmissing on the provisioning partition: \x1b]0;owned\x07\x1b[2Jkiosk\u202e.key\n\xff\n"),
			[]string{"設定ファイルに誤りがあります\nmissing on the provisioning partition: ", `\x1b]0;owned\x07\x1b[2Jkiosk\u202e.key`, `\xff`}, 1},
		{"huge", write("huge.txt", strings.Repeat("ファイルがありません\n", 5000)), []string{"ファイルがありません\n…", "the rest is not shown"}, 1},
		{"absent", filepath.Join(dir, "none.txt"), []string{"kiosk diag "}, 1},
		{"a folder", dir, []string{"-report"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := dispatch(context.Background(), []string{"diag", "-report", tc.path, "-reader", "^no reader by this name$"}, &out, &errOut)
			text := out.String() + errOut.String()
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.wantCode, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%.2000s", w, text)
				}
			}
			for _, r := range text {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r == 0xfffd {
					t.Fatalf("output holds %U:\n%q", r, text)
				}
			}
			if len(text) > 24<<10 {
				t.Errorf("output of %d bytes: the report is not cut", len(text))
			}
			if tc.name == "absent" && strings.Contains(text, "none.txt") {
				t.Errorf("an absent report is mentioned:\n%s", text)
			}
			if tc.wantCode == 2 {
				return
			}
			// --json carries the same text, escaped as on screen (a technician may read
			// it on a terminal too); absent, no "report" at all.
			out.Reset()
			errOut.Reset()
			dispatch(context.Background(), []string{"diag", "--json", "-report", tc.path, "-reader", "^no reader by this name$"}, &out, &errOut)
			var rep struct {
				Report *string `json:"report"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("--json: %v\n%s%s", err, out.String(), errOut.String())
			}
			if tc.name == "absent" {
				if rep.Report != nil {
					t.Errorf("--json: report %q for an absent file", *rep.Report)
				}
				return
			}
			if rep.Report == nil {
				t.Fatalf("--json has no report:\n%s", out.String())
			}
			if !strings.Contains(text, *rep.Report) || !strings.Contains(*rep.Report, tc.want[len(tc.want)-1]) {
				t.Errorf("--json report %.300q is not what the screen shows", *rep.Report)
			}
		})
	}
}
