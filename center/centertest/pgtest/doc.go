// Package pgtest starts a private PostgreSQL server for a test: Debian's server binaries
// (package postgresql, under /usr/lib/postgresql/NN/bin — never another pg_ctl on PATH),
// initdb into a fresh temporary folder, a unix socket in that folder and no TCP unless
// asked, so parallel test runs never share a server. As root, initdb and postgres run as
// the unprivileged user postgres that owns the folder. Stop shuts it down and removes the
// folder; Kill ends it like a crash. NewDatabase gives each test its own empty database,
// NewSchema (cheaper) its own schema. Options.StandbyOf starts a streaming-replication
// standby of another server (pg_basebackup -R over the primary's socket); Promote ends its
// recovery.
//
// TwoPasses runs a package's tests on SQLite and then on a private server (the center's two
// stores); SchemaDSN gives each test of the PostgreSQL pass its schema.
//
// Bin reports a missing installation with the package to install; `make deps` installs
// it, so CI always runs the PostgreSQL half of the tests.
package pgtest
