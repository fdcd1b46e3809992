package console_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"madoguchi/center/centertest/pgtest"
)

// pg is the PostgreSQL server of the second pass; nil in the first (SQLite) pass.
var pg *pgtest.Server

// TestMain runs the console's tests twice, as center/server's: on SQLite, then on a
// private PostgreSQL (pgtest) with a fresh schema per test. Without Debian's PostgreSQL
// server the second pass is left out with a message; MADOGUCHI_REQUIRE_POSTGRES=1 (make
// test) makes that a failure.
func TestMain(m *testing.M) {
	flag.Parse()
	fmt.Fprintln(os.Stderr, "center/console: pass 1 of 2, store sqlite")
	if code := m.Run(); code != 0 {
		os.Exit(code)
	}
	if _, err := pgtest.Bin(); err != nil {
		fmt.Fprintln(os.Stderr, "center/console: pass 2 (postgres) left out:", err)
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			os.Exit(1)
		}
		os.Exit(0)
	}
	srv, err := pgtest.Start(context.Background(), pgtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "center/console: pass 2:", err)
		os.Exit(1)
	}
	pg = srv
	fmt.Fprintln(os.Stderr, "center/console: pass 2 of 2, store postgres")
	code := m.Run()
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "center/console: stop postgres:", err)
		code = 1
	}
	os.Exit(code)
}

// postgresDSN is a fresh schema's connection string in the PostgreSQL pass, "" (SQLite)
// in the first.
func postgresDSN(t testing.TB) string {
	t.Helper()
	if pg == nil {
		return ""
	}
	dsn, err := pg.NewSchema(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}
