package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/reader/readertest"
)

// newKioskDir starts the reference center on loopback for the rest of the test and
// returns it with a new folder holding what a kiosk kioskID needs beside its
// configuration: its TLS files for that center, an empty printed/ folder (the file
// printer's, as config.Demo and the tests' configurations name it) and the virtual
// cards' J-LIS key for the four facts (jlis-text.pub, as config.Demo names it).
func newKioskDir(tb testing.TB, kioskID string) (string, *centertest.Center) {
	tb.Helper()
	c, err := centertest.New(context.Background(), centertest.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	dir := tb.TempDir()
	if err := c.PKI().WriteKioskFiles(dir, kioskID); err != nil {
		tb.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "printed"), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := writeDemoIssuerKey(filepath.Join(dir, "jlis-text.pub")); err != nil {
		tb.Fatal(err)
	}
	return dir, c
}

// residentCard is a virtual card of demo resident person, issued from c's test JPKI
// root with authentication key readertest.Key(key) (one per card a test uses) and
// bound to the resident at c. o adds the card's other options (PIN, validity).
func residentCard(tb testing.TB, c *centertest.Center, person, key int, o readertest.Options) *readertest.Card {
	tb.Helper()
	signCA, err := readertest.NewCAWithKey(time.Now(), true, readertest.Key(1101))
	if err != nil {
		tb.Fatal(err)
	}
	o.PKI, o.AuthKey = &readertest.PKI{Auth: c.PKI().AuthCA, Sign: signCA}, readertest.Key(key)
	vc, err := readertest.NewCard(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.AddDemoPerson(context.Background(), centertest.DemoPeople()[person], vc.AuthCert()); err != nil {
		tb.Fatal(err)
	}
	return vc
}
