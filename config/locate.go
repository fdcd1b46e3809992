package config

import (
	"fmt"
	"strconv"
	"strings"
)

// BurntSushi/toml v1.6.0 records a position for every key while parsing but does not
// export it (MetaData has no position accessor, and its internal table forgets the index of
// [[array]] tables). Problems must name a line, so after the library has accepted the file
// as valid TOML, locate scans it once more and records the line of every table header, key
// and array element under the same dotted paths the decoder uses
// ("municipality[1].certificate[0].fee_yen").
//
// The scanner may assume well-formed input: it only runs on text the library parsed
// without error. It never fails; on anything unexpected it skips a byte, so it always
// terminates.

// joinKey appends one key segment to a dotted path, quoting it unless it is a bare key.
func joinKey(parent, seg string) string {
	if !isBareKey(seg) {
		seg = strconv.Quote(seg)
	}
	if parent == "" {
		return seg
	}
	return parent + "." + seg
}

// indexKey names element i of the array at path.
func indexKey(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareChar(s[i]) {
			return false
		}
	}
	return true
}

func isBareChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// parentPath strips the last segment ("a.b[2]" → "a.b", "a.b" → "a", "a" → "").
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if strings.HasSuffix(p, `"`) {
		// A quoted segment: find its opening quote (not preceded by a backslash).
		for i := len(p) - 2; i >= 0; i-- {
			if p[i] == '"' && (i == 0 || p[i-1] != '\\') {
				return strings.TrimSuffix(p[:i], ".")
			}
		}
		return ""
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

type scanner struct {
	s      []byte
	i      int
	line   int
	lines  map[string]int // path → 1-based line
	arrays map[string]int // resolved path of an [[array]] table → elements seen
}

// locate returns the line of every key path in src.
func locate(src []byte) map[string]int {
	sc := &scanner{s: src, line: 1, lines: map[string]int{}, arrays: map[string]int{}}
	table := ""
	for {
		sc.skipBlank(true)
		if sc.eof() {
			break
		}
		start := sc.i
		if sc.s[sc.i] == '[' {
			table = sc.header()
		} else {
			sc.keyval(table)
		}
		if sc.i == start {
			sc.advance()
		}
	}
	return sc.lines
}

func (sc *scanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *scanner) advance() {
	if sc.s[sc.i] == '\n' {
		sc.line++
	}
	sc.i++
}

func (sc *scanner) peek(prefix string) bool {
	return strings.HasPrefix(string(sc.s[sc.i:min(len(sc.s), sc.i+len(prefix))]), prefix)
}

// skipBlank skips spaces and tabs, and with nl also newlines and comments.
func (sc *scanner) skipBlank(nl bool) {
	for !sc.eof() {
		switch c := sc.s[sc.i]; {
		case c == ' ' || c == '\t':
			sc.advance()
		case nl && (c == '\n' || c == '\r'):
			sc.advance()
		case nl && c == '#':
			for !sc.eof() && sc.s[sc.i] != '\n' {
				sc.advance()
			}
		default:
			return
		}
	}
}

// header reads [a.b] or [[a.b]] and returns the resolved table path.
func (sc *scanner) header() string {
	line := sc.line
	array := sc.peek("[[")
	if array {
		sc.i += 2
	} else {
		sc.i++
	}
	segs := sc.keyPath()
	for !sc.eof() && sc.s[sc.i] == ']' {
		sc.advance()
	}
	if len(segs) == 0 {
		return ""
	}
	var path string
	if array {
		path = joinKey(sc.resolve(segs[:len(segs)-1]), segs[len(segs)-1])
		if _, ok := sc.lines[path]; !ok {
			sc.lines[path] = line
		}
		n := sc.arrays[path]
		sc.arrays[path] = n + 1
		path = indexKey(path, n)
	} else {
		path = sc.resolve(segs)
	}
	sc.lines[path] = line
	return path
}

// resolve turns header segments into a path, entering the current element of every
// [[array]] table on the way.
func (sc *scanner) resolve(segs []string) string {
	p := ""
	for _, seg := range segs {
		p = joinKey(p, seg)
		if n, ok := sc.arrays[p]; ok {
			p = indexKey(p, n-1)
		}
		if _, ok := sc.lines[p]; !ok {
			sc.lines[p] = sc.line
		}
	}
	return p
}

// keyPath reads a dotted key (bare or quoted segments) and stops before '=' or ']'.
func (sc *scanner) keyPath() []string {
	var segs []string
	for {
		sc.skipBlank(false)
		if sc.eof() {
			return segs
		}
		switch c := sc.s[sc.i]; {
		case c == '"':
			raw := sc.basicString()
			seg, err := strconv.Unquote(raw)
			if err != nil {
				seg = strings.Trim(raw, `"`)
			}
			segs = append(segs, seg)
		case c == '\'':
			segs = append(segs, strings.Trim(sc.literalString(), "'"))
		case isBareChar(c):
			start := sc.i
			for !sc.eof() && isBareChar(sc.s[sc.i]) {
				sc.i++
			}
			segs = append(segs, string(sc.s[start:sc.i]))
		default:
			return segs
		}
		sc.skipBlank(false)
		if sc.eof() || sc.s[sc.i] != '.' {
			return segs
		}
		sc.i++
	}
}

// keyval reads "key = value" inside table and records every path it defines.
func (sc *scanner) keyval(table string) {
	line := sc.line
	segs := sc.keyPath()
	if len(segs) == 0 {
		return
	}
	path := table
	for _, seg := range segs {
		path = joinKey(path, seg)
		if _, ok := sc.lines[path]; !ok {
			sc.lines[path] = line
		}
	}
	sc.lines[path] = line
	sc.skipBlank(false)
	if !sc.eof() && sc.s[sc.i] == '=' {
		sc.i++
	}
	sc.skipBlank(false)
	sc.value(path)
}

func (sc *scanner) value(path string) {
	if sc.eof() {
		return
	}
	switch sc.s[sc.i] {
	case '"':
		sc.basicString()
	case '\'':
		sc.literalString()
	case '[':
		sc.advance()
		for n := 0; ; n++ {
			sc.skipBlank(true)
			if sc.eof() {
				return
			}
			if sc.s[sc.i] == ']' {
				sc.advance()
				return
			}
			elem := indexKey(path, n)
			sc.lines[elem] = sc.line
			start := sc.i
			sc.value(elem)
			sc.skipBlank(true)
			if !sc.eof() && sc.s[sc.i] == ',' {
				sc.advance()
			} else if sc.i == start {
				sc.advance()
			}
		}
	case '{':
		sc.advance()
		for {
			sc.skipBlank(true)
			if sc.eof() {
				return
			}
			if sc.s[sc.i] == '}' {
				sc.advance()
				return
			}
			start := sc.i
			sc.keyval(path)
			sc.skipBlank(true)
			if !sc.eof() && sc.s[sc.i] == ',' {
				sc.advance()
			} else if sc.i == start {
				sc.advance()
			}
		}
	default: // number, boolean, date-time: up to a delimiter
		for !sc.eof() && !strings.ContainsRune(",]}#\n\r", rune(sc.s[sc.i])) {
			sc.advance()
		}
	}
}

// basicString skips a "..." or """...""" string and returns its raw text.
func (sc *scanner) basicString() string {
	start := sc.i
	if sc.peek(`"""`) {
		sc.i += 3
		for !sc.eof() {
			if sc.s[sc.i] == '\\' {
				sc.advance()
				if !sc.eof() {
					sc.advance()
				}
				continue
			}
			if sc.peek(`"""`) {
				sc.i += 3
				for n := 0; n < 2 && !sc.eof() && sc.s[sc.i] == '"'; n++ { // """a"""" ends with quotes
					sc.i++
				}
				break
			}
			sc.advance()
		}
		return string(sc.s[start:sc.i])
	}
	sc.i++
	for !sc.eof() && sc.s[sc.i] != '"' && sc.s[sc.i] != '\n' {
		if sc.s[sc.i] == '\\' {
			sc.i++
		}
		if !sc.eof() {
			sc.i++
		}
	}
	if !sc.eof() && sc.s[sc.i] == '"' {
		sc.i++
	}
	return string(sc.s[start:min(sc.i, len(sc.s))])
}

// literalString skips a '...' or ”'...”' string and returns its raw text.
func (sc *scanner) literalString() string {
	start := sc.i
	if sc.peek("'''") {
		sc.i += 3
		for !sc.eof() && !sc.peek("'''") {
			sc.advance()
		}
		if !sc.eof() {
			sc.i += 3
			for n := 0; n < 2 && !sc.eof() && sc.s[sc.i] == '\''; n++ {
				sc.i++
			}
		}
		return string(sc.s[start:sc.i])
	}
	sc.i++
	for !sc.eof() && sc.s[sc.i] != '\'' && sc.s[sc.i] != '\n' {
		sc.i++
	}
	if !sc.eof() && sc.s[sc.i] == '\'' {
		sc.i++
	}
	return string(sc.s[start:sc.i])
}
