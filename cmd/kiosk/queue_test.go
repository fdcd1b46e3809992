package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/config"
	"madoguchi/offline"
	"madoguchi/offline/queuetool"
)

// The secret marker sits in every payload: no output of `kiosk queue` may contain it.
const payloadSecret = "PAYLOAD-MUST-NOT-SHOW"

// refusingSender accepts every message except those whose payload asks to be refused.
type refusingSender struct{}

func (refusingSender) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	out := make([]offline.Result, len(batch))
	for i, m := range batch {
		out[i] = offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted}
		if strings.Contains(string(m.Payload), "refuse-me") {
			out[i].Outcome, out[i].Error = offline.Refused, "unknown issue key"
		}
	}
	return out, nil
}

// newQueueRig writes a configuration and a queue holding: seq 1 delivered, seq 2 and 3
// parked (refused by the center, two alerts), seq 4 pending.
func newQueueRig(t *testing.T) (cfgPath string, cfg *config.Config) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg = config.Demo(dir)
	for _, f := range []string{"center-ca.pem", "kiosk.crt", "center-doc.pub"} {
		must(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600))
	}
	must(t, os.WriteFile(filepath.Join(dir, "kiosk.key"), []byte("x"), 0o600))
	cfgPath = filepath.Join(dir, "kiosk.toml")
	must(t, os.WriteFile(cfgPath, []byte(fmt.Sprintf(`[kiosk]
id = "q-kiosk"
location = "bench"
[[municipality]]
code = "139998"
name = "見本市"
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 200
[printer]
backend = "file"
dir = %q
[center]
url = "https://127.0.0.1:1/"
ca_file = "center-ca.pem"
document_key = "center-doc.pub"
client_cert = "kiosk.crt"
client_key = "kiosk.key"
[queue]
path = "kiosk.db"
`, dir)), 0o600))
	st, err := offline.Open(ctx, filepath.Join(dir, "kiosk.db"), offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, ev := range []string{"ok", "refuse-me", "refuse-me"} {
		must(t, st.Enqueue(ctx, offline.KindAudit, map[string]any{"event": ev, "secret": payloadSecret}))
	}
	if _, _, err := st.SyncOnce(ctx, refusingSender{}); err != nil {
		t.Fatal(err)
	}
	must(t, st.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "later", "secret": payloadSecret}))
	return cfgPath, cfg
}

func queueCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := dispatch(context.Background(), append([]string{"queue"}, args...), &out, &out)
	if strings.Contains(out.String(), payloadSecret) {
		t.Fatalf("queue %v printed a payload:\n%s", args, out.String())
	}
	return out.String(), code
}

