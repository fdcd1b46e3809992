package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"golang.org/x/text/width"
)

// Tags are the languages of the kiosk, BCP 47, in the order the language picker shows
// them; kiosk.Langs is the same list (kiosk's tests check).
var Tags = []string{"ja", "en", "zh-Hans", "zh-Hant", "ko", "vi", "tl", "pt-BR", "ne", "id", "es"}

// Source is the language of the message ids, and Native the one the kiosk is made in;
// neither has a catalog.
const (
	Source = "en"
	Native = "ja"
)

// Known reports whether tag is one of Tags.
func Known(tag string) bool { return slices.Contains(Tags, tag) }

// Catalogued lists the tags that have a catalog: Tags without Native and Source.
func Catalogued() []string {
	var out []string
	for _, t := range Tags {
		if t != Native && t != Source {
			out = append(out, t)
		}
	}
	return out
}

//go:embed catalogs/*.json
var files embed.FS

// Catalog maps English texts to their translations in one language.
type Catalog map[string]string

var (
	loadOnce sync.Once
	builtIn  map[string]Catalog
	loadErr  error
)

// Builtin returns the embedded catalogs by tag. An embedded catalog that is not valid
// JSON is a build mistake the tests catch; Builtin reports it rather than panicking.
func Builtin() (map[string]Catalog, error) {
	loadOnce.Do(func() { builtIn, loadErr = readBuiltin() })
	return builtIn, loadErr
}

func readBuiltin() (map[string]Catalog, error) {
	out := map[string]Catalog{}
	for _, tag := range Catalogued() {
		b, err := files.ReadFile("catalogs/" + tag + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", tag, err)
		}
		c, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", tag, err)
		}
		out[tag] = c
	}
	return out, nil
}

// Parse reads one catalog file.
func Parse(b []byte) (Catalog, error) {
	var c Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	return c, nil
}

// Text is the translation of the English text en into tag: a municipality's correction
// (SetCorrections) or the embedded catalog's, and whether there is one (false for ja,
// en, an unknown tag, a missing or empty entry).
func Text(tag, en string) (string, bool) {
	if c := corrections.Load(); c != nil {
		if s := (*c)[tag][en]; s != "" {
			return s, true
		}
	}
	cs, err := Builtin()
	if err != nil {
		return "", false
	}
	s := cs[tag][en]
	return s, s != ""
}

var corrections atomic.Pointer[map[string]Catalog]

// ErrCorrection marks corrections SetCorrections refused.
var ErrCorrection = errors.New("translation correction refused")

// SetCorrections puts a municipality's corrections over the embedded catalogs, by tag:
// each an English text of source.json and its better translation. They are checked as
// the catalogs are (Check); on any problem none is used and the error lists them all.
func SetCorrections(byTag map[string]Catalog) error {
	src, err := sourceTexts()
	if err != nil {
		return err
	}
	var bad []string
	for _, tag := range slices.Sorted(maps.Keys(byTag)) {
		if !slices.Contains(Catalogued(), tag) {
			bad = append(bad, fmt.Sprintf("%s: not a language with a catalog (%s)", tag, strings.Join(Catalogued(), " ")))
			continue
		}
		for _, en := range slices.Sorted(maps.Keys(byTag[tag])) {
			if !src[en] {
				bad = append(bad, fmt.Sprintf("%s: %q is no English text of the kiosk", tag, en))
				continue
			}
			for _, p := range Check(en, byTag[tag][en]) {
				bad = append(bad, tag+": "+p)
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrection, strings.Join(bad, "; "))
	}
	c := maps.Clone(byTag)
	corrections.Store(&c)
	return nil
}

// LoadCorrections reads <tag>.json files (the catalogs' format; a subset of the keys
// is enough) from dir, for the catalogued tags whose file is there.
func LoadCorrections(dir string) (map[string]Catalog, error) {
	out := map[string]Catalog{}
	for _, tag := range Catalogued() {
		b, err := os.ReadFile(filepath.Join(dir, tag+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("i18n: corrections: %w", err)
		}
		c, err := Parse(b)
		if err != nil {
			return nil, fmt.Errorf("i18n: corrections %s.json: %w", tag, err)
		}
		out[tag] = c
	}
	return out, nil
}

// Check lists what is wrong with tr as the translation of en: empty, other fmt verbs or
// numbers than the English, an ambiguous-width symbol, a control character.
func Check(en, tr string) []string {
	var out []string
	if strings.TrimSpace(tr) == "" && strings.TrimSpace(en) != "" {
		return []string{"not translated: " + strconv.Quote(en)}
	}
	if a, b := verbs(en), verbs(tr); !slices.Equal(a, b) {
		out = append(out, "fmt verbs "+strings.Join(b, " ")+" in "+strconv.Quote(tr)+", the English has "+strings.Join(a, " ")+": "+strconv.Quote(en))
	}
	if a, b := numbers(en), numbers(tr); !slices.Equal(a, b) {
		out = append(out, "numbers "+strings.Join(b, " ")+" in "+strconv.Quote(tr)+", the English has "+strings.Join(a, " ")+" (keys, PIN lengths, phone numbers must stay)")
	}
	for _, r := range tr {
		if Ambiguous(r) {
			out = append(out, "ambiguous-width character "+strconv.QuoteRune(r)+" in "+strconv.Quote(tr))
		}
	}
	if strings.ContainsFunc(tr, unicode.IsControl) {
		out = append(out, "control character in "+strconv.Quote(tr))
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

// Pick is the text in tag of a Japanese–English pair: ja for Native (and for a tag that
// is none of Tags, the kiosk's language when in doubt), en for Source, else the
// translation of en, or en while it has none.
func Pick(tag, ja, en string) string {
	switch {
	case tag == Source:
		return en
	case tag == Native || !Known(tag):
		return ja
	}
	if s, ok := Text(tag, en); ok {
		return s
	}
	return en
}

//go:embed source.json
var sourceJSON []byte

// sourceTexts is the set of source.json's English texts.
func sourceTexts() (map[string]bool, error) {
	var src map[string]json.RawMessage
	if err := json.Unmarshal(sourceJSON, &src); err != nil {
		return nil, fmt.Errorf("i18n: source.json: %w", err)
	}
	out := map[string]bool{}
	for en := range src {
		out[en] = true
	}
	return out, nil
}

// Untranslated lists the English texts of source.json that tag's catalog has no
// translation for, sorted: all of them for an unknown tag, none for Native and Source.
func Untranslated(tag string) ([]string, error) {
	if tag == Native || tag == Source {
		return nil, nil
	}
	src, err := sourceTexts()
	if err != nil {
		return nil, err
	}
	var out []string
	for en := range src {
		if _, ok := Text(tag, en); !ok {
			out = append(out, en)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Ambiguous reports whether r is an East Asian Ambiguous character a terminal may draw
// one or two cells wide (○ ※ × ① … “ box drawing): such symbols come from a CJK font,
// drawn wide over the next cell, and the screens never show them. Latin letters with
// accents (ê ñ ã), though Ambiguous too, are drawn narrow from the terminal's Latin font
// in every locale the kiosk runs (C.UTF-8: wcwidth 1, as uniseg counts them), as are
// combining marks; they are allowed, or Português and Español could not be written.
func Ambiguous(r rune) bool {
	if width.LookupRune(r).Kind() != width.EastAsianAmbiguous {
		return false
	}
	return !unicode.Is(unicode.Latin, r) && !unicode.Is(unicode.Mn, r)
}
