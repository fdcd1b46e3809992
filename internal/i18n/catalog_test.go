package i18n

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// pending are the languages still being translated: their catalogs have every key but
// may leave values empty (the screens show English for those). A translator removes
// the language's line when its catalog is complete. One language a line, so that two
// translators' branches merge.
var pending = map[string]bool{}

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
		case tr == "" && pending:
		default:
			out = append(out, Check(en, tr)...)
		}
	}
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
		{"accented latin", Catalog{"%d copies": "%d cópias", "Press 5": "Pulse 5", "Back": "Atrás ñ ê"}, false, 0},
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

func TestUntranslated(t *testing.T) {
	src := readSource(t)
	for _, tag := range Catalogued() {
		u, err := Untranslated(tag)
		if err != nil {
			t.Fatal(err)
		}
		if !pending[tag] && len(u) != 0 {
			t.Errorf("%s: %d untranslated, not pending", tag, len(u))
		}
	}
	if u, _ := Untranslated("xx"); len(u) != len(src) {
		t.Errorf("unknown language: %d untranslated, want %d", len(u), len(src))
	}
	if u, _ := Untranslated(Native); len(u) != 0 {
		t.Error("Japanese has untranslated texts")
	}
}

// TestCorrections: a municipality's corrections replace the catalog's text, are checked
// like the catalogs (all refused on one mistake), and load from a folder.
func TestCorrections(t *testing.T) {
	t.Cleanup(func() { corrections.Store(nil) })
	good := map[string]Catalog{"zh-Hans": {"Back": "返回上页", "%d copies": "共%d份"}}
	if err := SetCorrections(good); err != nil {
		t.Fatal(err)
	}
	if s, _ := Text("zh-Hans", "Back"); s != "返回上页" {
		t.Errorf("corrected Back = %q", s)
	}
	if s, _ := Text("zh-Hans", "Next"); s != "下一步" {
		t.Errorf("uncorrected Next = %q", s)
	}
	for name, bad := range map[string]map[string]Catalog{
		"unknown language": {"fr": {"Back": "Retour"}},
		"unknown text":     {"zh-Hans": {"Go away": "走开"}},
		"verb":             {"zh-Hans": {"Back": "返回", "%d copies": "份"}},
		"number":           {"zh-Hans": {"Press 5 to return to the start.": "按6返回。"}},
		"ambiguous":        {"zh-Hans": {"Back": "○返回"}},
		"empty":            {"zh-Hans": {"Back": ""}},
	} {
		if err := SetCorrections(bad); !errors.Is(err, ErrCorrection) {
			t.Errorf("%s: %v", name, err)
		}
		if s, _ := Text("zh-Hans", "Back"); s != "返回上页" {
			t.Errorf("%s: a refused correction changed Back to %q", name, s)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ko.json"), []byte(`{"Back": "뒤로"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCorrections(dir)
	if err != nil || len(got) != 1 || got["ko"]["Back"] != "뒤로" {
		t.Fatalf("LoadCorrections: %v %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vi.json"), []byte(`{"Back": `), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCorrections(dir); err == nil {
		t.Error("a broken file loaded")
	}
}
