package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
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

// Text is the translation of the English text en into tag from the embedded catalogs,
// and whether there is one (false for ja, en, an unknown tag, a missing or empty entry).
func Text(tag, en string) (string, bool) {
	cs, err := Builtin()
	if err != nil {
		return "", false
	}
	s := cs[tag][en]
	return s, s != ""
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

// Untranslated lists the English texts of source.json that tag's catalog has no
// translation for, sorted: all of them for an unknown tag, none for Native and Source.
func Untranslated(tag string) ([]string, error) {
	if tag == Native || tag == Source {
		return nil, nil
	}
	var src map[string]json.RawMessage
	if err := json.Unmarshal(sourceJSON, &src); err != nil {
		return nil, fmt.Errorf("i18n: source.json: %w", err)
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
