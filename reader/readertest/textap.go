package readertest

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"madoguchi/reader"
)

// Identifiers carried in the card-verifiable certificate of EF 0004 (16 bytes each).
var (
	CVIssuerID  = []byte("TEST-JLIS-ROOT-1") // the test "J-LIS" key
	CVSubjectID = []byte("TEST-TEXTAP-KEY1") // the text-AP signing key
)

type textAP struct {
	myNumber, attrs, signature, cert, basicInfo []byte
}

// buildTextAP lays out EFs 0001..0005 of the 券面事項入力補助AP (jpki-protocol.md §3).
func buildTextAP(myNumber string, h Holder, textKey, jlisKey *rsa.PrivateKey) (*textAP, error) {
	t := &textAP{}
	t.myNumber = tlv([]byte{0xFF, 0x10}, []byte(myNumber))

	// EF 0002: FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }.
	// Assumption: the offsets are absolute positions in the EF of the DF22..DF25 TLVs.
	items := [][]byte{
		tlv([]byte{0xDF, 0x22}, []byte(h.Name)),
		tlv([]byte{0xDF, 0x23}, []byte(h.Address)),
		tlv([]byte{0xDF, 0x24}, []byte(h.BirthDate)),
		tlv([]byte{0xDF, 0x25}, []byte(h.Sex)),
	}
	const offsetsTLV = 3 + 8
	inner := offsetsTLV
	for _, it := range items {
		inner += len(it)
	}
	outerHdr := len(tlv([]byte{0xFF, 0x20}, make([]byte, inner))) - inner
	offs := make([]byte, 8)
	pos := outerHdr + offsetsTLV
	for i, it := range items {
		if pos > 0xFFFF {
			return nil, errors.New("readertest: text ap: holder facts too long")
		}
		binary.BigEndian.PutUint16(offs[2*i:], uint16(pos))
		pos += len(it)
	}
	body := tlv([]byte{0xDF, 0x21}, offs)
	for _, it := range items {
		body = append(body, it...)
	}
	t.attrs = tlv([]byte{0xFF, 0x20}, body)

	// EF 0003: FF30 { DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002[offsets[0]:end of FF20]),
	// DF33 signature }. Assumption: DF33 = RSASSA-PKCS1-v1_5 SHA-256 over DF31‖DF32 values.
	h1 := sha256.Sum256(t.myNumber)
	h2 := sha256.Sum256(t.attrs[outerHdr+offsetsTLV:])
	sig, err := rsa.SignPKCS1v15(nil, textKey, crypto.SHA256, textSigDigest(h1[:], h2[:]))
	if err != nil {
		return nil, fmt.Errorf("readertest: text ap signature: %w", err)
	}
	sigBody := append(append(tlv([]byte{0xDF, 0x31}, h1[:]), tlv([]byte{0xDF, 0x32}, h2[:])...),
		tlv([]byte{0xDF, 0x33}, sig)...)
	t.signature = tlv([]byte{0xFF, 0x30}, sigBody) // FF 30 82 01 4B: 336 bytes

	// EF 0004: 7F21 { 5F4E issuer ‖ subject ‖ 82 e ‖ 81 n, 5F37 signature }.
	// Assumption: 5F37 = RSASSA-PKCS1-v1_5 SHA-256 by the J-LIS key over the whole 5F4E TLV.
	pub := &textKey.PublicKey
	content := append(append([]byte(nil), CVIssuerID...), CVSubjectID...)
	content = append(content, tlv([]byte{0x82}, big.NewInt(int64(pub.E)).Bytes())...)
	content = append(content, tlv([]byte{0x81}, pub.N.FillBytes(make([]byte, pub.Size())))...)
	body4E := tlv([]byte{0x5F, 0x4E}, content)
	d := sha256.Sum256(body4E)
	cvSig, err := rsa.SignPKCS1v15(nil, jlisKey, crypto.SHA256, d[:])
	if err != nil {
		return nil, fmt.Errorf("readertest: text ap cv certificate: %w", err)
	}
	t.cert = tlv([]byte{0x7F, 0x21}, append(body4E, tlv([]byte{0x5F, 0x37}, cvSig)...))

	// EF 0005: FF40 { DF41 version, extended-APDU flag, vendor, option; DF42 key id }.
	t.basicInfo = tlv([]byte{0xFF, 0x40}, append(tlv([]byte{0xDF, 0x41}, []byte{0x01, 0x00, 0x00, 0x00}),
		tlv([]byte{0xDF, 0x42}, CVSubjectID)...))
	return t, nil
}

func textSigDigest(h1, h2 []byte) []byte {
	d := sha256.Sum256(append(append([]byte(nil), h1...), h2...))
	return d[:]
}

// TextAttrs are the four facts read from EF 0002 of the text AP.
type TextAttrs struct {
	Name, Address, BirthDate, Sex string
}

// VerifyTextAttrs checks EF 0002 (4 info) against EF 0003 (signature block) and EF 0004
// (CV certificate) using only the J-LIS public key, and returns the facts. It does not
// verify by itself: it serves the three files from a throwaway card that holds nothing else
// (no EF 0001; DF31 is taken as is) and runs the kiosk's own check,
// reader.Card.ReadFourFacts, over it, so this package's encoding (doc.go) and the reader's
// assumptions are checked against each other. Errors wrap reader.ErrBadCard or
// reader.ErrSignatureInvalid.
func VerifyTextAttrs(attrsEF, sigEF, certEF []byte, jlis *rsa.PublicKey) (TextAttrs, error) {
	const pin = "0000" // the throwaway card's text PIN
	c := &Card{presence: make(chan struct{})}
	c.pins[PINText] = newPIN(pin, 0, 3)
	c.files = map[app]map[uint16]*efile{apText: fileMap(
		&efile{fid: reader.FIDTextAttrs, data: attrsEF, read: []PINRef{PINText}},
		&efile{fid: reader.FIDTextSignature, data: sigEF, read: []PINRef{PINText}},
		&efile{fid: reader.FIDTextCert, data: certEF},
		&efile{fid: reader.FIDTextPIN, kind: efPIN, pin: PINText},
	)}
	f, err := reader.New(c).ReadFourFacts(context.Background(), []byte(pin), jlis)
	if err != nil {
		return TextAttrs{}, fmt.Errorf("readertest: verify text attrs: %w", err)
	}
	return TextAttrs(*f), nil
}
