// Package i18n holds the kiosk's texts in the languages other than Japanese and English:
// one catalog per language, embedded in the binary, that maps the English text of a
// screen, a spoken guide or the receipt to its translation (gettext style: the English
// text is the message id).
//
// Japanese and English are written where they are used, as pairs (screens' msg,
// screens/voice's text, printer/layout's receiptText). source.json lists every English
// text of those pairs with its Japanese and where it is used; it is generated from the
// Go sources (go test ./internal/i18n -run TestSource -update), never written by hand,
// and a test fails when it is stale. Translators work from it.
//
// # Catalog format
//
// catalogs/<tag>.json, tag a BCP 47 tag of Tags, is one JSON object: each key an English
// text of source.json, each value its translation; "" means not translated yet. Keys are
// sorted and the file is written by the tests (-sync adds the source's new keys with ""
// and drops keys the source no longer has), so two translators never touch one file.
//
// A municipality corrects a translation without a rebuild: [kiosk] translations names a
// folder of <tag>.json files in the same format with only the texts to change
// (LoadCorrections, SetCorrections); they are checked as the catalogs are and refused
// whole on a mistake.
//
// # Invariants
//
//   - Text never returns an empty string as a translation: a missing or empty entry
//     reports false and the caller shows the English text.
//   - Every catalog has exactly the keys of source.json, every value non-empty, with the
//     same fmt verbs as its English text (argument indexes included, %[2]s may reorder),
//     the same ASCII numbers (keys to press, PIN lengths, phone numbers), and no East
//     Asian ambiguous-width symbol (Ambiguous: a terminal draws those one or two cells
//     wide); a language still being translated is listed in the test's pending set and
//     may only have empty values.
//   - Untranslated says which texts a catalog still lacks: the screens' golden files
//     exist for a language only once it has none.
//
// It is a leaf package (standard library and golang.org/x/text/width only): the
// screens, the spoken guide and the printed layout import it; it imports none of them.
package i18n
