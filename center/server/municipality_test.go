package server_test

import (
	"strings"
	"testing"

	"madoguchi/center"
	"madoguchi/center/server"
)

func TestParseMunicipalities(t *testing.T) {
	good := `
[[municipality]]
code = "100001"
name = "試験町"
mayor = "試験町長"
fees = { juminhyo = 300, koseki = 450 }
hours = { open = "08:00", close = "20:00" }
[municipality.type_hours.koseki]
open = "09:00"
close = "17:00"
weekdays_only = true
`
	ms, err := server.ParseMunicipalities(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Fees[center.FamilyRegister] != 450 || !ms[0].TypeHours[center.FamilyRegister].WeekdaysOnly {
		t.Fatalf("%+v", ms)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"unknown key", strings.Replace(good, `mayor =`, `mayer =`, 1), "unknown key"},
		{"unknown type", strings.Replace(good, `juminhyo = 300`, `passport = 300`, 1), "bad fee"},
		{"bad hours", strings.Replace(good, `close = "20:00"`, `close = "07:00"`, 1), "hours"},
		{"no municipality", `# empty`, "no [[municipality]]"},
		{"twice", good + strings.Replace(good, "[municipality.type_hours.koseki]", "[municipality.type_hours.kazei]", 1), "twice"},
		{"bad closed day", strings.Replace(good, `close = "20:00" }`, `close = "20:00", closed = ["13-01"] }`, 1), "closed day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := server.ParseMunicipalities(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
