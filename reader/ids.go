package reader

// Application identifiers (DF names) of the My Number Card, selected with
// SELECT by DF name (00 A4 04 0C 0A <AID>).
var (
	AIDJPKI    = []byte{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01} // 公的個人認証AP
	AIDText    = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08} // 券面事項入力補助AP
	AIDVisual  = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02} // 券面AP (the kiosk never selects it)
	AIDJuminKi = []byte{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00} // 住基AP (the kiosk never selects it)
)

// File identifiers inside the JPKI AP (SELECT 00 A4 02 0C 02 <FID>).
const (
	FIDSignCert   uint16 = 0x0001 // 署名用電子証明書, readable only after the sign PIN
	FIDSignCACert uint16 = 0x0002
	FIDToken      uint16 = 0x0006 // 32 bytes ASCII, e.g. "JPKIAPICCTOKEN2"
	FIDAuthCert   uint16 = 0x000A // 利用者証明用電子証明書
	FIDAuthCACert uint16 = 0x000B
	FIDAuthKey    uint16 = 0x0017
	FIDAuthPIN    uint16 = 0x0018 // 4 digits, 3 tries
	FIDSignKey    uint16 = 0x001A
	FIDSignPIN    uint16 = 0x001B // 6–16 of A–Z 0–9, 5 tries
)

// File identifiers inside the 券面事項入力補助AP.
const (
	FIDTextMyNumber  uint16 = 0x0001 // the My Number: never selected by the kiosk (see allow-list)
	FIDTextAttrs     uint16 = 0x0002 // 基本4情報: name, address, birth date, sex
	FIDTextSignature uint16 = 0x0003 // hashes of 0001 and 0002 plus the card's signature
	FIDTextCert      uint16 = 0x0004 // card-verifiable certificate of the signing key
	FIDTextBasicInfo uint16 = 0x0005
	FIDTextPIN       uint16 = 0x0011 // 券面事項入力補助用暗証番号, 4 digits
	FIDTextPINA      uint16 = 0x0014 // 照合番号A = the My Number itself: never verified by the kiosk
	FIDTextPINB      uint16 = 0x0015 // 照合番号B
)

// Instruction bytes used with the card.
const (
	INSSelect     byte = 0xA4
	INSReadBinary byte = 0xB0
	INSVerify     byte = 0x20
	INSChangeRef  byte = 0x24
	INSSign       byte = 0x2A // with CLA 80: COMPUTE DIGITAL SIGNATURE (80 2A 00 80)
)

// Tokens stored in EF 0006 of the JPKI AP.
const (
	TokenMyNumberCard = "JPKIAPICCTOKEN2"
	TokenJukiCard     = "JPKIAPICCTOKEN"  // the old 住基カード
	TokenSmartphone   = "JPKIAPGPSETOKEN" // スマホ用電子証明書 in an Android phone's secure element (GP-SE)
	// TokenIPhone is what one public source (an unnamed code-index file, no other
	// confirmation) says an iPhone's My Number Card writes in EF 0006. UNVERIFIED: see
	// DeviceIPhone for how the kiosk treats it.
	TokenIPhone = "JPKIAPIOSTOKEN"
)

// Maximum PIN tries as issued.
const (
	MaxAuthPINTries = 3
	MaxSignPINTries = 5
)
