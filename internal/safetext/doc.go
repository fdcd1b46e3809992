// Package safetext makes text from outside the program safe to show on a terminal or a
// screen: what came from a card, a center, a printer or a file is passed through String
// before a human output prints it, so it cannot move the cursor, change colours, retitle
// the terminal, hide text or reorder it.
//
// It lives in internal/ because it is the module's own helper for every command and
// package that writes for a person (cmd/kiosk, cmd/centerd, config's messages, the
// screens), with no dependency of its own and no place in any package's API; JSON
// output never goes through it (encoding/json escapes controls itself).
//
// # Invariants
//
//   - String never returns a C0 control (U+0000–U+001F), DEL, a C1 control
//     (U+0080–U+009F), a bidirectional formatting character (U+061C, U+200E, U+200F,
//     U+202A–U+202E, U+2066–U+2069), a line or paragraph separator (U+2028, U+2029) or
//     invalid UTF-8: each is written as a visible Go-style escape (\x1b, \u202e, \xff).
//     Everything else, Japanese text included, is kept as it is.
//   - Clean text comes back unchanged (same string, no allocation).
//   - Backslashes are not escaped: the output is for reading, not for parsing back.
package safetext
