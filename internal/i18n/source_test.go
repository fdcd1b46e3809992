package i18n

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	update       = flag.Bool("update", false, "rewrite source.json from the Go sources")
	syncCatalogs = flag.Bool("sync", false, "rewrite every catalog with source.json's keys (new ones empty, stale ones dropped)")
)

// textTypes are the Japanese–English pair types whose literals are the kiosk's texts,
// by package directory (from the module root). Every literal of one is a text: a new
// screen, guide or receipt line is in source.json once TestSource -update has run.
var textTypes = []struct{ dir, typ string }{
	{"screens", "msg"},
	{"screens/voice", "text"},
	{"printer/layout", "receiptText"},
}

// sourceEntry is one English text of source.json: its Japanese (more than one when one
// English text translates several Japanese ones) and where it is used ("file name").
type sourceEntry struct {
	JA  []string `json:"ja"`
	Use []string `json:"use"`
}

const sourceFile = "source.json"

// extract reads every text pair literal of textTypes from the module's sources.
func extract(t *testing.T) map[string]*sourceEntry {
	t.Helper()
	out := map[string]*sourceEntry{}
	for _, tt := range textTypes {
		files, err := filepath.Glob(filepath.Join("..", "..", tt.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", tt.dir, err)
		}
		slices.Sort(files)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			x := &extractor{t: t, typ: tt.typ, file: tt.dir + "/" + filepath.Base(f), fset: token.NewFileSet(), out: out}
			af, err := parser.ParseFile(x.fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				x.decl(d)
			}
		}
	}
	return out
}

type extractor struct {
	t    *testing.T
	typ  string
	file string
	fset *token.FileSet
	out  map[string]*sourceEntry
	name string // the declaration (and map key) being read
}

func (x *extractor) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		x.name = d.Name.Name
		x.inspect(d.Body, x.name)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			if vs, ok := s.(*ast.ValueSpec); ok {
				var names []string
				for _, n := range vs.Names {
					names = append(names, n.Name)
				}
				for _, v := range vs.Values {
					x.inspect(v, strings.Join(names, ","))
				}
			}
		}
	}
}

// inspect finds the composite literals under n.
func (x *extractor) inspect(n ast.Node, where string) {
	if n == nil {
		return
	}
	ast.Inspect(n, func(n ast.Node) bool {
		if cl, ok := n.(*ast.CompositeLit); ok {
			x.lit(cl, cl.Type, where)
			return false
		}
		return true
	})
}

// lit reads literal cl of type typ (its own, or the one its enclosing literal implies
// when it elides it).
func (x *extractor) lit(cl *ast.CompositeLit, typ ast.Expr, where string) {
	if id, ok := typ.(*ast.Ident); ok && id.Name == x.typ {
		x.pair(cl, where)
		return
	}
	var key, elem ast.Expr
	switch tt := typ.(type) {
	case *ast.MapType:
		key, elem = tt.Key, tt.Value
	case *ast.ArrayType:
		elem = tt.Elt
	}
	for _, e := range cl.Elts {
		w := where
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if _, isMap := typ.(*ast.MapType); isMap {
				w = where + "[" + types.ExprString(kv.Key) + "]"
			}
			x.elem(kv.Key, key, w)
			e = kv.Value
		}
		x.elem(e, elem, w)
	}
}

func (x *extractor) elem(e, implied ast.Expr, where string) {
	if cl, ok := e.(*ast.CompositeLit); ok {
		typ := cl.Type
		if typ == nil {
			typ = implied
		}
		x.lit(cl, typ, where)
		return
	}
	x.inspect(e, where)
}

// pair records one ja/en literal; both must be string constants written there.
func (x *extractor) pair(cl *ast.CompositeLit, where string) {
	var ja, en string
	for i, e := range cl.Elts {
		field := []string{"ja", "en"}[min(i, 1)]
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			field, e = types.ExprString(kv.Key), kv.Value
		}
		s, ok := constString(e)
		if !ok {
			x.t.Errorf("%s: %s: a %s literal with a %s that is not a string literal: the texts must be written in the table", x.fset.Position(e.Pos()), where, x.typ, field)
			return
		}
		switch field {
		case "ja":
			ja = s
		case "en":
			en = s
		}
	}
	if en == "" {
		if ja != "" {
			x.t.Errorf("%s: %s: Japanese %q has no English", x.fset.Position(cl.Pos()), where, ja)
		}
		return
	}
	se := x.out[en]
	if se == nil {
		se = &sourceEntry{}
		x.out[en] = se
	}
	if !slices.Contains(se.JA, ja) {
		se.JA = append(se.JA, ja)
		slices.Sort(se.JA)
	}
	if u := x.file + " " + where; !slices.Contains(se.Use, u) {
		se.Use = append(se.Use, u)
		slices.Sort(se.Use)
	}
}

// constString is the value of a string literal or a sum of them.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(e.X)
		b, ok2 := constString(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", false
}

// encode writes v as the repository keeps its JSON: sorted keys, two-space indent, no
// HTML escaping, a final newline.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // maps of strings always encode
	}
	return b.Bytes()
}

// readSource reads the committed source.json.
func readSource(t *testing.T) map[string]*sourceEntry {
	t.Helper()
	b, err := os.ReadFile(sourceFile)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]*sourceEntry
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", sourceFile, err)
	}
	return s
}

// TestSource checks that source.json is what the Go sources hold: every English text of
// the screens, the spoken guide and the receipt, none that is gone. -update rewrites it.
func TestSource(t *testing.T) {
	got := extract(t)
	if len(got) < 100 {
		t.Fatalf("only %d texts found: the extractor is broken", len(got))
	}
	want := encode(got)
	if *update {
		if err := os.WriteFile(sourceFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(sourceFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		old := readSource(t)
		for en := range got {
			if old[en] == nil {
				t.Errorf("new text %q", en)
			}
		}
		for en := range old {
			if got[en] == nil {
				t.Errorf("text gone %q", en)
			}
		}
		t.Errorf("%s is stale: go test ./internal/i18n -run TestSource -update (then -run TestCatalogs -sync)", sourceFile)
	}
}

// TestExtractor checks the extractor on literals of every shape the tables use.
func TestExtractor(t *testing.T) {
	src := `package p
var a = msg{"あ", "A"}
var b = map[int]msg{1: {"い", "B"}, 2: {ja: "う", en: "C"}}
var c = map[int]struct{ x, y msg }{1: {msg{"え", "D"}, msg{"お", "E" + "F"}}}
var d = map[int][2]msg{1: {{"か", "G"}, {"き", "H"}}}
var e = []msg{{"く", "I"}}
func f() string { return msg{"け", "J"}.en }
var g = other{"こ", "not a text"}
`
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	x := &extractor{t: t, typ: "msg", file: "p.go", fset: fset, out: map[string]*sourceEntry{}}
	for _, d := range af.Decls {
		x.decl(d)
	}
	var got []string
	for en, e := range x.out {
		got = append(got, fmt.Sprint(en, e.JA))
	}
	slices.Sort(got)
	want := []string{"A[あ]", "B[い]", "C[う]", "D[え]", "EF[お]", "G[か]", "H[き]", "I[く]", "J[け]"}
	if !slices.Equal(got, want) {
		t.Errorf("extracted %v, want %v", got, want)
	}
	if u := x.out["B"].Use; !slices.Equal(u, []string{"p.go b[1]"}) {
		t.Errorf("use of B %v", u)
	}
}
