// Package durable writes new files that survive a power cut whole or not at all: the
// file printer's certificates (printer/file) and the technician's queue export
// (offline/queuetool).
//
// It lives in internal/ because it is the module's own helper for the packages that
// write files outside a database, with no place in any package's API.
//
// # Invariants
//
//   - Create never replaces an existing file: a name that exists is refused with an
//     error matching fs.ErrExist, as an exclusive create would.
//   - When Create returns nil the bytes and the name are on the medium (the file and
//     its folder were fsynced).
//   - Whenever the name exists it holds all the bytes: they are written to a hidden
//     part file (.<name>.part) in the same folder, synced, and only then linked to the
//     name. A part file a power cut left behind is not the file; the next Create of the
//     name replaces it.
package durable
