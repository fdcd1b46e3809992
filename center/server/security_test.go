package server_test

import (
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
)

// twoTowns is a center serving the demo municipality and a second one, both open at
// every hour: each imports its own household ids, so both may use "H0001".
func twoTowns(o *centertest.Options) {
	a := server.DemoMunicipality()
	a.Hours, a.TypeHours = server.Hours{}, nil
	b := a
	b.Code, b.Name, b.Mayor = "139997", "隣町", "隣町長　隣　次郎"
	o.Municipalities = []server.Municipality{a, b}
}

// TestHouseholdScopedByMunicipality: a 世帯全員 住民票 lists the members of the
// resident's household in the resident's municipality only, even when another
// municipality uses the same household id.
func TestHouseholdScopedByMunicipality(t *testing.T) {
	e := newEnv(t, twoTowns)
	k, err := e.c.NewCard(0, base.Add(-48*time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	mine := centertest.Resident{Code: "A0001", Municipality: "139998", Household: "H0001", Name: "見本　一子",
		Birth: "1980-01-01", Sex: "2", Address: "見本県見本市一丁目1番", Relationship: "世帯主"}
	other := centertest.Resident{Code: "B0001", Municipality: "139997", Household: "H0001", Name: "隣　他人",
		Birth: "1950-01-01", Sex: "1", Address: "見本県隣町二丁目2番", Relationship: "世帯主", Domicile: "見本県隣町二丁目2番"}
	if err := e.c.AddResident(e.ctx, mine, k.Cert); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AddResident(e.ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	req := center.Request{Type: center.ResidentRecord, Copies: 1,
		Options: center.Options{Household: true, Relationship: true, Domicile: true}}
	got, err := centertest.IssueWith(e.ctx, e.cl, k, centertest.NewKey(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got.Payload)
	if !strings.Contains(text, "見本　一子") {
		t.Fatalf("the resident is missing: %s", text)
	}
	for _, leak := range []string{"隣　他人", "隣町二丁目"} {
		if strings.Contains(text, leak) {
			t.Errorf("the other municipality's resident leaks into the document: %q", leak)
		}
	}
}

// TestImportRefusesAmbiguity: resident codes are per municipality in the source
// registries; an import that would take over another municipality's record, or names a
// code twice, is refused as a whole.
func TestImportRefusesAmbiguity(t *testing.T) {
	e := newEnv(t, twoTowns)
	const head = "code,municipality,household,name,birth,sex,address\n"
	if _, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(head+"R0001,139998,H0001,見本　一子,1980-01-01,2,見本市1番\n")); err != nil {
		t.Fatal(err)
	}
	before := counts(t, e.c.Server())
	for _, tc := range []struct{ name, csv, want string }{
		{"code of another municipality", head + "R0001,139997,H0001,隣　他人,1950-01-01,1,隣町2番\n", "line 2: resident R0001 belongs to municipality 139998"},
		{"code twice in the file", head + "R0002,139997,H1,隣　一,1950-01-01,1,隣町2番\nR0002,139997,H2,隣　二,1951-01-01,1,隣町3番\n", "line 3: resident R0002 also on line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	err := e.c.Server().AddResident(e.ctx, server.Resident{Code: "R0001", Municipality: "139997", Household: "H9",
		Name: "隣　他人", Birth: "1950-01-01", Sex: "1", Address: "隣町2番"})
	if err == nil || !strings.Contains(err.Error(), "belongs to municipality 139998") {
		t.Fatalf("AddResident across municipalities: %v", err)
	}
	if after := counts(t, e.c.Server()); after != before {
		t.Fatalf("refused imports changed the database: %s → %s", before, after)
	}
	var muni, name string
	if err := e.c.Server().DB().QueryRow(`SELECT municipality, name FROM residents WHERE code = 'R0001'`).Scan(&muni, &name); err != nil ||
		muni != "139998" || name != "見本　一子" {
		t.Fatalf("R0001 is now %s %s (%v)", muni, name, err)
	}
}
