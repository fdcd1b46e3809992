package eapp

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// Object identifiers (RFC 5652, RFC 5754, RFC 8017).
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
)

// ErrBadSignedData: the bytes are not a SignedData this package accepts, or its
// signature or digest does not verify.
var ErrBadSignedData = errors.New("eapp: bad signed data")

// Signer signs a DER DigestInfo (SHA-256) with the key of the certificate given to
// SignedData and returns the PKCS#1 v1.5 signature: the card's Sign with its signing key.
type Signer func(digestInfo []byte) ([]byte, error)

// DER tags used below.
const (
	tagSequence = 0x30
	tagSet      = 0x31
	tagCtx0     = 0xA0 // [0] constructed
)

// der writes one TLV with DER's definite length.
func der(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	default:
		var l []byte
		for m := n; m > 0; m >>= 8 {
			l = append([]byte{byte(m)}, l...)
		}
		out = append(out, 0x80|byte(len(l)))
		out = append(out, l...)
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("eapp: asn1: " + err.Error()) // only fixed, valid values are marshalled
	}
	return b
}

func algorithm(oid asn1.ObjectIdentifier) []byte {
	return der(tagSequence, mustMarshal(oid), asn1.NullBytes)
}

// setOf is a DER SET OF: its elements sorted by their encodings.
func setOf(tag byte, elems ...[]byte) []byte {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return der(tag, s...)
}

func attribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	return der(tagSequence, mustMarshal(oid), der(tagSet, value))
}

// signingTimeValue is RFC 5652's Time: UTCTime from 1950 to 2049, else GeneralizedTime.
func signingTimeValue(t time.Time) ([]byte, error) {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y >= 1950 && y < 2050 {
		return asn1.MarshalWithParams(t, "utc")
	}
	return asn1.MarshalWithParams(t, "generalized")
}

// SignedData signs content as an attached CMS SignedData with cert's key through sign.
// A signature that does not verify with cert (another card's key) is an error.
func SignedData(content []byte, cert *x509.Certificate, at time.Time, sign Signer) ([]byte, error) {
	return signedData(content, cert, at, sign, true)
}

// signedData is SignedData; check false skips the check of the signature (tests build
// what a forger would send).
func signedData(content []byte, cert *x509.Certificate, at time.Time, sign Signer, check bool) ([]byte, error) {
	if cert == nil || sign == nil {
		return nil, errors.New("eapp: signed data: no certificate or signer")
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("eapp: signed data: certificate key %T, want RSA", cert.PublicKey)
	}
	st, err := signingTimeValue(at)
	if err != nil {
		return nil, fmt.Errorf("eapp: signing time: %w", err)
	}
	sum := sha256.Sum256(content)
	attrs := [][]byte{
		attribute(oidContentType, mustMarshal(oidData)),
		attribute(oidSigningTime, st),
		attribute(oidMessageDigest, mustMarshal(sum[:])),
	}
	signedSet := setOf(tagSet, attrs...)
	digest := sha256.Sum256(signedSet)
	di := der(tagSequence, algorithm(oidSHA256), mustMarshal(digest[:]))
	sig, err := sign(di)
	if err != nil {
		return nil, fmt.Errorf("eapp: sign: %w", err)
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); check && err != nil {
		return nil, fmt.Errorf("eapp: the signature does not verify with the certificate: %w", err)
	}
	signerInfo := der(tagSequence,
		mustMarshal(1),
		der(tagSequence, cert.RawIssuer, mustMarshal(cert.SerialNumber)),
		algorithm(oidSHA256),
		append([]byte{tagCtx0}, signedSet[1:]...), // [0] IMPLICIT SET OF Attribute
		algorithm(oidRSAEncryption),
		mustMarshal(sig),
	)
	signedData := der(tagSequence,
		mustMarshal(1),
		der(tagSet, algorithm(oidSHA256)),
		der(tagSequence, mustMarshal(oidData), der(tagCtx0, mustMarshal(content))),
		der(tagCtx0, cert.Raw), // certificates [0] IMPLICIT SET OF Certificate
		der(tagSet, signerInfo),
	)
	return der(tagSequence, mustMarshal(oidSignedData), der(tagCtx0, signedData)), nil
}

// Signed is a SignedData that Open has verified.
type Signed struct {
	Content     []byte
	Cert        *x509.Certificate // the signer's, as included
	Certs       []*x509.Certificate
	SigningTime time.Time
}

