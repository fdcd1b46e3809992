package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/printer/printertest"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// diagTestConfig is the demo setup as a technician's file: the reference center on
// loopback, the kiosk's TLS files from its PKI, the reader of a private pcscd, a queue
// file. %[1]s: center URL, %[2]s: reader pattern, %[3]s: the [printer] body.
const diagTestConfig = `[kiosk]
id = "diag-kiosk-1"
location = "test bench"
technician_pin = "97531086"

[[municipality]]
code = "139998"
name = "見本市"
hours = "00:00-24:00"
closed = []
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 200

[reader]
name_pattern = '%[2]s'

[printer]
%[3]s

[center]
url = "%[1]s"
ca_file = "center-ca.pem"
document_key = "center-doc.pub"
client_cert = "kiosk.crt"
client_key = "kiosk.key"
connect_timeout = "2s"

[queue]
path = "kiosk.db"
`

// diagRig is a kiosk directory with a configuration, a center and a queue.
type diagRig struct {
	dir    string
	center *centertest.Center
}

func newDiagRig(t *testing.T) *diagRig {
	t.Helper()
	ctx := context.Background()
	r := &diagRig{}
	r.dir, r.center = newKioskDir(t, "diag-kiosk-1")
	// The queue as `kiosk run` leaves it: created, recovered, one message delivered.
	cfg := r.load(t, r.write(t, "start.toml", `^Virtual PCD 00 00$`, "backend = \"file\"\ndir = \"printed\""))
	client, err := newCenterClient(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openQueue(ctx, cfg, centerlink.Link{Client: client}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "diag-test"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SyncOnce(ctx, centerlink.Link{Client: client}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *diagRig) write(t *testing.T, name, pattern, printer string) string {
	t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, []byte(fmt.Sprintf(diagTestConfig, r.center.URL(), pattern, printer)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (r *diagRig) load(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func sectionStatus(rep diagReport) map[string]string {
	m := map[string]string{}
	for _, s := range rep.sections() {
		m[s.name] = s.v.Status
	}
	return m
}

// TestDiagWithConfig runs `kiosk diag -config FILE --json` against the demo-like setup
// and then against each failure a technician meets.
func TestDiagWithConfig(t *testing.T) {
	h := pcschost.Start(t)
	r := newDiagRig(t)
	dev, err := printertest.NewDevice()
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const reader = `^Virtual PCD 00 00$`
	filePrinter := "backend = \"file\"\ndir = \"printed\""
	escposPrinter := fmt.Sprintf("backend = \"escpos\"\ndevice = %q", dev.Path())

	tests := []struct {
		name    string
		pattern string
		printer string
		setup   func(t *testing.T) // undone by the next case's setup
		healthy bool
		want    map[string]string // section → status
		problem string            // in some section's problems or warnings
	}{
		{name: "demo setup, card present", pattern: reader, printer: filePrinter,
			setup:   func(t *testing.T) { must(t, h.Insert(vc)) },
			healthy: true,
			want:    map[string]string{"reader": "ok", "printer": "ok", "center": "ok", "queue": "ok", "disk": "ok", "gpio": "skipped", "config": "warn"},
			problem: `printer backend is "file"`},
		{name: "no card", pattern: reader, printer: filePrinter,
			setup:   func(t *testing.T) { must(t, h.Remove()) },
			healthy: true,
			want:    map[string]string{"reader": "ok", "center": "ok", "queue": "ok"}},
		{name: "no reader", pattern: `^No Such Reader$`, printer: filePrinter,
			want:    map[string]string{"reader": "fail", "center": "ok"},
			problem: "no card reader found"},
		{name: "escpos printer ready", pattern: reader, printer: escposPrinter, healthy: true,
			want: map[string]string{"printer": "ok", "config": "ok"}},
		{name: "printer out of paper", pattern: reader, printer: escposPrinter,
			setup:   func(t *testing.T) { dev.SetPaperOut(true) },
			want:    map[string]string{"printer": "fail", "reader": "ok", "center": "ok"},
			problem: "paper out"},
		{name: "printer paper low", pattern: reader, printer: escposPrinter,
			setup:   func(t *testing.T) { dev.SetPaperOut(false); dev.SetNearEnd(true) },
			healthy: true,
			want:    map[string]string{"printer": "warn"},
			problem: "paper low"},
		{name: "printer unplugged", pattern: reader, printer: `backend = "escpos"` + "\n" + `device = "/dev/null/lp9"`,
			want:    map[string]string{"printer": "fail"},
			problem: "printer cannot be opened"},
		{name: "disk nearly full", pattern: reader, printer: filePrinter,
			setup: func(t *testing.T) {
				old := diskStatfs
				diskStatfs = func(string) (uint64, uint64, error) { return 3 << 20, 8 << 30, nil }
				t.Cleanup(func() { diskStatfs = old })
			},
			want:    map[string]string{"disk": "fail", "center": "ok", "queue": "ok"},
			problem: "disk nearly full: 3.0 MiB free"},
		{name: "disk low", pattern: reader, printer: filePrinter,
			setup: func(t *testing.T) {
				old := diskStatfs
				diskStatfs = func(string) (uint64, uint64, error) { return 100 << 20, 8 << 30, nil }
				t.Cleanup(func() { diskStatfs = old })
			},
			healthy: true,
			want:    map[string]string{"disk": "warn"},
			problem: "disk space low"},
		{name: "queue database missing", pattern: reader, printer: filePrinter,
			setup: func(t *testing.T) {
				for _, suf := range []string{"", "-wal", "-shm"} {
					p := filepath.Join(r.dir, "kiosk.db"+suf)
					if err := os.Rename(p, p+".away"); err != nil && !os.IsNotExist(err) {
						t.Fatal(err)
					}
					t.Cleanup(func() { os.Rename(p+".away", p) })
				}
			},
			healthy: true,
			want:    map[string]string{"queue": "warn"},
			problem: "no queue database yet"},
		{name: "center down", pattern: reader, printer: filePrinter,
			setup:   func(t *testing.T) { must(t, r.center.Close()) },
			want:    map[string]string{"center": "fail", "queue": "ok", "reader": "ok", "printer": "ok"},
			problem: "center not reachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			cfg := r.write(t, "kiosk.toml", tt.pattern, tt.printer)
			rep, code := diagJSON(t, "-config", cfg)
			got := sectionStatus(rep)
			if rep.Healthy != tt.healthy || (code == 0) != tt.healthy {
				t.Errorf("healthy = %v (exit %d), want %v; sections %v", rep.Healthy, code, tt.healthy, got)
			}
			for sec, want := range tt.want {
				if got[sec] != want {
					t.Errorf("section %s = %s, want %s", sec, got[sec], want)
				}
			}
			var all []string
			for _, s := range rep.sections() {
				all = append(all, s.v.Problems...)
				all = append(all, s.v.Warnings...)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(all, "|"), tt.problem) {
				t.Errorf("problems %q lack %q", all, tt.problem)
			}
			if t.Failed() {
				t.Logf("report: %+v", rep)
			}
		})
	}
}

// TestDiagReportContents checks the details a technician reads in the healthy setup,
// and the human-readable form.
func TestDiagReportContents(t *testing.T) {
	pcschost.Start(t)
	r := newDiagRig(t)
	cfg := r.write(t, "kiosk.toml", `^Virtual PCD 00 00$`, "backend = \"file\"\ndir = \"printed\"")
	before := fileDigest(t, filepath.Join(r.dir, "kiosk.db"), filepath.Join(r.dir, "kiosk.db-wal"))
	rep, code := diagJSON(t, "-config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %+v", code, rep)
	}
	if after := fileDigest(t, filepath.Join(r.dir, "kiosk.db"), filepath.Join(r.dir, "kiosk.db-wal")); after != before {
		t.Errorf("diag changed the queue database")
	}
	c := rep.Center
	if c.TLSVersion != "TLS 1.3" || c.HTTPStatus != 200 || c.SkewSeconds == nil || *c.SkewSeconds > 2 || *c.SkewSeconds < -2 ||
		c.ClientCertExpiry == nil || c.ServerCertExpiry == nil {
		t.Errorf("center section %+v", c)
	}
	q := rep.Queue
	if q.QuickCheck != "ok" || q.Stats == nil || q.Stats.Delivered != 1 || q.Stats.Pending != 0 || q.Stats.LastSeq != 1 {
		t.Errorf("queue section %+v (stats %+v)", q, q.Stats)
	}
	if rep.Disk.FreeBytes == 0 || rep.Disk.DBBytes == 0 {
		t.Errorf("disk section %+v", rep.Disk)
	}
	if rep.Config.KioskID != "diag-kiosk-1" || len(rep.Config.Municipalities) != 1 || !rep.Config.TechnicianMode {
		t.Errorf("config section %+v", rep.Config)
	}

	var out bytes.Buffer
	if got := dispatch(context.Background(), []string{"diag", "-config", cfg}, &out, &out); got != 0 {
		t.Fatalf("exit %d\n%s", got, out.String())
	}
	if raw, _ := json.Marshal(rep); strings.Contains(string(raw)+out.String(), "97531086") {
		t.Error("diag shows the technician PIN")
	}
	for _, want := range []string{"center [ok]", "TLS 1.3", "clock skew", "queue [ok]", "sqlite check     ok", "disk [ok]", "technician mode  on", "\nhealthy\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, out.String())
		}
	}

	// A broken configuration: diag says so, checks the reader and fails.
	bad := filepath.Join(r.dir, "bad.toml")
	must(t, os.WriteFile(bad, []byte("[kiosk]\nid = \"x\"\n"), 0o600))
	rep, code = diagJSON(t, "-config", bad)
	if code != 1 || rep.Config.Status != statusFail || rep.Center.Status != statusSkipped {
		t.Errorf("bad config: exit %d, %+v", code, sectionStatus(rep))
	}

	// Without -config only the reader is checked, and the text says how to do more.
	out.Reset()
	dispatch(context.Background(), []string{"diag", "-reader", `^Virtual PCD 00 00$`}, &out, &out)
	if !strings.Contains(out.String(), "only the reader was checked") {
		t.Errorf("reader-only output:\n%s", out.String())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fileDigest hashes the files' contents (a missing file counts as empty).
func fileDigest(t *testing.T, paths ...string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s:%d:", p, len(b))
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
