package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

const runTestConfig = `[kiosk]
id = "run-kiosk-1"
location = "test bench"

[[municipality]]
code = "139998"
name = "見本市"
hours = "00:00-24:00"
closed = []
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 200

[reader]
name_pattern = '^Virtual PCD 00 00$'

[printer]
backend = "file"
dir = "printed"

[center]
url = "%s"
ca_file = "center-ca.pem"
document_key = "center-doc.pub"
client_cert = "kiosk.crt"
client_key = "kiosk.key"

[queue]
path = "kiosk.db"
`

// TestRunWithRealReader runs `kiosk run` from a configuration file in a real terminal,
// with the card placed in a reader of a private pcscd (through vpcd) and the reference
// center on loopback: the appliance path end to end, nothing in-process but the center.
func TestRunWithRealReader(t *testing.T) {
	ctx := context.Background()
	h := pcschost.Start(t)
	dir := t.TempDir()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.PKI().WriteKioskFiles(dir, "run-kiosk-1"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "printed"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(runTestConfig, c.URL())), 0o600); err != nil {
		t.Fatal(err)
	}
	signCA, err := readertest.NewCAWithKey(time.Now(), true, readertest.Key(1101))
	if err != nil {
		t.Fatal(err)
	}
	vc, err := readertest.NewCard(readertest.Options{PKI: &readertest.PKI{Auth: c.PKI().AuthCA, Sign: signCA}, AuthKey: readertest.Key(3100)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddDemoPerson(ctx, centertest.DemoPeople()[0], vc.AuthCert()); err != nil {
		t.Fatal(err)
	}

	// The child inherits PCSCLITE_CSOCK_NAME, which pcschost set for this process.
	s := startTmux(t, []string{"KIOSK_TEST_MAIN=run -config " + cfgPath}, os.Args[0])
	s.waitFor("画面にタッチしてください")
	s.keys("Enter")
	s.waitFor("住民票の写し")
	s.keys("1")
	s.waitFor("部数")
	s.keys("Enter")
	s.waitFor("マイナンバーカードを置いてください")
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	s.waitFor("入力できる残り回数：3回")
	s.keys("9", "9", "9", "9", "Enter") // wrong PIN first: one try spent, shown
	s.waitFor("残り回数：2回")
	s.keys("1", "2", "3", "4", "Enter")
	s.waitFor("手数料")
	s.keys("Enter")
	s.waitFor("カードと証明書をお取りください")
	if err := h.Remove(); err != nil {
		t.Fatal(err)
	}

	pdfs, _ := filepath.Glob(filepath.Join(dir, "printed", "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("printed: %v\n%s", pdfs, s.screen())
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var state string
		err := db.QueryRow(`SELECT state FROM outbox WHERE kind = 'completed'`).Scan(&state)
		if err == nil && state == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("completion not delivered: %q, %v", state, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if vc.TriesLeft(readertest.PINAuth) != 3 || vc.MyNumberAccesses() != 0 {
		t.Fatalf("card after the session: tries %d, my number accesses %d", vc.TriesLeft(readertest.PINAuth), vc.MyNumberAccesses())
	}
}
