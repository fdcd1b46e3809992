package layout

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"madoguchi/center"
	"madoguchi/printer/printertest"
)

func TestPaginate(t *testing.T) {
	gr := func(hs ...float64) group {
		g := make(group, len(hs))
		for i, h := range hs {
			g[i] = block{h: h}
		}
		return g
	}
	type at struct{ g, b, page int }
	tests := []struct {
		name   string
		groups []group
		want   []at // every block's page, in order
		err    bool
	}{
		{"all on one page", []group{gr(10, 20), gr(30)}, []at{{0, 0, 0}, {0, 1, 0}, {1, 0, 0}}, false},
		{"a group that does not fit moves whole", []group{gr(60), gr(10, 20, 20)},
			[]at{{0, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 2, 1}}, false},
		{"a group exactly filling the rest stays", []group{gr(60), gr(10, 30)},
			[]at{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, false},
		{"a group taller than a page flows, heading kept with its first row", []group{gr(70), gr(20, 20, 40, 40, 10)},
			[]at{{0, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 2, 1}, {1, 3, 2}, {1, 4, 2}}, false},
		{"closing group moves whole", []group{gr(10, 80), gr(15)}, []at{{0, 0, 0}, {0, 1, 0}, {1, 0, 1}}, false},
		{"a block taller than a page", []group{gr(10), gr(10, 101)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := paginate(tt.groups, 0, 100)
			if tt.err {
				if !errors.Is(err, ErrInvalidContent) {
					t.Fatalf("err = %v, want ErrInvalidContent", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []at
			for p, slots := range pages {
				var y float64
				for _, s := range slots {
					if s.y != y {
						t.Errorf("page %d block %d.%d at y %v, want %v", p+1, s.g, s.b, s.y, y)
					}
					y += tt.groups[s.g][s.b].h
					if y > 100 {
						t.Errorf("page %d overflows: %v", p+1, y)
					}
					got = append(got, at{s.g, s.b, p})
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHouseholdRecordsNotSplit lays out a household 住民票 too long for one page, on A4
// and on thermal paper, and checks in the plan that each person's record (heading and
// every row) is on one page: the break falls between records, never inside one.
func TestHouseholdRecordsNotSplit(t *testing.T) {
	l, err := New(Options{Sample: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := printertest.Content(center.ResidentRecord)
	if err != nil {
		t.Fatal(err)
	}
	const people = 6
	c.Sections = c.Sections[:1]
	rowsEach := 0
	for i := 1; i <= people; i++ {
		tag := fmt.Sprintf("［%02d］", i)
		s := center.Section{Heading: tag + "見本　家族" + fmt.Sprint(i)}
		for _, r := range []center.Row{
			{Label: "氏名", Value: "見本　家族" + fmt.Sprint(i) + "（みほん　かぞく）"},
			{Label: "生年月日", Value: "平成27年10月30日"}, {Label: "性別", Value: "女"}, {Label: "続柄", Value: "子"},
			{Label: "住民となった日", Value: "令和3年4月1日"},
			{Label: "前住所", Value: "令和3年4月1日 見本県旧見本町一丁目2番地から転入"},
			{Label: "備考", Value: "世帯員"},
		} {
			r.Value = tag + r.Value
			s.Rows = append(s.Rows, r)
		}
		rowsEach = len(s.Rows)
		c.Sections = append(c.Sections, s)
	}
	for _, g := range []geometry{a4, thermal(DefaultThermalDots)} {
		t.Run(g.name, func(t *testing.T) {
			pages, err := l.plan(c, g)
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) < 2 {
				t.Fatalf("%d page(s): the household must need at least two", len(pages))
			}
			for i := 1; i <= people; i++ {
				tag := fmt.Sprintf("［%02d］", i)
				var on []int // pages holding a line of person i's record
				lines := 0
				for p, pg := range pages {
					for _, o := range pg.ops {
						if o.kind == opText && strings.HasPrefix(o.text, tag) {
							lines++
							if len(on) == 0 || on[len(on)-1] != p+1 {
								on = append(on, p+1)
							}
						}
					}
				}
				if lines != 1+rowsEach {
					t.Errorf("person %d: %d tagged lines, want %d", i, lines, 1+rowsEach)
				}
				if len(on) != 1 {
					t.Errorf("person %d's record straddles pages %v", i, on)
				}
			}
		})
	}
}
