package readertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Distinguished-name parts of the J-LIS roots (jpki-protocol.md §6). The test roots add a
// CN so that nobody mistakes them for the real ones.
const (
	ouAuth      = "JPKI for user authentication"
	ouSign      = "JPKI for digital signature"
	ouJLIS      = "Japan Agency for Local Authority Information Systems"
	testCAMarks = "madoguchi TEST CA - not J-LIS"
)

// OIDs of the JPKI profile.
var (
	oidCountry = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidOrg     = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCN      = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSAN     = asn1.ObjectIdentifier{2, 5, 29, 17}

	// OIDJLISName .. OIDJLISAddressAlt are the otherName types in the subjectAltName of a
	// signature certificate (jpki-protocol.md §6, myna-go jpki_ap.go).
	OIDJLISName       = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 1}
	OIDJLISNameAlt    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 2}
	OIDJLISSex        = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 3}
	OIDJLISBirthDate  = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 4}
	OIDJLISAddress    = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 5}
	OIDJLISAddressAlt = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 5, 6}

	// Certificate policies seen in a public OID add-on (lower confidence, §6).
	oidPolicySign = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 1, 20}
	oidPolicyAuth = asn1.ObjectIdentifier{1, 2, 392, 200149, 8, 5, 1, 3, 30}
)

// CA is a test JPKI certification authority: a self-signed RSA-2048 root and its key.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// Holder carries the four facts ("基本4情報") of a card holder plus the J-LIS substitute
// strings. BirthDate is Gregorian YYYYMMDD; Sex is an ISO 5218 code "1", "2" or "9".
type Holder struct {
	Name, NameAlt, Address, AddressAlt, BirthDate, Sex string
}

// DefaultHolder is the fictitious resident used when an option leaves the holder empty.
var DefaultHolder = Holder{
	Name:      "見本 花子",
	Address:   "東京都千代田区霞が関二丁目1番2号",
	BirthDate: "19900102",
	Sex:       "2",
}

// Validate checks the formats the card and the certificate profile need.
func (h Holder) Validate() error {
	if h.Name == "" {
		return errors.New("readertest: holder: empty name")
	}
	if _, err := EraBirthDate(h.BirthDate); err != nil {
		return fmt.Errorf("readertest: holder: %w", err)
	}
	switch h.Sex {
	case "1", "2", "9":
	default:
		return fmt.Errorf("readertest: holder: sex %q is not an ISO 5218 code 1, 2 or 9", h.Sex)
	}
	return nil
}

// NewAuthCA makes a test root shaped like J-LIS's root for user-authentication
// certificates, valid from a day before now for ten years.
func NewAuthCA(now time.Time) (*CA, error) { return newCA(now, ouAuth) }

// NewSignCA makes a test root shaped like J-LIS's root for signature certificates.
func NewSignCA(now time.Time) (*CA, error) { return newCA(now, ouSign) }

func newCA(now time.Time, ou string) (*CA, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("readertest: new ca key: %w", err)
	}
	return newCAWithKey(now, ou, key)
}

// NewCAWithKey is NewAuthCA (sign=false) or NewSignCA (sign=true) with a given key, e.g. one
// from the Key pool, for tests that want a fresh root without paying for a key.
func NewCAWithKey(now time.Time, sign bool, key *rsa.PrivateKey) (*CA, error) {
	if sign {
		return newCAWithKey(now, ouSign, key)
	}
	return newCAWithKey(now, ouAuth, key)
}

