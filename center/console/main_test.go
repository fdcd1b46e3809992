package console_test

import (
	"flag"
	"os"
	"testing"

	"madoguchi/center/centertest/pgtest"
)

// pg is the PostgreSQL server of the second pass; nil in the first (SQLite) pass.
var pg *pgtest.Server

// TestMain runs the console's tests on both stores, as center/server's (pgtest.TwoPasses):
// SQLite, then a private PostgreSQL with a fresh schema per test.
func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(pgtest.TwoPasses("center/console", func(s *pgtest.Server) int {
		pg = s
		return m.Run()
	}))
}

// postgresDSN is a fresh schema's connection string in the PostgreSQL pass, "" (SQLite)
// in the first.
func postgresDSN(t testing.TB) string {
	t.Helper()
	return pgtest.SchemaDSN(t, pg)
}
