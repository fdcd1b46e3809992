package screens

import "strings"

// TerminalSetup returns what the kiosk writes to the terminal named term (its $TERM)
// right after tcell opened it, so that the terminal advances the cursor by the cells
// the layout measures (uniseg's grapheme clusters and widths, textWidth); empty when
// the terminal needs nothing.
//
// foot (1.21, built with utf8proc) clusters graphemes by Unicode 15.1 by default
// (foot.ini [tweak] grapheme-shaping=yes, DEC private mode 2027 set): a Devanagari
// conjunct such as प्र becomes one cell although uniseg (Unicode 15.0, no rule GB9c)
// sees two clusters, and its widths come from utf8proc, which gives a spacing vowel
// sign (Mc, e.g. the ा of मा) no width where uniseg gives it one. tcell writes a
// cluster of width 2 after two blanks and a cursor move, which cuts foot's cluster
// apart, so Nepali came out with gaps, lost and overlapping letters. With mode 2027
// reset foot only joins zero-width code points to the cell before them, which is
// exactly where uniseg's Unicode 15.0 clusters end, and still shapes each cell's
// cluster with HarfBuzz (shaping follows the foot.ini setting, not the mode): every
// cluster starts where the layout put it, and one of width 2 is drawn into its two
// cells. Other terminals are left as they are.
func TerminalSetup(term string) string {
	if term == "foot" || strings.HasPrefix(term, "foot-") {
		return "\x1b[?2027l" // DECRST 2027: no Unicode grapheme clustering
	}
	return ""
}
