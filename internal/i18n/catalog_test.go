package i18n

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/width"
)

// pending are the languages still being translated: their catalogs have every key but
// may leave values empty (the screens show English for those). A translator removes
// the language's line when its catalog is complete. One language a line, so that two
// translators' branches merge.
var pending = map[string]bool{
	"zh-Hans": true,
	"zh-Hant": true,
	"ko":      true,
	"vi":      true,
	"ne":      true,
}

func catalogPath(tag string) string { return filepath.Join("catalogs", tag+".json") }

// TestCatalogs checks every language's catalog against source.json: every key there, no
// key that is not, every value translated (except in pending languages), with the same
// fmt verbs and the same numbers as the English, no ambiguous-width character, and the
// file in its canonical form. -sync rewrites the catalogs with source.json's keys.
func TestCatalogs(t *testing.T) {
	src := readSource(t)
	for _, tag := range Catalogued() {
		t.Run(tag, func(t *testing.T) {
			b, err := os.ReadFile(catalogPath(tag))
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if *syncCatalogs {
				next := Catalog{}
				for en := range src {
					next[en] = c[en]
				}
				if err := os.WriteFile(catalogPath(tag), encode(next), 0o644); err != nil {
					t.Fatal(err)
				}
				c, b = next, encode(next)
			}
			if !bytes.Equal(b, encode(c)) {
				t.Errorf("%s is not in canonical form (sorted keys, 2-space indent): go test ./internal/i18n -run TestCatalogs -sync", catalogPath(tag))
			}
			for _, p := range problems(src, c, pending[tag]) {
				t.Error(p)
			}
		})
	}
	for tag := range pending {
		if !slices.Contains(Catalogued(), tag) {
			t.Errorf("pending language %q has no catalog", tag)
		}
	}
}

// problems lists what is wrong with catalog c against the source texts; empty values
// are allowed when pending.
func problems(src map[string]*sourceEntry, c Catalog, pending bool) []string {
	var out []string
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range c {
			if !yield(k) {
				return
			}
		}
	})
	for _, en := range keys {
		if src[en] == nil {
			out = append(out, "stale key (not in source.json): "+strconv.Quote(en))
		}
	}
	for _, en := range slices.Sorted(func(yield func(string) bool) {
		for k := range src {
			if !yield(k) {
				return
			}
		}
	}) {
		tr, ok := c[en]
		switch {
		case !ok:
			out = append(out, "missing key: "+strconv.Quote(en))
			continue
		case tr == "" && pending:
			continue
		case strings.TrimSpace(tr) == "" && strings.TrimSpace(en) != "":
			out = append(out, "not translated: "+strconv.Quote(en))
			continue
		}
		if a, b := verbs(en), verbs(tr); !slices.Equal(a, b) {
			out = append(out, "fmt verbs "+strings.Join(b, " ")+" in "+strconv.Quote(tr)+", the English has "+strings.Join(a, " ")+": "+strconv.Quote(en))
		}
		if a, b := numbers(en), numbers(tr); !slices.Equal(a, b) {
			out = append(out, "numbers "+strings.Join(b, " ")+" in "+strconv.Quote(tr)+", the English has "+strings.Join(a, " ")+" (keys, PIN lengths, phone numbers must stay)")
		}
		for _, r := range tr {
			if width.LookupRune(r).Kind() == width.EastAsianAmbiguous {
				out = append(out, "ambiguous-width character "+strconv.QuoteRune(r)+" in "+strconv.Quote(tr))
			}
		}
		if strings.ContainsAny(tr, "\n\t\r") {
			out = append(out, "control character in "+strconv.Quote(tr))
		}
	}
	return out
}

