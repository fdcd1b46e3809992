package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

func TestMain(m *testing.M) {
	if args := os.Getenv("KIOSK_TEST_MAIN"); args != "" {
		// The test binary stands in for the kiosk binary (see TestDemoInTmux).
		os.Exit(dispatch(context.Background(), strings.Fields(args), os.Stdout, os.Stderr))
	}
	if os.Getenv("KIOSK_TEST_CHILD") != "" {
		os.Exit(m.Run())
	}
	os.Exit(pcschost.Main(m))
}

func diagJSON(t *testing.T, args ...string) (diagReport, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := dispatch(context.Background(), append([]string{"diag", "--json"}, args...), &out, &errOut)
	var rep diagReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("diag --json output is not JSON: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	return rep, code
}

func TestDiagReader(t *testing.T) {
	h := pcschost.Start(t)
	now := time.Now()
	tests := []struct {
		name     string
		card     *readertest.Options // nil: no card
		setup    func(*readertest.Card)
		healthy  bool
		jpki     bool
		validity string
		auth     int
		problem  string
	}{
		{name: "no card", healthy: true},
		{name: "my number card", card: &readertest.Options{}, healthy: true, jpki: true, validity: "valid", auth: 3},
		{name: "one auth try spent", card: &readertest.Options{}, setup: func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 2) },
			healthy: true, jpki: true, validity: "valid", auth: 2},
		{name: "auth pin blocked", card: &readertest.Options{}, setup: func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 0) },
			jpki: true, validity: "valid", auth: 0, problem: "authentication pin blocked"},
		{name: "expired certificate", card: &readertest.Options{NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(0, 0, -2)},
			jpki: true, validity: "expired", auth: 3, problem: "authentication certificate expired"},
		{name: "not yet valid", card: &readertest.Options{NotBefore: now.AddDate(0, 0, 2), NotAfter: now.AddDate(5, 0, 0)},
			jpki: true, validity: "not yet valid", auth: 3, problem: "not yet valid"},
		{name: "juki card", card: &readertest.Options{Token: "JPKIAPICCTOKEN"}, problem: "old juki card"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var vc *readertest.Card
			if tt.card != nil {
				var err error
				if vc, err = readertest.NewCard(*tt.card); err != nil {
					t.Fatal(err)
				}
				if tt.setup != nil {
					tt.setup(vc)
				}
				if err := h.Insert(vc); err != nil {
					t.Fatal(err)
				}
			} else if err := h.Remove(); err != nil {
				t.Fatal(err)
			}
			rep, code := diagJSON(t, "-reader", "^Virtual PCD 00 00$")
			if rep.Healthy != tt.healthy || (code == 0) != tt.healthy {
				t.Fatalf("healthy = %v (exit %d), want %v; problems %v", rep.Healthy, code, tt.healthy, rep.Reader.Problems)
			}
			if len(rep.Reader.Readers) != 1 || rep.Reader.Readers[0].Name != h.ReaderName(0) {
				t.Fatalf("readers = %+v", rep.Reader.Readers)
			}
			r := rep.Reader.Readers[0]
			if r.Card != (tt.card != nil) {
				t.Fatalf("card present = %v", r.Card)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(rep.Reader.Problems, "|"), tt.problem) {
				t.Fatalf("problems %q lack %q", rep.Reader.Problems, tt.problem)
			}
			if tt.card == nil {
				return
			}
			c := r.Inspect
			if c == nil || c.JPKI != tt.jpki {
				t.Fatalf("card report %+v", c)
			}
			if !tt.jpki {
				return
			}
			if c.AuthCert == nil || c.AuthCert.Validity != tt.validity || c.AuthTries == nil || *c.AuthTries != tt.auth ||
				c.SignTries == nil || *c.SignTries != 5 {
				t.Fatalf("card report %+v (cert %+v)", c, c.AuthCert)
			}
			if vc.TriesLeft(readertest.PINAuth) != tt.auth || vc.MyNumberAccesses() != 0 {
				t.Fatal("diag spent a try or touched the My Number")
			}
			if !strings.EqualFold(strings.ReplaceAll(r.ATR, " ", ""), strings.ToUpper(hexOf(vc.ATR()))) {
				t.Fatalf("ATR %s", r.ATR)
			}
		})
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestDiagWithoutPCSC runs diag in a child process pointed at a socket where no pcscd
// listens: the report says so and the exit code is 1.
func TestDiagWithoutPCSC(t *testing.T) {
	if os.Getenv("KIOSK_TEST_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDiagWithoutPCSC$", "-test.v")
		cmd.Env = append(os.Environ(), "KIOSK_TEST_CHILD=1", pcschost.EnvSocket+"="+t.TempDir()+"/none.comm")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestDiagWithoutPCSC") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	rep, code := diagJSON(t)
	if rep.Healthy || code != 1 || rep.Reader.Service == "ok" ||
		!strings.Contains(strings.Join(rep.Reader.Problems, "|"), "pcscd") {
		t.Fatalf("report %+v, exit %d", rep, code)
	}
	var out bytes.Buffer
	if dispatch(context.Background(), []string{"diag"}, &out, &out) != 1 || !strings.Contains(out.String(), "NOT HEALTHY") {
		t.Fatalf("human output:\n%s", out.String())
	}
}
