package kiosk_test

import (
	"slices"
	"testing"

	"madoguchi/internal/i18n"
	"madoguchi/kiosk"
)

// TestLangs checks that the engine's languages are the catalogs' (config validates with
// i18n.Tags) and that Valid and Translated say which is which.
func TestLangs(t *testing.T) {
	var got []string
	for _, l := range kiosk.Langs {
		got = append(got, string(l))
		if l.Name() == "" {
			t.Errorf("%s has no name", l)
		}
		if !l.Valid() {
			t.Errorf("%s not Valid", l)
		}
		if want := l != kiosk.LangJA && l != kiosk.LangEN; l.Translated() != want {
			t.Errorf("%s Translated = %v", l, !want)
		}
	}
	if !slices.Equal(got, i18n.Tags) {
		t.Errorf("kiosk.Langs %v, i18n.Tags %v", got, i18n.Tags)
	}
	for _, l := range []kiosk.Lang{"", "fr", "zh", "pt", "JA"} {
		if l.Valid() || l.Translated() {
			t.Errorf("%q is Valid", l)
		}
	}
}
