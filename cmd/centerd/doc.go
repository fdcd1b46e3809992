// Command centerd is madoguchi's reference issuance center: for demos, tests and municipal
// pilots. All its state lives in one folder: the test PKI, the SQLite database, the
// municipalities' fees and hours (municipalities.toml) and the demo cards.
//
//	centerd init [-kiosk ID]... DIR      create the PKI, kiosk certificates, the database and demo residents with cards
//	centerd serve [-listen ADDR] [-always-open] [-retention DURATION] DIR   (-retention: how long signed
//	                                     documents are kept for a retry, default 72h; then their content is purged)
//	centerd revoke [-reason TEXT] [-issuer ROOT] DIR SERIAL   suspend a card at once (hex serial, colons allowed;
//	                                     -issuer: the JPKI root's SHA-256 fingerprint, needed with several roots)
//	centerd reinstate [-issuer ROOT] DIR SERIAL
//	centerd import DIR FILE.csv          add or update residents (columns: see server.CSVColumns)
//	centerd gaps DIR                     list missing message sequence numbers per kiosk
//
// Error messages may quote a file's bytes; they are printed escaped (internal/safetext).
package main
