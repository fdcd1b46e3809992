package reader

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"unicode/utf8"
)

// FourFacts are the 基本4情報 of the 券面事項入力補助AP: what is printed on the card's face,
// minus the photo and the My Number.
type FourFacts struct {
	Name      string
	Address   string
	BirthDate string // as stored on the card
	Sex       string // ISO 5218 code: "1" male, "2" female, "9" not applicable
}

// Tags of the text AP's files (jpki-protocol.md §3.2).
const (
	tagAttrs       = 0xFF20
	tagAttrsHeader = 0xDF21
	tagName        = 0xDF22
	tagAddress     = 0xDF23
	tagBirth       = 0xDF24
	tagSex         = 0xDF25
	tagSigBlock    = 0xFF30
	tagMyNumHash   = 0xDF31
	tagAttrsHash   = 0xDF32
	tagSignature   = 0xDF33
	tagCVCert      = 0x7F21
	tagCVBody      = 0x5F4E
	tagCVSignature = 0x5F37
)

// ReadFourFacts verifies the 券面事項入力補助用暗証番号 and reads the four facts, checking them
// against the card's own signature: the hash in EF 0003 must match the facts, the RSA
// signature over the two hashes must verify with the key in the card-verifiable certificate
// of EF 0004, and that certificate must verify with jlis, the issuer key the kiosk trusts.
// A mismatch is ErrSignatureInvalid. The My Number file is never touched: its hash (DF31) is
// only carried along as the signature's input.
//
// What DF33 and 5F37 sign is not published; we take PKCS#1 v1.5 with SHA-256 over the
// values DF31‖DF32 and over the whole 5F4E element respectively (readertest builds the
// virtual card's files the same way).
func (c *Card) ReadFourFacts(ctx context.Context, pin []byte, jlis *rsa.PublicKey) (*FourFacts, error) {
	if jlis == nil {
		return nil, fmt.Errorf("read four facts: no trusted issuer key")
	}
	if err := c.Verify(ctx, TextPIN, pin); err != nil {
		return nil, fmt.Errorf("read four facts: %w", err)
	}
	attrs, err := c.readElement(ctx, appText, FIDTextAttrs)
	if err != nil {
		return nil, fmt.Errorf("read four facts: %w", err)
	}
	sigBlock, err := c.readElement(ctx, appText, FIDTextSignature)
	if err != nil {
		return nil, fmt.Errorf("read four facts signature: %w", err)
	}
	cv, err := c.readElement(ctx, appText, FIDTextCert)
	if err != nil {
		return nil, fmt.Errorf("read four facts certificate: %w", err)
	}
	facts, hashed, err := ParseFourFacts(attrs)
	if err != nil {
		return nil, err
	}
	if err := verifyFourFacts(hashed, sigBlock, cv, jlis); err != nil {
		return nil, err
	}
	return facts, nil
}

// ParseFourFacts parses EF 0002 (FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth
// date, DF25 sex }) and returns the facts and the byte range the card's hash covers: from
// the first offset of the DF21 header to the end of the FF20 element.
func ParseFourFacts(ef []byte) (*FourFacts, []byte, error) {
	outer, _, err := ParseTLV(ef)
	if err != nil {
		return nil, nil, fmt.Errorf("four facts: %w", err)
	}
	if outer.Tag != tagAttrs {
		return nil, nil, fmt.Errorf("%w: four facts tag %X, want FF20", ErrBadCard, outer.Tag)
	}
	elems, err := ParseTLVs(outer.Value)
	if err != nil {
		return nil, nil, fmt.Errorf("four facts: %w", err)
	}
	f := &FourFacts{}
	var header []byte
	seen := map[uint32]bool{}
	for _, e := range elems {
		if seen[e.Tag] {
			return nil, nil, fmt.Errorf("%w: four facts tag %X twice", ErrBadCard, e.Tag)
		}
		seen[e.Tag] = true
		switch e.Tag {
		case tagAttrsHeader:
			header = e.Value
		case tagName:
			f.Name = string(e.Value)
		case tagAddress:
			f.Address = string(e.Value)
		case tagBirth:
			f.BirthDate = string(e.Value)
		case tagSex:
			f.Sex = string(e.Value)
		}
	}
	for _, tag := range []uint32{tagAttrsHeader, tagName, tagAddress, tagBirth, tagSex} {
		if !seen[tag] {
			return nil, nil, fmt.Errorf("%w: four facts lack tag %X", ErrBadCard, tag)
		}
	}
	for _, s := range []string{f.Name, f.Address, f.BirthDate, f.Sex} {
		if !utf8.ValidString(s) {
			return nil, nil, fmt.Errorf("%w: four facts are not UTF-8", ErrBadCard)
		}
	}
	if len(header) < 2 {
		return nil, nil, fmt.Errorf("%w: four facts header too short", ErrBadCard)
	}
	start := int(header[0])<<8 | int(header[1])
	if start >= outer.Len || start < 0 {
		return nil, nil, fmt.Errorf("%w: four facts offset %d outside %d bytes", ErrBadCard, start, outer.Len)
	}
	return f, ef[start:outer.Len], nil
}

