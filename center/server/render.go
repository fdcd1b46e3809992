package server

import (
	"fmt"
	"strconv"
	"time"

	"madoguchi/center"
	"madoguchi/config"
)

// render builds the printed content of a certificate. It never includes a My Number or a
// 住民票コード. members is the household (住民票 世帯全員) or the family (戸籍 全部事項).
func render(m Municipality, r Resident, members []Resident, req center.Request, now time.Time, issueID, verify string) center.Content {
	c := center.Content{
		Type:             req.Type,
		Title:            req.Type.Title(),
		Municipality:     m.Name,
		IssuedOn:         Wareki(now),
		Issuer:           m.Mayor,
		IssuanceNumber:   issueID,
		VerificationCode: verify,
		KioskNote:        "この証明書はコンビニ交付サービスで交付されたものです。",
	}
	o := req.Options
	switch req.Type {
	case center.ResidentRecord:
		people := []Resident{r}
		if o.Household {
			people = members
		}
		c.Sections = append(c.Sections, center.Section{Heading: "世帯", Rows: []center.Row{
			{Label: "住所", Value: r.Address},
			{Label: "世帯主", Value: headOf(members, r, o)},
		}})
		for _, p := range people {
			rows := []center.Row{
				{Label: "氏名", Value: p.Name},
				{Label: "フリガナ", Value: p.Kana},
				{Label: "生年月日", Value: birthText(p.Birth)},
				{Label: "性別", Value: sexText(p.Sex)},
			}
			if o.Relationship {
				rows = append(rows, center.Row{Label: "続柄", Value: p.Relationship})
			}
			if p.Since != "" {
				rows = append(rows, center.Row{Label: "住民となった日", Value: birthText(p.Since)})
			}
			if o.Domicile {
				rows = append(rows, center.Row{Label: "本籍", Value: orDash(p.Domicile)}, center.Row{Label: "筆頭者", Value: orDash(p.FamilyHead)})
			}
			c.Sections = append(c.Sections, center.Section{Heading: p.Name, Rows: rows})
		}
		c.Certification = "この写しは、住民票の原本と相違ないことを証明する。"
	case center.ResidentRecordItems:
		c.Sections = []center.Section{{Rows: []center.Row{
			{Label: "氏名", Value: r.Name},
			{Label: "生年月日", Value: birthText(r.Birth)},
			{Label: "性別", Value: sexText(r.Sex)},
			{Label: "住所", Value: r.Address},
		}}}
		c.Certification = "上記の事項は、住民票に記載されていることを証明する。"
	case center.SealRegistration:
		c.Sections = []center.Section{{Rows: []center.Row{
			{Label: "印影", Value: "（登録印影）"},
			{Label: "登録番号", Value: r.SealNumber},
			{Label: "氏名", Value: r.Name},
			{Label: "生年月日", Value: birthText(r.Birth)},
			{Label: "住所", Value: r.Address},
		}}}
		c.Certification = "この写しは、登録された印影と相違ないことを証明する。"
	case center.FamilyRegister:
		c.Sections = []center.Section{{Heading: "戸籍", Rows: []center.Row{
			{Label: "本籍", Value: r.Domicile},
			{Label: "氏名", Value: r.FamilyHead},
		}}}
		people := []Resident{r}
		scope := "個人事項"
		if !o.Individual {
			scope = "全部事項"
			people = people[:0]
			for _, p := range members {
				if p.Domicile == r.Domicile && p.FamilyHead == r.FamilyHead {
					people = append(people, p)
				}
			}
		}
		for _, p := range people {
			c.Sections = append(c.Sections, center.Section{Heading: "戸籍に記録されている者", Rows: []center.Row{
				{Label: "名", Value: p.Name},
				{Label: "生年月日", Value: birthText(p.Birth)},
				{Label: "続柄", Value: p.Relationship},
			}})
		}
		c.Title = "戸籍" + scope + "証明書"
		c.Certification = "これは、戸籍に記録されている事項の" + map[bool]string{true: "一部", false: "全部"}[o.Individual] + "を証明した書面である。"
	case center.FamilyRegisterAnnex:
		c.Sections = []center.Section{{Rows: []center.Row{
			{Label: "本籍", Value: r.Domicile},
			{Label: "筆頭者", Value: r.FamilyHead},
			{Label: "氏名", Value: r.Name},
			{Label: "生年月日", Value: birthText(r.Birth)},
			{Label: "住所", Value: r.Address},
			{Label: "住所を定めた日", Value: birthText(r.Since)},
		}}}
		c.Certification = "この写しは、戸籍の附票の原本と相違ないことを証明する。"
	case center.TaxIncome:
		c.Sections = []center.Section{{Heading: fmt.Sprintf("%s年度（%s年分）", WarekiYear(r.TaxYear), WarekiYear(r.TaxYear-1)), Rows: []center.Row{
			{Label: "氏名", Value: r.Name},
			{Label: "住所", Value: r.Address},
			{Label: "所得金額", Value: yen(r.Income)},
			{Label: "市民税・県民税", Value: yen(r.Tax)},
		}}}
		c.Certification = "上記のとおり証明する。"
	}
	return c
}

// headOf names the 世帯主 when the resident asked for 世帯主・続柄.
func headOf(members []Resident, r Resident, o center.Options) string {
	if !o.Relationship {
		return "（省略）"
	}
	for _, p := range append([]Resident{r}, members...) {
		if p.Relationship == "世帯主" {
			return p.Name
		}
	}
	return "―"
}

func birthText(ymd string) string {
	t, err := time.ParseInLocation("2006-01-02", ymd, config.JST)
	if err != nil {
		return "―"
	}
	return Wareki(t)
}

func sexText(s string) string {
	switch s {
	case "1":
		return "男"
	case "2":
		return "女"
	}
	return "―"
}

func orDash(s string) string {
	if s == "" {
		return "―"
	}
	return s
}

// yen formats an amount with thousands separators, e.g. 3,250,000円.
func yen(n int) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out) + "円"
}