// Open parses and verifies a SignedData written by SignedData (or any attached
// SignedData with one SHA-256 RSA signer and signed attributes).
func Open(b []byte) (*Signed, error) {
	bad := func(format string, a ...any) (*Signed, error) {
		return nil, fmt.Errorf("%w: "+format, append([]any{ErrBadSignedData}, a...)...)
	}
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(b, &ci); err != nil || len(rest) != 0 || !ci.Type.Equal(oidSignedData) {
		return bad("not a SignedData content info (%v)", err)
	}
	var sd struct {
		Version    int
		Digests    asn1.RawValue
		Encap      asn1.RawValue
		Certs      asn1.RawValue   `asn1:"optional,tag:0"`
		CRLs       asn1.RawValue   `asn1:"optional,tag:1"`
		SignerInfo []asn1.RawValue `asn1:"set"`
	}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return bad("signed data (%v)", err)
	}
	var encap struct {
		Type    asn1.ObjectIdentifier
		Content []byte `asn1:"explicit,optional,tag:0"`
	}
	if _, err := asn1.Unmarshal(sd.Encap.FullBytes, &encap); err != nil || !encap.Type.Equal(oidData) || encap.Content == nil {
		return bad("encapsulated content: want attached id-data (%v)", err)
	}
	var certs []*x509.Certificate
	for rest := sd.Certs.Bytes; len(rest) > 0; {
		var raw asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
			return bad("certificates (%v)", err)
		}
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return bad("certificate: %v", err)
		}
		certs = append(certs, c)
	}
	if len(sd.SignerInfo) != 1 {
		return bad("%d signers, want 1", len(sd.SignerInfo))
	}
	var si struct {
		Version int
		SID     struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		Digest struct {
			Algorithm asn1.ObjectIdentifier
			Params    asn1.RawValue `asn1:"optional"`
		}
		SignedAttrs asn1.RawValue `asn1:"tag:0"`
		SigAlg      struct {
			Algorithm asn1.ObjectIdentifier
			Params    asn1.RawValue `asn1:"optional"`
		}
		Signature []byte
	}
	if rest, err := asn1.Unmarshal(sd.SignerInfo[0].FullBytes, &si); err != nil || len(rest) != 0 {
		return bad("signer info (%v)", err)
	}
	if !si.Digest.Algorithm.Equal(oidSHA256) {
		return bad("digest %v, want SHA-256", si.Digest.Algorithm)
	}
	if !si.SigAlg.Algorithm.Equal(oidRSAEncryption) && !si.SigAlg.Algorithm.Equal(oidSHA256WithRSA) {
		return bad("signature algorithm %v, want RSA PKCS#1 v1.5", si.SigAlg.Algorithm)
	}
	var signer *x509.Certificate
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) && si.SID.Serial != nil && c.SerialNumber.Cmp(si.SID.Serial) == 0 {
			signer = c
		}
	}
	if signer == nil {
		return bad("the signer's certificate is not included")
	}
	pub, ok := signer.PublicKey.(*rsa.PublicKey)
	if !ok {
		return bad("signer key %T, want RSA", signer.PublicKey)
	}
	// The signature covers the attributes as a SET OF (tag 0x31), not as [0].
	signedSet := append([]byte{tagSet}, si.SignedAttrs.FullBytes[1:]...)
	var at time.Time
	var digest, ctype []byte
	for rest := si.SignedAttrs.Bytes; len(rest) > 0; {
		var a struct {
			Type   asn1.ObjectIdentifier
			Values []asn1.RawValue `asn1:"set"`
		}
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil || len(a.Values) != 1 {
			return bad("signed attribute (%v)", err)
		}
		v := a.Values[0].FullBytes
		switch {
		case a.Type.Equal(oidContentType):
			ctype = v
		case a.Type.Equal(oidMessageDigest):
			if _, err := asn1.Unmarshal(v, &digest); err != nil {
				return bad("message digest (%v)", err)
			}
		case a.Type.Equal(oidSigningTime):
			if _, err := asn1.Unmarshal(v, &at); err != nil {
				return bad("signing time (%v)", err)
			}
		}
	}
	sum := sha256.Sum256(encap.Content)
	switch {
	case !bytes.Equal(ctype, mustMarshal(oidData)):
		return bad("content type attribute missing or not id-data")
	case !bytes.Equal(digest, sum[:]):
		return bad("message digest does not match the content")
	case at.IsZero():
		return bad("no signing time")
	}
	h := sha256.Sum256(signedSet)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], si.Signature); err != nil {
		return bad("signature: %v", err)
	}
	return &Signed{Content: encap.Content, Cert: signer, Certs: certs, SigningTime: at}, nil
}
