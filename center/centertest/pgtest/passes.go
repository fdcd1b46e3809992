package pgtest

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TwoPasses runs a package's tests twice, for the center's two stores: pass(nil) on
// SQLite, then, on a private server started here, pass(srv) on PostgreSQL; pass runs
// m.Run() (and whatever the package does around it) and returns its code. Without
// Debian's PostgreSQL server the second pass is left out with a message naming pkg —
// unless MADOGUCHI_REQUIRE_POSTGRES is set (make test), which makes that a failure. It
// returns the exit code for os.Exit.
func TwoPasses(pkg string, pass func(*Server) int) int {
	fmt.Fprintf(os.Stderr, "%s: pass 1 of 2, store sqlite\n", pkg)
	if code := pass(nil); code != 0 {
		return code
	}
	if _, err := Bin(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: pass 2 (postgres) left out: %v\n", pkg, err)
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			return 1
		}
		return 0
	}
	srv, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: pass 2: %v\n", pkg, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: pass 2 of 2, store postgres\n", pkg)
	code := pass(srv)
	if err := srv.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: stop postgres: %v\n", pkg, err)
		code = 1
	}
	return code
}

// SchemaDSN is a fresh schema's connection string on s, or "" (SQLite) when s is nil:
// what a test of a TwoPasses package gives centertest.Options.Postgres.
func SchemaDSN(tb testing.TB, s *Server) string {
	tb.Helper()
	if s == nil {
		return ""
	}
	dsn, err := s.NewSchema(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}
