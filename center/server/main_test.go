package server_test

import (
	"flag"
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
	code := pgtest.TwoPasses("center/server", func(s *pgtest.Server) int {
		pg = s
		code := m.Run()
		closeBenchFixtures()
		return code
	})
	printBenchTable(os.Stdout)
	os.Exit(code)
}

// postgresDSN returns a fresh schema's connection string in the PostgreSQL pass, ""
// (SQLite) in the first.
func postgresDSN(t testing.TB) string {
	t.Helper()
	return pgtest.SchemaDSN(t, pg)
}

// onPostgres reports whether this pass runs on PostgreSQL.
func onPostgres() bool { return pg != nil }