// verifyFourFacts checks hashed (the covered bytes of EF 0002) against EF 0003 and EF 0004.
func verifyFourFacts(hashed, sigBlock, cv []byte, jlis *rsa.PublicKey) error {
	blk, _, err := ParseTLV(sigBlock)
	if err != nil || blk.Tag != tagSigBlock {
		return fmt.Errorf("%w: four facts signature block (%v)", ErrBadCard, err)
	}
	myNumHash, ok1, err1 := FindTLV(blk.Value, tagMyNumHash)
	attrsHash, ok2, err2 := FindTLV(blk.Value, tagAttrsHash)
	sig, ok3, err3 := FindTLV(blk.Value, tagSignature)
	if !ok1 || !ok2 || !ok3 || err1 != nil || err2 != nil || err3 != nil ||
		len(myNumHash.Value) != sha256.Size || len(attrsHash.Value) != sha256.Size {
		return fmt.Errorf("%w: four facts signature block incomplete", ErrBadCard)
	}
	sum := sha256.Sum256(hashed)
	if !bytes.Equal(sum[:], attrsHash.Value) {
		return fmt.Errorf("%w: four facts do not match their hash", ErrSignatureInvalid)
	}
	cardKey, err := verifyCVCert(cv, jlis)
	if err != nil {
		return err
	}
	signed := sha256.Sum256(append(append([]byte{}, myNumHash.Value...), attrsHash.Value...))
	if err := rsa.VerifyPKCS1v15(cardKey, crypto.SHA256, signed[:], sig.Value); err != nil {
		return fmt.Errorf("%w: four facts signature: %v", ErrSignatureInvalid, err)
	}
	return nil
}

// verifyCVCert checks the card-verifiable certificate of EF 0004 (7F21 { 5F4E body, 5F37
// signature }) with the issuer key and returns the public key it certifies. The body is
// issuer id (16 bytes) ‖ subject id (16 bytes) ‖ the RSA key as TLVs 81 (modulus) and 82
// (exponent), in either order, as ISO/IEC 7816-8 tags them.
func verifyCVCert(cv []byte, issuer *rsa.PublicKey) (*rsa.PublicKey, error) {
	outer, _, err := ParseTLV(cv)
	if err != nil || outer.Tag != tagCVCert {
		return nil, fmt.Errorf("%w: four facts certificate (%v)", ErrBadCard, err)
	}
	body, ok1, err1 := FindTLV(outer.Value, tagCVBody)
	sig, ok2, err2 := FindTLV(outer.Value, tagCVSignature)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w: four facts certificate incomplete", ErrBadCard)
	}
	sum := sha256.Sum256(body.Raw)
	if err := rsa.VerifyPKCS1v15(issuer, crypto.SHA256, sum[:], sig.Value); err != nil {
		return nil, fmt.Errorf("%w: four facts certificate: %v", ErrSignatureInvalid, err)
	}
	if len(body.Value) < 32 {
		return nil, fmt.Errorf("%w: four facts certificate body too short", ErrBadCard)
	}
	parts, err := ParseTLVs(body.Value[32:])
	if err != nil {
		return nil, fmt.Errorf("four facts certificate key: %w", err)
	}
	var n, e []byte
	for _, p := range parts {
		switch p.Tag {
		case 0x81:
			n = p.Value
		case 0x82:
			e = p.Value
		}
	}
	if len(n) < 128 || len(e) == 0 || len(e) > 4 {
		return nil, fmt.Errorf("%w: four facts certificate key malformed", ErrBadCard)
	}
	exp := new(big.Int).SetBytes(e)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}

// ParseIssuerKey parses the PEM public key (PKIX "PUBLIC KEY", RSA) the kiosk trusts as
// the issuer of the text AP's card-verifiable certificate (ReadFourFacts' jlis).
func ParseIssuerKey(data []byte) (*rsa.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("text issuer key: no PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("text issuer key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok || rk.N.BitLen() < 2048 {
		return nil, fmt.Errorf("text issuer key: want an RSA key of at least 2048 bits, got %T", k)
	}
	return rk, nil
}

// MarshalIssuerKey writes pub as ParseIssuerKey reads it (PEM "PUBLIC KEY").
func MarshalIssuerKey(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("text issuer key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
