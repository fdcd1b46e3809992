package server_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"madoguchi/center/centertest/pgtest"
)

// pg is the PostgreSQL server of the second pass of the suite; nil in the first
// (SQLite) pass.
var pg *pgtest.Server

// TestMain runs the whole suite twice: on SQLite, then on a private PostgreSQL (pgtest),
// one fresh database per test. Without Debian's PostgreSQL server on a developer's
// machine the second pass is left out with a message naming the package; CI installs it
// (make deps) and MADOGUCHI_REQUIRE_POSTGRES=1 (set by make test) turns its absence into
// a failure.
func TestMain(m *testing.M) {
	flag.Parse()
	fmt.Fprintln(os.Stderr, "center/server: pass 1 of 2, store sqlite")
	code := m.Run()
	closeBenchFixtures()
	if code != 0 {
		os.Exit(code)
	}
	if _, err := pgtest.Bin(); err != nil {
		fmt.Fprintln(os.Stderr, "center/server: pass 2 (postgres) left out:", err)
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			os.Exit(1)
		}
		printBenchTable(os.Stdout)
		os.Exit(0)
	}
	srv, err := pgtest.Start(context.Background(), pgtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "center/server: pass 2:", err)
		os.Exit(1)
	}
	pg = srv
	fmt.Fprintln(os.Stderr, "center/server: pass 2 of 2, store postgres")
	code = m.Run()
	closeBenchFixtures()
	printBenchTable(os.Stdout)
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "center/server: stop postgres:", err)
		code = 1
	}
	os.Exit(code)
}

// postgresDSN returns a fresh schema's connection string in the PostgreSQL pass, ""
// (SQLite) in the first.
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

// onPostgres reports whether this pass runs on PostgreSQL.
func onPostgres() bool { return pg != nil }
