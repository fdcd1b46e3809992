package pgtest_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"madoguchi/center/centertest/pgtest"
)

// TestServer: a private server starts, gives fresh databases and schemas that do not see
// each other's tables, dies like a crash on Kill, and Stop removes its folder.
func TestServer(t *testing.T) {
	if _, err := pgtest.Bin(); err != nil {
		if os.Getenv("MADOGUCHI_REQUIRE_POSTGRES") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx := context.Background()
	s, err := pgtest.Start(ctx, pgtest.Options{Settings: map[string]string{"application_name": "pgtest"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() }) // a failing test leaves nothing behind either (Stop is idempotent)
	var dsns []string
	for _, f := range []func(context.Context) (string, error){s.NewSchema, s.NewSchema, s.NewDatabase} {
		dsn, err := f(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dsns = append(dsns, dsn)
	}
	for i, dsn := range dsns {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'mine' AND table_schema = current_schema()`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("dsn %d sees another's table: %d %v", i, n, err)
		}
		if _, err := db.Exec(`CREATE TABLE mine(x int)`); err != nil {
			t.Fatalf("dsn %d: %v", i, err)
		}
		var name, enc string
		if err := db.QueryRow(`SELECT current_setting('application_name'), current_setting('server_encoding')`).Scan(&name, &enc); err != nil || name != "pgtest" || enc != "UTF8" {
			t.Errorf("settings %q %q %v", name, enc, err)
		}
		db.Close()
	}
	s.Kill()
	select {
	case <-s.Exited():
	default:
		t.Fatal("Kill returned before the server ended")
	}
	if _, err := os.Stat(s.Dir); err != nil {
		t.Fatalf("Kill removed the folder: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("Stop left %s: %v", s.Dir, err)
	}
}
