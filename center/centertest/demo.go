package centertest

import (
	"context"
	"crypto/x509"
	"fmt"

	"madoguchi/center/server"
)

// DemoPerson is a fictitious resident of 見本市 for the demo and tests, with what the
// demo should show for them.
type DemoPerson struct {
	Resident Resident
	Note     string // e.g. "under 15: 印鑑登録証明書 refused"
	Revoked  bool   // the card is suspended (the 24-hour hotline was called)
}

// DemoPeople lists the demo residents: an adult living alone, a household of four (one
// member under 15), a resident who moved out, and one whose card is suspended.
func DemoPeople() []DemoPerson {
	m := server.DemoMunicipality().Code
	const addr1 = "見本県見本市中央一丁目2番3号"
	const addr2 = "見本県見本市桜町四丁目5番6号"
	return []DemoPerson{
		{Note: "adult living alone: every certificate", Resident: Resident{Code: "D0001", Municipality: m, Household: "H0001",
			Name: "見本　花子", Kana: "ミホン　ハナコ", Birth: "1990-01-02", Sex: "2", Address: addr1, Relationship: "世帯主",
			Since: "2015-04-01", Domicile: addr1, FamilyHead: "見本　花子", SealNumber: "S-100234", TaxYear: 2026,
			Income: 3250000, Tax: 182400}},
		{Note: "head of a household of four", Resident: Resident{Code: "D0002", Municipality: m, Household: "H0002",
			Name: "桜井　一郎", Kana: "サクライ　イチロウ", Birth: "1975-06-15", Sex: "1", Address: addr2, Relationship: "世帯主",
			Since: "2005-10-01", Domicile: addr2, FamilyHead: "桜井　一郎", SealNumber: "S-100411", TaxYear: 2026,
			Income: 5120000, Tax: 301800}},
		{Note: "spouse in the household", Resident: Resident{Code: "D0003", Municipality: m, Household: "H0002",
			Name: "桜井　和子", Kana: "サクライ　カズコ", Birth: "1978-03-09", Sex: "2", Address: addr2, Relationship: "妻",
			Since: "2005-10-01", Domicile: addr2, FamilyHead: "桜井　一郎", SealNumber: "S-100412"}},
		{Note: "adult child in the household", Resident: Resident{Code: "D0004", Municipality: m, Household: "H0002",
			Name: "桜井　翔太", Kana: "サクライ　ショウタ", Birth: "2005-11-20", Sex: "1", Address: addr2, Relationship: "子",
			Since: "2005-11-20", Domicile: addr2, FamilyHead: "桜井　一郎"}},
		{Note: "under 15: 印鑑登録証明書 refused", Resident: Resident{Code: "D0005", Municipality: m, Household: "H0002",
			Name: "桜井　さくら", Kana: "サクライ　サクラ", Birth: "2014-05-05", Sex: "2", Address: addr2, Relationship: "子",
			Since: "2014-05-05", Domicile: addr2, FamilyHead: "桜井　一郎"}},
		{Note: "moved out (転出): every certificate refused", Resident: Resident{Code: "D0006", Municipality: m, Household: "H0003",
			Name: "転出　太郎", Kana: "テンシュツ　タロウ", Birth: "1982-08-30", Sex: "1", Address: "見本県見本市港町7番8号",
			Relationship: "世帯主", Since: "2010-02-01", Status: server.StatusMovedOut}},
		{Note: "card suspended: refused as revoked", Revoked: true, Resident: Resident{Code: "D0007", Municipality: m, Household: "H0004",
			Name: "停止　次郎", Kana: "テイシ　ジロウ", Birth: "1968-12-01", Sex: "1", Address: "見本県見本市山手9番10号",
			Relationship: "世帯主", Since: "1999-07-07", SealNumber: "S-100777"}},
	}
}

// AddDemoPerson stores a demo resident, binds the card's authentication certificate, and
// suspends the card when the person's card is meant to be revoked.
func (c *Center) AddDemoPerson(ctx context.Context, p DemoPerson, authCert *x509.Certificate) error {
	if err := c.AddResident(ctx, p.Resident, authCert); err != nil {
		return fmt.Errorf("centertest: demo %s: %w", p.Resident.Code, err)
	}
	if p.Revoked && authCert != nil {
		if err := c.Revoke(ctx, authCert.SerialNumber); err != nil {
			return fmt.Errorf("centertest: demo %s: %w", p.Resident.Code, err)
		}
	}
	return nil
}