func newCAWithKey(now time.Time, ou string, key *rsa.PrivateKey) (*CA, error) {
	subject, err := asn1.Marshal(pkix.RDNSequence{
		rdn(oidCountry, "JP"), rdn(oidOrg, "JPKI"), rdn(oidOU, ou), rdn(oidOU, ouJLIS), rdn(oidCN, testCAMarks),
	})
	if err != nil {
		return nil, fmt.Errorf("readertest: new ca subject: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		RawSubject:            subject,
		NotBefore:             now.Add(-24 * time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.AddDate(10, 0, 0).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	cert, err := create(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("readertest: new ca: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// IssueAuth issues a user-authentication certificate (利用者証明用電子証明書) for pub:
// subject CN=<opaque 20-character id>, C=JP, keyUsage digitalSignature, extKeyUsage
// clientAuth.
func (ca *CA) IssueAuth(pub *rsa.PublicKey, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	return ca.issue("auth", pub, notBefore, notAfter, &x509.Certificate{
		KeyUsage:          x509.KeyUsageDigitalSignature,
		ExtKeyUsage:       []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		PolicyIdentifiers: []asn1.ObjectIdentifier{oidPolicyAuth},
	})
}

// IssueSign issues a signature certificate (署名用電子証明書) for pub carrying the holder's
// facts as otherName entries of subjectAltName (OIDs 1.2.392.200149.8.5.5.1..6, value
// [0] EXPLICIT UTF8String; birth date as EYYYYMMDD), keyUsage digitalSignature +
// nonRepudiation. Its subject is shaped like IssueAuth's.
func (ca *CA) IssueSign(pub *rsa.PublicKey, h Holder, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	return ca.IssueSignUsage(pub, h, notBefore, notAfter, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, nil)
}

// IssueSignUsage is IssueSign with another keyUsage (zero: no keyUsage extension) and an
// extendedKeyUsage (nil: none, as IssueSign): for tests of verifiers that must refuse a
// certificate whose key is not for signatures.
func (ca *CA) IssueSignUsage(pub *rsa.PublicKey, h Holder, notBefore, notAfter time.Time, ku x509.KeyUsage, eku []x509.ExtKeyUsage) (*x509.Certificate, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	dob, _ := EraBirthDate(h.BirthDate) // validated above
	san, err := sanOtherNames([]otherName{
		{OIDJLISName, h.Name}, {OIDJLISNameAlt, h.NameAlt}, {OIDJLISSex, h.Sex},
		{OIDJLISBirthDate, dob}, {OIDJLISAddress, h.Address}, {OIDJLISAddressAlt, h.AddressAlt},
	})
	if err != nil {
		return nil, err
	}
	return ca.issue("sign", pub, notBefore, notAfter, &x509.Certificate{
		KeyUsage:          ku,
		ExtKeyUsage:       eku,
		PolicyIdentifiers: []asn1.ObjectIdentifier{oidPolicySign},
		ExtraExtensions:   []pkix.Extension{{Id: oidSAN, Value: san}},
	})
}

// issue completes tmpl, which states what one kind of user certificate adds (key usage,
// policies, extensions), with what every user certificate shares — a random serial, subject
// C=JP, CN=<opaque 20-character id>, validity notBefore..notAfter truncated to the second,
// sha256WithRSA — and signs it with the CA for pub. kind ("auth", "sign") names the
// certificate in errors. The real sign profile's subject is not in our sources (§11 item 5);
// both kinds use the auth one.
func (ca *CA) issue(kind string, pub *rsa.PublicKey, notBefore, notAfter time.Time, tmpl *x509.Certificate) (*x509.Certificate, error) {
	id, err := opaqueID(20)
	if err != nil {
		return nil, err
	}
	subject, err := asn1.Marshal(pkix.RDNSequence{rdn(oidCountry, "JP"), rdn(oidCN, id)})
	if err != nil {
		return nil, fmt.Errorf("readertest: issue %s subject: %w", kind, err)
	}
	if tmpl.SerialNumber, err = randomSerial(); err != nil {
		return nil, err
	}
	tmpl.RawSubject = subject
	tmpl.NotBefore = notBefore.UTC().Truncate(time.Second)
	tmpl.NotAfter = notAfter.UTC().Truncate(time.Second)
	tmpl.SignatureAlgorithm = x509.SHA256WithRSA
	cert, err := create(tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("readertest: issue %s: %w", kind, err)
	}
	return cert, nil
}

// SignCertHolder decodes the J-LIS otherName entries of a signature certificate. It is the
// inverse of IssueSign's SAN encoding, for tests; BirthDate comes back Gregorian.
func SignCertHolder(cert *x509.Certificate) (Holder, error) {
	var raw []byte
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidSAN) {
			raw = e.Value
		}
	}
	if raw == nil {
		return Holder{}, errors.New("readertest: sign cert: no subjectAltName")
	}
	var names []asn1.RawValue
	if rest, err := asn1.Unmarshal(raw, &names); err != nil || len(rest) > 0 {
		return Holder{}, fmt.Errorf("readertest: sign cert: bad subjectAltName: %v", err)
	}
	var h Holder
	for _, gn := range names {
		if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 {
			continue
		}
		var on struct {
			Type  asn1.ObjectIdentifier
			Value string `asn1:"explicit,tag:0,utf8"`
		}
		if _, err := asn1.UnmarshalWithParams(gn.FullBytes, &on, "tag:0"); err != nil {
			return Holder{}, fmt.Errorf("readertest: sign cert: bad otherName: %w", err)
		}
		switch {
		case on.Type.Equal(OIDJLISName):
			h.Name = on.Value
		case on.Type.Equal(OIDJLISNameAlt):
			h.NameAlt = on.Value
		case on.Type.Equal(OIDJLISSex):
			h.Sex = on.Value
		case on.Type.Equal(OIDJLISBirthDate):
			if len(on.Value) != 9 {
				return Holder{}, fmt.Errorf("readertest: sign cert: birth date %q is not EYYYYMMDD", on.Value)
			}
			h.BirthDate = on.Value[1:]
		case on.Type.Equal(OIDJLISAddress):
			h.Address = on.Value
		case on.Type.Equal(OIDJLISAddressAlt):
			h.AddressAlt = on.Value
		}
	}
	return h, nil
}

// EraBirthDate turns a Gregorian YYYYMMDD into the profile's EYYYYMMDD: the era digit
// (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) followed by the Gregorian date, e.g.
// 19900102 → 419900102 (jpki-protocol.md §6).
func EraBirthDate(yyyymmdd string) (string, error) {
	t, err := time.Parse("20060102", yyyymmdd)
	if err != nil || len(yyyymmdd) != 8 {
		return "", fmt.Errorf("birth date %q is not YYYYMMDD", yyyymmdd)
	}
	eras := []struct {
		digit byte
		from  string
	}{{'5', "20190501"}, {'4', "19890108"}, {'3', "19261225"}, {'2', "19120730"}, {'1', "18680125"}}
	for _, e := range eras {
		if yyyymmdd >= e.from {
			return string(e.digit) + t.Format("20060102"), nil
		}
	}
	return "", fmt.Errorf("birth date %q is before the Meiji era", yyyymmdd)
}

type otherName struct {
	oid   asn1.ObjectIdentifier
	value string
}

// sanOtherNames encodes GeneralNames holding otherName entries:
// [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }.
func sanOtherNames(names []otherName) ([]byte, error) {
	var seq []byte
	for _, n := range names {
		oid, err := asn1.Marshal(n.oid)
		if err != nil {
			return nil, fmt.Errorf("readertest: san oid: %w", err)
		}
		str, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagUTF8String, Bytes: []byte(n.value)})
		if err != nil {
			return nil, fmt.Errorf("readertest: san value: %w", err)
		}
		val, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: str})
		if err != nil {
			return nil, fmt.Errorf("readertest: san value: %w", err)
		}
		gn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true,
			Bytes: append(oid, val...)})
		if err != nil {
			return nil, fmt.Errorf("readertest: san othername: %w", err)
		}
		seq = append(seq, gn...)
	}
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: seq})
	if err != nil {
		return nil, fmt.Errorf("readertest: san: %w", err)
	}
	return out, nil
}

