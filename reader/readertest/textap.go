package readertest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
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
// (CV certificate) using only the J-LIS public key, following this package's assumptions
// (doc.go), and returns the facts. My Number hash DF31 is taken as is: the check never needs
// EF 0001. It is the reference verifier for our encoding.
func VerifyTextAttrs(attrsEF, sigEF, certEF []byte, jlis *rsa.PublicKey) (TextAttrs, error) {
	var a TextAttrs
	// CV certificate → text-AP key.
	cert, _, err := parseTLV(certEF)
	if err != nil || !bytes.Equal(cert.tag, []byte{0x7F, 0x21}) {
		return a, fmt.Errorf("readertest: cv certificate: %v", errOr(err, "not a 7F21 TLV"))
	}
	body, rest, err := parseTLV(cert.value)
	if err != nil || !bytes.Equal(body.tag, []byte{0x5F, 0x4E}) {
		return a, fmt.Errorf("readertest: cv certificate body: %v", errOr(err, "no 5F4E"))
	}
	cvSig, _, err := parseTLV(rest)
	if err != nil || !bytes.Equal(cvSig.tag, []byte{0x5F, 0x37}) {
		return a, fmt.Errorf("readertest: cv certificate signature: %v", errOr(err, "no 5F37"))
	}
	d := sha256.Sum256(cert.value[:len(cert.value)-len(rest)])
	if err := rsa.VerifyPKCS1v15(jlis, crypto.SHA256, d[:], cvSig.value); err != nil {
		return a, fmt.Errorf("readertest: cv certificate: %w", err)
	}
	if len(body.value) < 32 {
		return a, errors.New("readertest: cv certificate: short body")
	}
	eT, rest, err := parseTLV(body.value[32:])
	if err != nil || !bytes.Equal(eT.tag, []byte{0x82}) {
		return a, fmt.Errorf("readertest: cv certificate exponent: %v", errOr(err, "no 82"))
	}
	nT, _, err := parseTLV(rest)
	if err != nil || !bytes.Equal(nT.tag, []byte{0x81}) || len(eT.value) > 4 {
		return a, fmt.Errorf("readertest: cv certificate modulus: %v", errOr(err, "no 81"))
	}
	textPub := &rsa.PublicKey{N: new(big.Int).SetBytes(nT.value), E: int(new(big.Int).SetBytes(eT.value).Int64())}

	// 4 info and its hash.
	attrs, _, err := parseTLV(attrsEF)
	if err != nil || !bytes.Equal(attrs.tag, []byte{0xFF, 0x20}) {
		return a, fmt.Errorf("readertest: 4 info: %v", errOr(err, "not an FF20 TLV"))
	}
	end := attrs.hdr + len(attrs.value) // end of the FF20 TLV
	p := attrs.value
	var off0 = -1
	for len(p) > 0 {
		item, r, err := parseTLV(p)
		if err != nil {
			return a, fmt.Errorf("readertest: 4 info: %w", err)
		}
		switch string(item.tag) {
		case "\xDF\x21":
			if len(item.value) < 2 {
				return a, errors.New("readertest: 4 info: short offsets")
			}
			off0 = int(binary.BigEndian.Uint16(item.value))
		case "\xDF\x22":
			a.Name = string(item.value)
		case "\xDF\x23":
			a.Address = string(item.value)
		case "\xDF\x24":
			a.BirthDate = string(item.value)
		case "\xDF\x25":
			a.Sex = string(item.value)
		}
		p = r
	}
	if off0 < 0 || off0 > end {
		return a, errors.New("readertest: 4 info: bad offsets header")
	}
	h2 := sha256.Sum256(attrsEF[off0:end])

	// Signature block.
	blk, _, err := parseTLV(sigEF)
	if err != nil || !bytes.Equal(blk.tag, []byte{0xFF, 0x30}) {
		return a, fmt.Errorf("readertest: signature block: %v", errOr(err, "not an FF30 TLV"))
	}
	var h1, h2card, sig []byte
	for p := blk.value; len(p) > 0; {
		item, r, err := parseTLV(p)
		if err != nil {
			return a, fmt.Errorf("readertest: signature block: %w", err)
		}
		switch string(item.tag) {
		case "\xDF\x31":
			h1 = item.value
		case "\xDF\x32":
			h2card = item.value
		case "\xDF\x33":
			sig = item.value
		}
		p = r
	}
	if !bytes.Equal(h2card, h2[:]) {
		return a, errors.New("readertest: 4 info hash does not match DF32")
	}
	if err := rsa.VerifyPKCS1v15(textPub, crypto.SHA256, textSigDigest(h1, h2card), sig); err != nil {
		return a, fmt.Errorf("readertest: signature block: %w", err)
	}
	return a, nil
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

type tlvItem struct {
	tag, value []byte
	hdr        int // bytes of tag + length
}

// parseTLV reads one BER TLV (tags of 1..3 bytes, lengths up to 82 xx xx).
func parseTLV(b []byte) (tlvItem, []byte, error) {
	if len(b) < 2 {
		return tlvItem{}, nil, errors.New("truncated tlv")
	}
	i := 1
	if b[0]&0x1F == 0x1F {
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) || i > 3 {
		return tlvItem{}, nil, errors.New("bad tlv tag")
	}
	tag := b[:i]
	n := int(b[i])
	i++
	switch {
	case n == 0x81:
		if i+1 > len(b) {
			return tlvItem{}, nil, errors.New("truncated tlv length")
		}
		n = int(b[i])
		i++
	case n == 0x82:
		if i+2 > len(b) {
			return tlvItem{}, nil, errors.New("truncated tlv length")
		}
		n = int(b[i])<<8 | int(b[i+1])
		i += 2
	case n > 0x80:
		return tlvItem{}, nil, errors.New("unsupported tlv length")
	}
	if i+n > len(b) {
		return tlvItem{}, nil, errors.New("tlv value runs past the data")
	}
	return tlvItem{tag: tag, value: b[i : i+n], hdr: i}, b[i+n:], nil
}
