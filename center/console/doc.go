// Package console is the center's operator console and the public verification page:
// server-rendered HTML (html/template, no JavaScript) over HTTPS.
//
// Pages: fleet (each kiosk's last contact, version, uptime, backlog, alerts, printer and
// reader state from its health messages; kiosks silent for longer than StaleAfter are
// highlighted; sequence gaps), issuances per day and type, cards (suspend and reinstate
// by certificate serial with a reason; the list of suspensions), residents (upload a
// residents CSV: "check only" or import, read and validated by server.ImportResidents,
// the same code as `centerd import`; all or nothing, every problem listed with its line;
// each attempt audited), received applications (number, form, kiosk, signer and times, never their content, which `centerd applications` prints on the center) and the audit log. GET /verify/{code} is public:
// what the printed paper should say (type, municipality, date, issuance number, state),
// nothing personal. Public mounts it in front of the kiosks' protocol.
//
// Security: operators log in with a name and password (argon2id, held by package server,
// which also owns sessions, lock-out and the audit table); the session cookie is Secure,
// HttpOnly, SameSite=Strict; every POST carries the session's CSRF token (the log-in form
// a double-submit token) and is refused with 403 without it; forms are capped at
// MaxFormBytes, an upload at MaxUploadBytes (kept in memory, never in a temporary file;
// an oversized one is answered 413 after reading on a little, so a browser shows it); a refused request changes nothing. Pages send a strict CSP (no script at
// all), frame-ancestors 'none', no-store. Text from kiosks and operators reaches pages
// through html/template's escaping only.
package console
