package config

import (
	"fmt"
	"sort"
	"strings"

	"madoguchi/internal/safetext"
)

// Problem is one thing wrong with a configuration file. Its String form is
//
//	FILE:LINE: KEY: MESSAGE
//
// where LINE is omitted when the problem has no line (a missing file, a required key in a
// section that is absent) and KEY is omitted for problems with the file as a whole.
// Syntax errors also carry a column (FILE:LINE:COL: ...).
type Problem struct {
	File string // the file name as given to Load or Parse; "" for a Config built in code
	Line int    // 1-based; 0 when the problem is not tied to a line
	Col  int    // 1-based; only set for TOML syntax errors
	Key  string // dotted key path such as "municipality[0].certificate[1].fee_yen"
	Msg  string // what is wrong and what is allowed
}

// String escapes what came from the file (keys, values quoted in messages, the parser's
// and the regexp compiler's words) with internal/safetext: no control reaches a terminal.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(safetext.String(p.File))
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(safetext.String(p.Key))
		b.WriteString(": ")
	}
	b.WriteString(safetext.String(p.Msg))
	return b.String()
}

// Problems is the error Load, Parse and CheckFiles return: every problem found, in file
// order. It is never empty when returned as an error.
type Problems []Problem

func (ps Problems) Error() string {
	switch len(ps) {
	case 0:
		return "config: no problems"
	case 1:
		return "config: " + ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problems:", len(ps))
	for _, p := range ps {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Strings returns the problems one per element, as printed by Check.
func (ps Problems) Strings() []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// sorted orders problems by line (problems without a line first), keeping the order in
// which they were found for equal lines.
func (ps Problems) sorted() Problems {
	out := append(Problems(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// err returns ps as an error, or nil when there are no problems.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.sorted()
}