func rdn(oid asn1.ObjectIdentifier, value string) pkix.RelativeDistinguishedNameSET {
	// Country is a PrintableString; the rest UTF8String like the J-LIS roots.
	if oid.Equal(oidCountry) {
		return pkix.RelativeDistinguishedNameSET{{Type: oid, Value: value}}
	}
	return pkix.RelativeDistinguishedNameSET{{Type: oid, Value: asn1.RawValue{
		Class: asn1.ClassUniversal, Tag: asn1.TagUTF8String, Bytes: []byte(value)}}}
}

func create(tmpl, parent *x509.Certificate, pub *rsa.PublicKey, key *rsa.PrivateKey) (*x509.Certificate, error) {
	if pub == nil || pub.N.BitLen() != 2048 {
		return nil, errors.New("public key is not RSA-2048")
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	// Every JPKI client sizes a certificate from a 30 82 LL LL header (§2.3).
	if len(der) < 4 || der[0] != 0x30 || der[1] != 0x82 {
		return nil, fmt.Errorf("certificate DER of %d bytes has no 30 82 header", len(der))
	}
	return x509.ParseCertificate(der)
}

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("readertest: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

const opaqueAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

func opaqueID(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("readertest: opaque id: %w", err)
	}
	for i := range b {
		b[i] = opaqueAlphabet[int(b[i])%len(opaqueAlphabet)]
	}
	return string(b), nil
}

// PEM files written by WritePEM and read by LoadCA: <dir>/<name>.crt ("CERTIFICATE") and
// <dir>/<name>.key ("PRIVATE KEY", PKCS#8, mode 0600).
func pemPaths(dir, name string) (certPath, keyPath string) {
	return filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
}

// WritePEM saves the CA as <dir>/<name>.crt and <dir>/<name>.key (mode 0600), creating dir.
func (ca *CA) WritePEM(dir, name string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("readertest: write ca: %w", err)
	}
	certPath, keyPath := pemPaths(dir, name)
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return fmt.Errorf("readertest: write ca key: %w", err)
	}
	if err := writeFileAtomic(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("readertest: write ca key: %w", err)
	}
	if err := writeFileAtomic(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o644); err != nil {
		return fmt.Errorf("readertest: write ca cert: %w", err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadCA reads a CA saved by WritePEM and checks that the key matches the certificate.
func LoadCA(dir, name string) (*CA, error) {
	certPath, keyPath := pemPaths(dir, name)
	cert, err := readPEMCert(certPath)
	if err != nil {
		return nil, fmt.Errorf("readertest: load ca: %w", err)
	}
	key, err := readPEMKey(keyPath)
	if err != nil {
		return nil, fmt.Errorf("readertest: load ca: %w", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("readertest: load ca: %s does not match %s", keyPath, certPath)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// readPEMKey reads an RSA private key (PKCS#8, PEM "PRIVATE KEY") from path.
func readPEMKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", path)
	}
	return key, nil
}

// LoadOrCreateKey reads an RSA-2048 key (PKCS#8 PEM) from path, or, when the file is
// missing, makes one and writes it there (mode 0600): a test key (such as J-LIS's for the
// four facts) that stays the same across processes. created says which.
func LoadOrCreateKey(path string) (key *rsa.PrivateKey, created bool, err error) {
	key, err = readPEMKey(path)
	if !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return nil, false, fmt.Errorf("readertest: load key: %w", err)
		}
		return key, false, nil
	}
	if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, false, fmt.Errorf("readertest: new key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, fmt.Errorf("readertest: new key: %w", err)
	}
	if err := writeFileAtomic(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, false, fmt.Errorf("readertest: write key: %w", err)
	}
	return key, true, nil
}

func readPEMCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no CERTIFICATE block", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Key returns the i-th key (i ≥ 0) of a process-wide pool of real RSA-2048 keys, generated
// on first use and then shared. Tests that need distinct keys use distinct indices; a key
// must not be mutated. Generating a key costs ~0.1–0.5 s on the build machine; the pool
// pays it once per index per test binary. Negative indices return nil.
func Key(i int) *rsa.PrivateKey {
	if i < 0 {
		return nil
	}
	keyPool.mu.Lock()
	for len(keyPool.slots) <= i {
		keyPool.slots = append(keyPool.slots, &keySlot{})
	}
	s := keyPool.slots[i]
	keyPool.mu.Unlock()
	s.once.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil { // crypto/rand does not fail on Linux; keep the invariant anyway
			panic("readertest: rsa key generation: " + err.Error())
		}
		s.key = k
	})
	return s.key
}

type keySlot struct {
	once sync.Once
	key  *rsa.PrivateKey
}

var keyPool struct {
	mu    sync.Mutex
	slots []*keySlot
}
