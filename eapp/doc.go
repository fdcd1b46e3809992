// Package eapp is the model of electronic applications signed at the kiosk with the
// resident's card (署名用電子証明書): the application (Application: the form, what the
// resident typed, the time), its canonical encoding (Canonical: the bytes that are
// signed), and the CMS SignedData (RFC 5652) that carries it to the center.
//
// SignedData builds an attached SignedData with one signer: digest SHA-256, signature RSA
// PKCS#1 v1.5 (rsaEncryption, as the card signs a DigestInfo), the signed attributes
// contentType (id-data), signingTime and messageDigest, the signer's certificate
// included, identified by issuer and serial number. The signature itself comes from a
// function (the card's Sign with the signing key, after the signing password), so this
// package holds no key. Open parses a SignedData, checks that the digest in the signed
// attributes matches the content and that the signature verifies with the included
// certificate, and returns the content, the certificate and the signing time; the
// center then checks the certificate's chain, validity at the signing time and
// revocation itself.
//
// Encoding is DER throughout, written with encoding/asn1's primitives (no CMS library is
// among the modules served to this project); the signed attributes are a DER SET OF,
// sorted by their encodings, so the bytes the card signs are the ones Open re-encodes.
// Debian's openssl cms -verify checks what SignedData writes in the tests.
package eapp
