package center

// CertType names a certificate the center can issue. The values are stable wire names.
type CertType string

// The certificate types of a コンビニ交付-style kiosk.
const (
	ResidentRecord      CertType = "juminhyo"     // 住民票の写し
	ResidentRecordItems CertType = "kisai-jiko"   // 住民票記載事項証明書
	SealRegistration    CertType = "inkan"        // 印鑑登録証明書
	FamilyRegister      CertType = "koseki"       // 戸籍証明書 (全部事項/個人事項)
	FamilyRegisterAnnex CertType = "koseki-fuhyo" // 戸籍の附票の写し
	TaxIncome           CertType = "kazei"        // 課税・所得証明書
)

// Content is the structured body of an issued certificate, rendered by the center and laid
// out by the kiosk's printer package. It carries only what is printed on the paper: never a
// My Number. All strings are display text (Japanese, full-width where the certificate uses it).
type Content struct {
	Type             CertType  `json:"type"`
	Title            string    `json:"title"`             // e.g. 住民票の写し
	Municipality     string    `json:"municipality"`      // e.g. 見本市
	Sections         []Section `json:"sections"`          // the body table, in print order
	Certification    string    `json:"certification"`     // e.g. この写しは、住民票の原本と相違ないことを証明する。
	IssuedOn         string    `json:"issued_on"`         // issue date as printed, e.g. 令和8年11月26日
	Issuer           string    `json:"issuer"`            // e.g. 見本市長　山田　一郎 (also drawn in the seal)
	IssuanceNumber   string    `json:"issuance_number"`   // unique per document, printed on every page
	VerificationCode string    `json:"verification_code"` // printed as text and as a QR code; checkable with the center
	KioskNote        string    `json:"kiosk_note"`        // e.g. この証明書はコンビニ交付サービスで交付されたものです。
}

// Section is one block of the body table, e.g. one person of a household.
type Section struct {
	Heading string `json:"heading,omitempty"`
	Rows    []Row  `json:"rows"`
}

// Row is one labelled line of a section.
type Row struct {
	Label string `json:"label"`
	Value string `json:"value"`
}
