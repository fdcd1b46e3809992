package voice

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"madoguchi/kiosk"
)

// Overrides replaces sentences of the guide's tables without a rebuild: a municipality's
// corrections, from the TOML file [voice] phrases names:
//
//	[state.idle]
//	ja = "証明書コーナーです。はじめるには、5を押してください。"
//	[problem.pin-locked]
//	en = "The PIN is locked. Please ask at the counter."
//
// Tables: state (kiosk.State names), problem (kiosk.Problem names), note (need-4-digits,
// unavailable, remove-and-place, max-copies, pin-again, take-first, password-length, entry-empty). Languages: ja, en. A key not in
// a table, an unknown language, an empty sentence or one with a format verb (%) is an
// error: nothing is applied then.
type Overrides map[string]map[string]map[string]string

var noteNames = map[string]kiosk.Note{"need-4-digits": kiosk.NoteNeed4Digits, "unavailable": kiosk.NoteUnavailable,
	"remove-and-place": kiosk.NoteRemoveAndPlace, "max-copies": kiosk.NoteMaxCopies, "pin-again": kiosk.NotePINAgain,
	"take-first": kiosk.NoteTakeFirst, "password-length": kiosk.NotePasswordLength, "entry-empty": kiosk.NoteEntryEmpty}

// ParseOverrides reads an overrides file.
func ParseOverrides(data []byte) (Overrides, error) {
	var o Overrides
	if _, err := toml.Decode(string(data), &o); err != nil {
		return nil, fmt.Errorf("voice phrases: %w", err)
	}
	return o, nil
}

// Apply puts o's sentences into the tables (before the speaker starts; kiosk voice-cache
// applies the same file, so the cache holds them). It returns a function that puts the
// tables back (tests).
func (o Overrides) Apply() (restore func(), err error) {
	st, pr, no := maps.Clone(stateGuides), maps.Clone(problemGuides), maps.Clone(noteGuides)
	states := map[string]kiosk.State{}
	for _, s := range kiosk.States {
		states[s.String()] = s
	}
	problems := map[string]kiosk.Problem{}
	for _, p := range kiosk.Problems {
		problems[p.String()] = p
	}
	var errs []string
	set := func(t *text, table, key string, langs map[string]string) {
		for l, s := range langs {
			switch {
			case strings.TrimSpace(s) == "":
				errs = append(errs, fmt.Sprintf("%s.%s.%s: empty", table, key, l))
			case strings.Contains(s, "%"):
				errs = append(errs, fmt.Sprintf("%s.%s.%s: no %% in a sentence", table, key, l))
			case l == "ja":
				t.ja = s
			case l == "en":
				t.en = s
			default:
				errs = append(errs, fmt.Sprintf("%s.%s.%s: the guide speaks ja and en", table, key, l))
			}
		}
	}
	for table, entries := range o {
		for key, langs := range entries {
			var found bool
			switch table {
			case "state":
				found = overrideIn(st, states, key, func(t *text) { set(t, table, key, langs) })
			case "problem":
				found = overrideIn(pr, problems, key, func(t *text) { set(t, table, key, langs) })
			case "note":
				found = overrideIn(no, noteNames, key, func(t *text) { set(t, table, key, langs) })
			default:
				errs = append(errs, fmt.Sprintf("%s: no such table (state, problem, note)", table))
				continue
			}
			if !found {
				errs = append(errs, fmt.Sprintf("%s.%s: no such entry", table, key))
			}
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return func() {}, fmt.Errorf("voice phrases: %s", strings.Join(errs, "; "))
	}
	oldS, oldP, oldN := stateGuides, problemGuides, noteGuides
	stateGuides, problemGuides, noteGuides = st, pr, no
	return func() { stateGuides, problemGuides, noteGuides = oldS, oldP, oldN }, nil
}

// overrideIn changes the entry of table that names calls key; false when there is none.
func overrideIn[K comparable](table map[K]text, names map[string]K, key string, change func(*text)) bool {
	k, ok := names[key]
	if !ok {
		return false
	}
	t := table[k]
	change(&t)
	table[k] = t
	return true
}
