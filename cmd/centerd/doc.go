// Command centerd is madoguchi's reference issuance center: for demos, tests and municipal
// pilots. Its state lives in one folder — the test PKI, the municipalities' fees and hours
// (municipalities.toml), the demo cards — and in a database: the SQLite file center.db in
// that folder (the default), or a PostgreSQL database shared by any number of instances.
//
//	centerd init [-kiosk ID]... DIR      create the PKI, kiosk certificates, the database and demo residents with cards
//	centerd serve [-listen ADDR] [-console ADDR] [-always-open] [-retention DURATION] DIR   (-retention: how
//	                                     long signed documents are kept for a retry, default 72h; then their content
//	                                     is purged; -console: serve the operators' console there, HTTPS)
//	centerd operator DIR NAME            create an operator of the console or set a new password (read from
//	                                     standard input, one line; never an argument)
//	centerd revoke [-reason TEXT] [-issuer ROOT] DIR SERIAL   suspend a card at once (hex serial, colons allowed;
//	                                     -issuer: the JPKI root's SHA-256 fingerprint, needed with several roots)
//	centerd reinstate [-issuer ROOT] DIR SERIAL
//	centerd import DIR FILE.csv          add or update residents (columns: see server.CSVColumns)
//	centerd gaps DIR                     list missing message sequence numbers per kiosk
//	centerd migrate -postgres DSN DIR    apply the PostgreSQL schema migrations and exit
//
// # PostgreSQL
//
// Every command takes -postgres DSN (default $MADOGUCHI_CENTER_POSTGRES): a pgx
// connection string, a postgres:// URL or key=value pairs, e.g.
//
//	host=db1,db2 dbname=madoguchi_center user=madoguchi sslmode=verify-full target_session_attrs=read-write
//
// with the password in a pgpass file (PGPASSFILE), never in the string (it would show in
// ps). The database must be UTF8; fsync, full_page_writes and a synchronous_commit other
// than off are checked at start. Migrations are versioned in schema_migrations and applied
// at every start under an advisory lock (instances starting together apply each once);
// `centerd migrate` applies them ahead of a rolling upgrade. Instances share nothing but
// the database and the folder's files (copy DIR to each): challenges are rows, and every
// transaction on a kiosk's keys, challenges and sequence numbers holds that kiosk's
// advisory lock, so the guarantees of one instance hold across all of them (see
// center/server). Kiosks list the instances in center.url and center.fallback_urls.
//
// Backups: continuous WAL archiving with periodic pg_basebackup (or pg_dump -Fc for a
// small center), encrypted, restore tested. Purged documents leave the tables by UPDATE
// and VACUUM but stay in WAL archives and base backups until those expire.
//
// # Console
//
// The kiosks' listener also serves the public verification page GET /verify/{code} (HTML:
// what the printed paper should say, nothing personal). The operators' console (package
// center/console: fleet, issuances, cards, audit) has its own listener (-console), meant
// for the operators' network only; it uses the center's TLS certificate.
//
// Error messages may quote a file's bytes; they are printed escaped (internal/safetext).
package main
