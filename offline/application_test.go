package offline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"madoguchi/offline"
)

// acceptAll is a center that takes every message.
type acceptAll struct{ got []offline.Message }

func (a *acceptAll) Send(_ context.Context, batch []offline.Message) ([]offline.Result, error) {
	var res []offline.Result
	for _, m := range batch {
		a.got = append(a.got, m)
		res = append(res, offline.Result{Key: m.Key, Seq: m.Seq, Outcome: offline.Accepted})
	}
	return res, nil
}

// TestApplicationLeavesNothing: a delivered application (personal data: the signing
// certificate holds name and address) is deleted at once, and no byte of it remains in
// the queue file, its WAL or free pages; other messages keep their retention.
func TestApplicationLeavesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := openStore(t, path, offline.Options{})
	recovered(t, s)
	personal := []string{"見本花子の住所ABCDEFGH", "PERSONAL-MARKER-0123456789"}
	payload := map[string]any{"number": "K1-APP-000001", "signed_data": []byte(personal[0] + personal[1])}
	if err := s.Enqueue(ctx, offline.KindApplication, payload); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "form_printed"}); err != nil {
		t.Fatal(err)
	}
	scan := func() (found bool) {
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for _, p := range personal {
				// the payload is JSON: the signed data is base64 of these bytes
				if bytes.Contains(b, []byte(p)) || bytes.Contains(b, []byte("6KaL5pys6Iqx5a2Q")) {
					found = true
				}
			}
		}
		return found
	}
	if !scan() {
		t.Fatal("the application is not in the queue before delivery (test would be vacuous)")
	}
	snd := &acceptAll{}
	if n, _, err := s.SyncOnce(ctx, snd); err != nil || n != 2 {
		t.Fatalf("sync: %d delivered, %v", n, err)
	}
	if len(snd.got) != 2 || snd.got[0].Kind != offline.KindApplication {
		t.Fatalf("sent %+v", snd.got)
	}
	if scan() {
		t.Fatal("the delivered application is still in the queue file or its WAL")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if scan() {
		t.Fatal("the delivered application is in the files after close")
	}
	s2 := openStore(t, path, offline.Options{})
	recovered(t, s2)
	if n, _, err := s2.SyncOnce(ctx, snd); err != nil || n != 0 || len(snd.got) != 2 {
		t.Fatalf("after a restart: %d more delivered, %v (sent %d in all)", n, err, len(snd.got))
	}
}
