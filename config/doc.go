// Package config reads and checks the kiosk's one configuration file (TOML).
//
// # Concepts
//
// A field technician writes one file, usually /etc/madoguchi/kiosk.toml, starting from
// the example shipped in the binary (Example, printed by `kiosk config example`), and
// checks it with `kiosk check-config FILE` (Check) before restarting the kiosk. The file
// has the sections [kiosk], [[municipality]] with [[municipality.certificate]], [reader],
// [printer], [gpio], [center], [timeouts], [queue], [status] and [screen]; example.toml documents
// every key, its default and what it allows.
//
// Load returns either a complete *Config or a Problems error listing every problem in the
// file, not just the first, each as
//
//	FILE:LINE: KEY: MESSAGE
//
// e.g. `kiosk.toml:14: municipality[0].code: check digit is wrong: "131017" must end in 6`.
// KEY is the dotted path of the setting, with a 0-based index for array elements. A
// missing required key is reported at the line of its table.
//
// Loading runs in three stages, each reporting into the same list:
//
//  1. Syntax: github.com/BurntSushi/toml parses the text into a generic tree. A syntax
//     error is the only problem that stops the checks (FILE:LINE:COL).
//  2. Decoding (decode.go) maps the tree onto Config: wrong TOML types, malformed values
//     (durations, hours, dates, regular expressions) and unknown keys are problems, with a
//     "did you mean" for near misses. It does not decode into structs with the library,
//     because that stops at the first wrong type. Line numbers come from locate.go: the
//     library keeps key positions private, so a small scanner (run only on text the
//     library accepted) records the line of every key and [[array]] element.
//  3. Validation (Validate) checks ranges and relations between settings on the typed
//     Config, so configs built in code (Default, Demo) are held to the same rules; then
//     CheckFiles checks the files the config names.
//
// Diagnose is the config section of `kiosk diag`: a summary a technician can read (file
// names, never the technician PIN) with Printer.Target naming the printer.
//
// # Invariants
//
//   - Unknown keys are errors: a typo never falls back silently to a default.
//   - Every optional setting has a documented default (Default, the Default… constants,
//     example.toml); required settings (kiosk id and location, at least one municipality
//     with at least one certificate and its fee, printer back end, center URL and TLS
//     client files) have none.
//   - Every problem names what is allowed, not only what is wrong. Its String (and
//     Check's output) is escaped with internal/safetext: what the file holds cannot put
//     a control on the terminal.
//   - No message shows a secret key's value (secretKeys: kiosk.technician_pin), not even
//     in part: a wrong type names the type only, and a TOML syntax error on a line naming
//     a secret key is not quoted from the parser (it may repeat the value).
//   - A returned *Config is always valid; on any problem Load and Parse return nil.
//   - Paths in a Config are absolute; relative paths in the file are resolved against the
//     file's directory.
//   - The private key file (center.client_key) must not be accessible by group or others
//     (mode & 0o077 == 0); its bytes are zeroed after the check.
//   - Service hours and closed days are in JST (a fixed zone, no tzdata needed). The
//     default year-end closure is 12-29..01-03; setting `closed` replaces it.
//   - hours.go is the project's one model of opening hours and its one JST: a Schedule
//     (window, weekdays only, closed days) answers Municipality.OpenAt and
//     CertificateOpenAt here and the reference center's service hours (center/server). A
//     window never crosses midnight. NextOpen (and CertificateNextOpen) say when a closed
//     schedule opens next, for the choose screen's "available from" and the center's
//     refusal; a certificate's schedule (CertificateSchedule) is the overlap of its own
//     window with its municipality's.
//   - [reminder]: the steps of the reminder of a card or certificate left behind (the
//     screen at once, buzzer and LED from beep_after, alert at alert_after ≥ beep_after);
//     [gpio] paper_tray is the optional paper-present sensor of the output tray.
//   - Queue caps never drop messages: reaching one puts the kiosk out of service.
//   - The status endpoint listens on loopback only unless allow_remote is set.
//   - [screen]: input is "terminal" (default) or "evdev"; device is a path when it starts
//     with "/" (it must be under /dev), else a name pattern; calibration pairs are set
//     together or not at all, and the two values of a pair differ. The touch package
//     (screens/touch) turns Screen into its own settings.
//   - Nothing here reads the clock: OpenAt and CertificateOpenAt take the time.
//
// Load and Check touch the file system; Parse and Validate do not.
package config
