package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestLocate(t *testing.T) {
	const src = `# comment with [fake] and key = 1
top = 1  # trailing comment
"quoted key" = 'its'
dotted.a.b = "x"

[kiosk]
id = """
[not_a_table]
not_a_key = 1
"""
location = '''
also = "not a key"'''
   language = "ja" # indented

[[municipality]]
code = "131016"
closed = [
  # a comment inside an array
  "12-29..01-03",
  "2026-10-01", "2026-10-02",
]
[[municipality.certificate]]
type = "juminhyo"
[[municipality.certificate]]
type = "inkan"

[[municipality]]
code = "011002"
certificate = [
  { type = "koseki", fee_yen = 350 },
  {type="kazei",fee_yen=200},
]
[municipality.extra]
x = 1

[center]
url = "https://c.example/a#b" # '#' inside a string
when = 1979-05-27 07:32:00Z
nested = { inner = { deep = 1 }, list = [1, [2, 3]] }
`
	// The scanner only runs on valid TOML: make sure the sample is.
	var v map[string]any
	if _, err := toml.Decode(src, &v); err != nil {
		t.Fatalf("sample is not valid TOML: %v", err)
	}
	lines := locate([]byte(src))
	want := map[string]int{
		"top":                                    2,
		`"quoted key"`:                           3,
		"dotted":                                 4,
		"dotted.a.b":                             4,
		"kiosk":                                  6,
		"kiosk.id":                               7,
		"kiosk.location":                         11,
		"kiosk.language":                         13,
		"municipality[0]":                        15,
		"municipality[0].code":                   16,
		"municipality[0].closed":                 17,
		"municipality[0].closed[0]":              19,
		"municipality[0].closed[1]":              20,
		"municipality[0].closed[2]":              20,
		"municipality[0].certificate[0]":         22,
		"municipality[0].certificate[0].type":    23,
		"municipality[0].certificate[1]":         24,
		"municipality[0].certificate[1].type":    25,
		"municipality[1]":                        27,
		"municipality[1].code":                   28,
		"municipality[1].certificate":            29,
		"municipality[1].certificate[0]":         30,
		"municipality[1].certificate[0].type":    30,
		"municipality[1].certificate[1].fee_yen": 31,
		"municipality[1].extra":                  33,
		"municipality[1].extra.x":                34,
		"center.url":                             37,
		"center.when":                            38,
		"center.nested.inner.deep":               39,
		"center.nested.list[1][0]":               39,
	}
	for path, line := range want {
		if got, ok := lines[path]; !ok || got != line {
			t.Errorf("line of %s = %d (found %v), want %d", path, got, ok, line)
		}
	}
	checkEveryKeyLocated(t, src)
	for _, path := range []string{"not_a_table", "kiosk.not_a_key", "kiosk.also", "fake", "key"} {
		if _, ok := lines[path]; ok {
			t.Errorf("%s found, but it is inside a string or comment", path)
		}
	}
}

func TestParentPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.b[2]", "a.b"},
		{"a.b", "a"},
		{"a", ""},
		{"", ""},
		{`a."x.y"`, "a"},
		{`"x.y"`, ""},
		{"m[0].c[1].fee", "m[0].c[1]"},
	}
	for _, tt := range tests {
		if got := parentPath(tt.in); got != tt.want {
			t.Errorf("parentPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzLocate checks that the scanner terminates and never panics on any valid TOML.
func FuzzLocate(f *testing.F) {
	f.Add([]byte("a = 1\n[b]\nc = [1, {d = 2}]\n"))
	f.Add([]byte("s = \"\"\"x\"\"\"\"\n[[t]]\n[[t]]\n"))
	f.Add(Example())
	f.Add([]byte("[a.b.c]\nd = 1\n[[a.b.e]]\n\"q.k\" = { x = [ [1], {y = 2} ] }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEveryKeyLocated(t, string(data))
	})
}

func TestLocateExample(t *testing.T) { checkEveryKeyLocated(t, string(Example())) }

// checkEveryKeyLocated checks that every key and array element the library parsed from
// src has a line.
func checkEveryKeyLocated(t *testing.T, src string) {
	t.Helper()
	var v map[string]any
	if _, err := toml.Decode(src, &v); err != nil {
		return
	}
	lines := locate([]byte(src))
	var walk func(prefix string, v any)
	check := func(p string) {
		if l, ok := lines[p]; !ok || l < 1 {
			t.Errorf("no line for %s in %q", p, src)
		}
	}
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				p := joinKey(prefix, k)
				check(p)
				walk(p, e)
			}
		case []map[string]any:
			for i, e := range v {
				p := indexKey(prefix, i)
				check(p)
				walk(p, e)
			}
		case []any:
			for i, e := range v {
				p := indexKey(prefix, i)
				check(p)
				walk(p, e)
			}
		}
	}
	walk("", v)
}
