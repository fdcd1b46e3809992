package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"database/sql"
	"strings"
	"sync"
	"testing"

	"madoguchi/center/centertest"
	"madoguchi/center/server"
)

func storeOptions(t *testing.T, dsn string) server.Options {
	t.Helper()
	pki, err := centertest.NewPKI(base)
	if err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	return server.Options{DBPath: t.TempDir() + "/c.db", Postgres: dsn, JPKIRoots: []*x509.Certificate{pki.AuthCA.Cert},
		KioskCAs: pki.CAPool(), DocumentKey: key, Clock: centertest.NewClock(base)}
}

// TestStoreMigrations: instances starting at once on one database apply each migration
// once (the others wait for the migration lock, then find it done), and a second start
// changes nothing. On SQLite: the same file opened again.
func TestStoreMigrations(t *testing.T) {
	ctx := context.Background()
	opts := storeOptions(t, postgresDSN(t))
	n := 1
	if onPostgres() {
		n = 3
	}
	var wg sync.WaitGroup
	servers := make([]*server.Server, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			servers[i], errs[i] = server.Open(ctx, opts)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		defer servers[i].Close()
	}
	again, err := server.Open(ctx, opts)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	defer again.Close()
	if got := again.Store(); got != map[bool]string{true: "postgres", false: "sqlite"}[onPostgres()] {
		t.Fatalf("store %q", got)
	}
	var versions, rows int
	q := `SELECT count(DISTINCT version), count(*) FROM schema_migrations`
	if !onPostgres() {
		q = `SELECT user_version, 1 FROM pragma_user_version`
	}
	if err := again.DB().QueryRow(q).Scan(&versions, &rows); err != nil || versions < 1 || rows != versions && onPostgres() {
		t.Fatalf("schema versions %d in %d rows (%v)", versions, rows, err)
	}
}

// TestPostgresDurabilityAsserted: a database that would acknowledge a commit before it is
// on disk (synchronous_commit=off) is refused at start, like a SQLite DSN without
// synchronous=FULL.
func TestPostgresDurabilityAsserted(t *testing.T) {
	if !onPostgres() {
		return // the SQLite pass asserts its pragmas in TestDurabilitySettings
	}
	dsn := postgresDSN(t)
	if _, err := server.Open(context.Background(), storeOptions(t, dsn+" synchronous_commit=off")); err == nil || !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("open with synchronous_commit=off: %v", err)
	}
	// The same through the database's own setting.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE DATABASE nosync`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER DATABASE nosync SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	_, err = server.Open(context.Background(), storeOptions(t, strings.Replace(dsn, "dbname=schemas", "dbname=nosync", 1)))
	if err == nil || !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("open with synchronous_commit=off: %v", err)
	}
}