// verbs lists the fmt verbs of s as "argument:verb", sorted, argument indexes counted as
// fmt does (so "%[2]s %[1]d" has the verbs of "%d %s"); %% is no verb.
func verbs(s string) []string {
	var out []string
	arg := 1
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 {
			i++
		}
		if i < len(s) && s[i] == '[' {
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return append(out, "bad index")
			}
			n, err := strconv.Atoi(s[i+1 : i+j])
			if err != nil {
				return append(out, "bad index")
			}
			arg, i = n, i+j+1
		}
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i >= len(s) {
			return append(out, "bad verb")
		}
		if s[i] == '%' {
			continue
		}
		out = append(out, strconv.Itoa(arg)+":"+string(s[i]))
		arg++
	}
	slices.Sort(out)
	return out
}

var digitRun = regexp.MustCompile(`[0-9]+`)

// numbers lists the runs of ASCII digits in s, sorted.
func numbers(s string) []string {
	out := digitRun.FindAllString(s, -1)
	slices.Sort(out)
	return out
}

func TestVerbs(t *testing.T) {
	tests := []struct {
		s    string
		want []string
	}{
		{"plain", nil},
		{"%d copies", []string{"1:d"}},
		{"%s per copy, %s", []string{"1:s", "2:s"}},
		{"%[2]s then %[1]s", []string{"1:s", "2:s"}},
		{"%[3]s %[1]d/%[2]d", []string{"1:d", "2:d", "3:s"}},
		{"100%% sure %d", []string{"1:d"}},
		{"%-5d|%05.2f", []string{"1:d", "2:f"}},
		{"%", []string{"bad verb"}},
	}
	for _, tt := range tests {
		if got := verbs(tt.s); !slices.Equal(got, tt.want) {
			t.Errorf("verbs(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestProblems checks that the completeness check can fail, each way.
func TestProblems(t *testing.T) {
	src := map[string]*sourceEntry{"%d copies": {}, "Press 5": {}, "Back": {}}
	tests := []struct {
		name    string
		c       Catalog
		pending bool
		want    int
	}{
		{"complete", Catalog{"%d copies": "%d 份", "Press 5": "请按5", "Back": "返回"}, false, 0},
		{"missing key", Catalog{"%d copies": "%d 份", "Press 5": "请按5"}, false, 1},
		{"stale key", Catalog{"%d copies": "%d 份", "Press 5": "请按5", "Back": "返回", "Old": "旧"}, false, 1},
		{"empty", Catalog{"%d copies": "", "Press 5": "请按5", "Back": "返回"}, false, 1},
		{"empty pending", Catalog{"%d copies": "", "Press 5": "", "Back": ""}, true, 0},
		{"missing pending", Catalog{"%d copies": "", "Press 5": ""}, true, 1},
		{"verb", Catalog{"%d copies": "%s 份", "Press 5": "请按5", "Back": "返回"}, false, 1},
		{"verb lost", Catalog{"%d copies": "份", "Press 5": "请按5", "Back": "返回"}, false, 1},
		{"number", Catalog{"%d copies": "%d 份", "Press 5": "请按6", "Back": "返回"}, false, 1},
		{"ambiguous", Catalog{"%d copies": "%d 份", "Press 5": "请按5", "Back": "○返回"}, false, 1},
	}
	for _, tt := range tests {
		if got := problems(src, tt.c, tt.pending); len(got) != tt.want {
			t.Errorf("%s: %d problems %q, want %d", tt.name, len(got), got, tt.want)
		}
	}
}

// TestBuiltin checks that the embedded catalogs load and Text answers from them.
func TestBuiltin(t *testing.T) {
	cs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != len(Tags)-2 {
		t.Errorf("%d catalogs, want %d", len(cs), len(Tags)-2)
	}
	for tag, c := range cs {
		for en, tr := range c {
			if got, ok := Text(tag, en); ok != (tr != "") || got != tr {
				t.Errorf("Text(%s, %q) = %q %v", tag, en, got, ok)
			}
		}
	}
	for _, tag := range []string{"ja", "en", "xx"} {
		if _, ok := Text(tag, "Back"); ok {
			t.Errorf("Text(%s) found a translation", tag)
		}
	}
}
