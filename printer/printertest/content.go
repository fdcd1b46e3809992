package printertest

import (
	"fmt"
	"slices"

	"madoguchi/center"
)

// CertTypes lists the six certificate types in a fixed order.
var CertTypes = []center.CertType{
	center.ResidentRecord, center.ResidentRecordItems, center.SealRegistration,
	center.FamilyRegister, center.FamilyRegisterAnnex, center.TaxIncome,
}

const (
	muni   = "見本市"
	issuer = "見本市長　山田　一郎"
	note   = "この証明書はコンビニ交付サービス（マルチコピー機）で交付されたものです。裏面の照合コードで内容を確認できます。"
	date   = "令和8年11月26日"
)

// Content returns realistic fixture content for t (fictional people and places).
// Every call returns a fresh value. An unknown type is an error.
func Content(t center.CertType) (center.Content, error) {
	i := slices.Index(CertTypes, t)
	if i < 0 {
		return center.Content{}, fmt.Errorf("printertest: no fixture for %q", t)
	}
	c := center.Content{
		Type:             t,
		Municipality:     muni,
		IssuedOn:         date,
		Issuer:           issuer,
		IssuanceNumber:   fmt.Sprintf("MS-2026-1126-%06d", 4211+i),
		VerificationCode: fmt.Sprintf("K7Q2-9XH%d-P3LM-%04d", i, 8800+i*17),
		KioskNote:        note,
	}
	addr := row("住所", "見本県見本市桜ヶ丘二丁目14番地の3　さくら荘201号")
	switch t {
	case center.ResidentRecord:
		c.Title = "住民票の写し"
		c.Certification = "この写しは、住民票の原本と相違ないことを証明する。"
		c.Sections = []center.Section{
			{Heading: "世帯主　見本　太郎", Rows: []center.Row{addr, row("世帯主", "見本　太郎"), row("住定日", "令和3年4月1日")}},
			person("見本　太郎", "みほん　たろう", "昭和58年7月12日", "男", "世帯主", "令和3年4月1日 見本県旧見本町一丁目2番地から転入"),
			person("見本　花子", "みほん　はなこ", "昭和61年2月3日", "女", "妻", "令和3年4月1日 見本県旧見本町一丁目2番地から転入"),
			person("見本　一郎", "みほん　いちろう", "平成27年10月30日", "男", "子", "令和3年4月1日 見本県旧見本町一丁目2番地から転入"),
		}
	case center.ResidentRecordItems:
		c.Title = "住民票記載事項証明書"
		c.Certification = "上記の事項は、住民票に記載されていることを証明する。"
		c.Sections = []center.Section{{Rows: []center.Row{
			row("氏名", "見本　花子"), row("生年月日", "昭和61年2月3日"), row("性別", "女"), addr,
			row("住民となった日", "令和3年4月1日"),
		}}}
	case center.SealRegistration:
		c.Title = "印鑑登録証明書"
		c.Certification = "この写しは、登録されている印影と相違ないことを証明する。"
		c.Sections = []center.Section{{Rows: []center.Row{
			row("印影", "（登録印影）見本"), row("氏名", "見本　太郎"), row("生年月日", "昭和58年7月12日"),
			row("性別", "男"), addr, row("登録番号", "第 00312-77 号"),
		}}}
	case center.FamilyRegister:
		c.Title = "戸籍全部事項証明書"
		c.Certification = "これは、戸籍に記録されている事項の全部を証明した書面である。"
		c.Sections = []center.Section{
			{Heading: "本籍・筆頭者", Rows: []center.Row{
				row("本籍", "見本県見本市城山町一丁目100番地"), row("氏名", "見本　太郎"),
			}},
			{Heading: "戸籍事項", Rows: []center.Row{
				row("戸籍編製", "【編製日】平成24年5月20日"),
				row("転籍", "【転籍日】令和3年4月5日\n【従前本籍】見本県旧見本町一丁目2番地"),
			}},
		}
		for _, p := range [][4]string{
			{"見本　太郎", "昭和58年7月12日", "父　見本　次郎\n母　見本　幸子", "長男"},
			{"見本　花子", "昭和61年2月3日", "父　試験　正夫\n母　試験　和子", "長女"},
			{"見本　一郎", "平成27年10月30日", "父　見本　太郎\n母　見本　花子", "長男"},
			{"見本　さくら", "平成30年3月21日", "父　見本　太郎\n母　見本　花子", "長女"},
		} {
			c.Sections = append(c.Sections, center.Section{Heading: "戸籍に記録されている者", Rows: []center.Row{
				row("名", p[0]), row("生年月日", p[1]), row("父母", p[2]), row("続柄", p[3]),
				row("身分事項", "出生\n【出生日】"+p[1]+"\n【出生地】見本県見本市\n【届出日】"+p[1]+"から14日以内\n【届出人】父"),
			}})
		}
	case center.FamilyRegisterAnnex:
		c.Title = "戸籍の附票の写し"
		c.Certification = "この写しは、戸籍の附票の原本と相違ないことを証明する。"
		c.Sections = []center.Section{
			{Heading: "本籍・筆頭者", Rows: []center.Row{row("本籍", "見本県見本市城山町一丁目100番地"), row("氏名", "見本　太郎")}},
			{Heading: "附票に記録されている者　見本　太郎", Rows: []center.Row{
				row("住所", "見本県旧見本町一丁目2番地"), row("住所を定めた年月日", "平成24年5月20日"),
				addr, row("住所を定めた年月日", "令和3年4月1日"),
			}},
		}
	case center.TaxIncome:
		c.Title = "課税・所得証明書"
		c.Certification = "上記のとおり相違ないことを証明する。"
		c.Sections = []center.Section{
			{Heading: "令和8年度（令和7年中の所得）", Rows: []center.Row{
				row("氏名", "見本　太郎"), addr,
				row("給与収入", "5,240,000 円"), row("給与所得", "3,684,000 円"), row("総所得金額", "3,684,000 円"),
				row("所得控除合計", "1,320,000 円"), row("課税標準額", "2,364,000 円"),
				row("市民税所得割", "141,840 円"), row("県民税所得割", "94,560 円"), row("均等割", "5,000 円"),
				row("扶養人数", "配偶者 1 人・扶養 2 人（うち年少 2 人）"),
			}},
		}
	}
	return c, nil
}

func row(label, value string) center.Row { return center.Row{Label: label, Value: value} }

func person(name, kana, born, sex, rel, move string) center.Section {
	return center.Section{Heading: name, Rows: []center.Row{
		row("氏名", name+"（"+kana+"）"), row("生年月日", born), row("性別", sex), row("続柄", rel),
		row("住民となった日", "令和3年4月1日"), row("前住所", move),
	}}
}