func TestQueueCommands(t *testing.T) {
	cfgPath, _ := newQueueRig(t)
	export := filepath.Join(t.TempDir(), "queue-export.json")
	tests := []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{"no command", nil, 2, []string{"usage: kiosk queue"}, nil},
		{"unknown", []string{"-config", cfgPath, "frob"}, 2, []string{`unknown command "frob"`}, nil},
		{"missing config", []string{"-config", cfgPath + ".none", "stats"}, 1, []string{"config file does not exist"}, nil},
		{"stats", []string{"-config", cfgPath, "stats"}, 0,
			[]string{"pending          1", "parked           2", "delivered, kept  1", "last seq         4", "alerts           2"}, nil},
		{"list", []string{"-config", cfgPath, "list"}, 0,
			[]string{"SEQ", "parked", "unknown issue key", "pending"}, []string{"delivered"}},
		{"list all", []string{"-config", cfgPath, "list", "-all"}, 0, []string{"delivered", "parked", "pending"}, nil},
		{"list bad flag", []string{"-config", cfgPath, "list", "-payload"}, 2, []string{"usage: kiosk queue list"}, nil},
		{"alerts", []string{"-config", cfgPath, "alerts"}, 0, []string{"message_parked", "seq 2 refused by the center"}, nil},
		{"retry nothing", []string{"-config", cfgPath, "retry"}, 2, []string{"usage: kiosk queue retry"}, nil},
		{"retry not a number", []string{"-config", cfgPath, "retry", "two"}, 2, []string{`"two" is not a number`}, nil},
		{"retry pending", []string{"-config", cfgPath, "retry", "4"}, 1, []string{"seq 4", "no parked message 4"}, nil},
		{"discard nothing", []string{"-config", cfgPath, "discard"}, 2, []string{"usage: kiosk queue discard"}, nil},
		{"discard a parked audit event", []string{"-config", cfgPath, "discard", "2"}, 1, []string{"seq 2", "not a parked application"}, nil},
		{"discard all: no application parked", []string{"-config", cfgPath, "discard", "-all-parked"}, 0, []string{"no parked messages"}, nil},
		{"retry one", []string{"-config", cfgPath, "retry", "2"}, 0, []string{"seq 2 back in the queue", "systemctl restart"}, nil},
		{"stats after retry", []string{"-config", cfgPath, "stats"}, 0, []string{"pending          2", "parked           1"}, nil},
		{"retry all parked", []string{"-config", cfgPath, "retry", "-all-parked"}, 0, []string{"seq 3 back in the queue"}, nil},
		{"retry none left", []string{"-config", cfgPath, "retry", "-all-parked"}, 0, []string{"no parked messages"}, nil},
		{"ack unknown", []string{"-config", cfgPath, "ack", "99"}, 1, []string{"no open alert 99"}, nil},
		{"ack one", []string{"-config", cfgPath, "ack", "1"}, 0, []string{"alert 1 acknowledged"}, nil},
		{"ack all", []string{"-config", cfgPath, "ack", "-all"}, 0, []string{"alert 2 acknowledged"}, []string{"alert 1 "}},
		{"alerts none", []string{"-config", cfgPath, "alerts"}, 0, []string{"(no alerts)"}, nil},
		{"export", []string{"-config", cfgPath, "export", export}, 0, []string{"exported 4 messages and 0 alerts", "no payloads"}, nil},
		{"export never overwrites", []string{"-config", cfgPath, "export", export}, 1, []string{"exists"}, nil},
		{"export no file", []string{"-config", cfgPath, "export"}, 2, []string{"usage: kiosk queue export FILE"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := queueCmd(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("output has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}

	raw, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), payloadSecret) || strings.Contains(string(raw), "payload\"") {
		t.Fatalf("export holds a payload:\n%s", raw)
	}
	var ex queuetool.Export
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Format != "madoguchi-queue-export/1" || ex.KioskID != "q-kiosk" || len(ex.Messages) != 4 || ex.Stats.Pending != 3 ||
		ex.QuickCheck != "ok" || ex.Messages[1].Attempts != 1 || ex.Messages[1].Key == "" || ex.Messages[1].Bytes == 0 {
		t.Fatalf("export %+v", ex)
	}
	if fi, err := os.Stat(export); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export mode: %v %v", fi.Mode(), err)
	}

	out, code := queueCmd(t, "-config", cfgPath, "list", "-json")
	var rows []offline.MessageInfo
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 3 || rows[0].Seq != 2 || rows[0].State != "pending" {
		t.Fatalf("list -json (exit %d): %s", code, out)
	}
}

func TestQueueNoDatabase(t *testing.T) {
	cfgPath, cfg := newQueueRig(t)
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(cfg.Queue.Path + suf)
	}
	for _, cmd := range [][]string{{"stats"}, {"list"}, {"retry", "1"}, {"export", filepath.Join(t.TempDir(), "x.json")}} {
		out, code := queueCmd(t, append([]string{"-config", cfgPath}, cmd...)...)
		if code != 1 || !strings.Contains(out, "does not exist") {
			t.Errorf("%v: exit %d\n%s", cmd, code, out)
		}
	}
	if _, err := os.Stat(cfg.Queue.Path); !os.IsNotExist(err) {
		t.Fatalf("queue commands created the database: %v", err)
	}
}
