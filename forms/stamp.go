package forms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// JST is the zone a stamp's day is counted in (the kiosks and the counters are in Japan).
var JST = time.FixedZone("JST", 9*60*60)

// stampMagic starts every stamp: the format and its version.
const stampMagic = "MDGF1"

// Errors Verify returns, for the counter to branch on.
var (
	// ErrBadStamp: the text is not a stamp, or its signature does not verify.
	ErrBadStamp = errors.New("forms: not a valid stamp")
	// ErrStampExpired: a valid stamp from another day.
	ErrStampExpired = errors.New("forms: stamp not from today")
)

// Stamp is what the QR code on a printed form says: which form, for whom, where and
// when. Time has a resolution of one second.
type Stamp struct {
	Municipality string // 全国地方公共団体コード
	Form         string // Form.ID
	Kiosk        string // the kiosk's id
	Time         time.Time
	Facts        Facts
}

// Encode is the canonical text of s: stampMagic and the fields in a fixed order,
// separated by '|'; '%' and '|' in a value are written %25 and %7C. The time is RFC 3339
// in JST, to the second.
func (s Stamp) Encode() string {
	vals := []string{stampMagic, s.Municipality, s.Form, s.Kiosk, s.Time.In(JST).Format(time.RFC3339),
		s.Facts.Name, s.Facts.Address, s.Facts.BirthDate, s.Facts.Sex}
	for i, v := range vals {
		vals[i] = escape(v)
	}
	return strings.Join(vals, "|")
}

var escaper = strings.NewReplacer("%", "%25", "|", "%7C")

func escape(v string) string { return escaper.Replace(v) }

func unescape(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b.WriteByte(v[i])
			continue
		}
		switch {
		case strings.HasPrefix(v[i:], "%25"):
			b.WriteByte('%')
		case strings.HasPrefix(v[i:], "%7C"):
			b.WriteByte('|')
		default:
			return "", fmt.Errorf("%w: bad escape", ErrBadStamp)
		}
		i += 2
	}
	return b.String(), nil
}

// Seal signs s with key and returns the text of the QR code: Encode(s), '|', and the
// signature in unpadded base64url. ECDSA and RSA (PKCS#1 v1.5) sign the SHA-256 of the
// text; Ed25519 signs the text.
func Seal(key crypto.Signer, s Stamp) (string, error) {
	if key == nil {
		return "", errors.New("forms: seal: no key")
	}
	if err := s.Facts.Check(); err != nil {
		return "", fmt.Errorf("forms: seal: %w", err)
	}
	text := s.Encode()
	var sig []byte
	var err error
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		sig, err = key.Sign(rand.Reader, []byte(text), crypto.Hash(0))
	} else {
		sum := sha256.Sum256([]byte(text))
		sig, err = key.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	if err != nil {
		return "", fmt.Errorf("forms: seal: %w", err)
	}
	return text + "|" + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Verify checks a QR code's text with the kiosk's public key and that it was sealed on
// now's day (JST). It returns the stamp; ErrBadStamp or ErrStampExpired when it cannot
// be trusted.
func Verify(qr string, pub crypto.PublicKey, now time.Time) (Stamp, error) {
	cut := strings.LastIndexByte(qr, '|')
	if cut < 0 {
		return Stamp{}, fmt.Errorf("%w: no signature", ErrBadStamp)
	}
	text, sig64 := qr[:cut], qr[cut+1:]
	sig, err := base64.RawURLEncoding.DecodeString(sig64)
	if err != nil {
		return Stamp{}, fmt.Errorf("%w: signature encoding", ErrBadStamp)
	}
	sum := sha256.Sum256([]byte(text))
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, sum[:], sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, []byte(text), sig)
	default:
		return Stamp{}, fmt.Errorf("%w: key type %T", ErrBadStamp, pub)
	}
	if !ok {
		return Stamp{}, fmt.Errorf("%w: signature does not verify", ErrBadStamp)
	}
	parts := strings.Split(text, "|")
	if len(parts) != 9 || parts[0] != stampMagic {
		return Stamp{}, fmt.Errorf("%w: format", ErrBadStamp)
	}
	for i, p := range parts {
		if parts[i], err = unescape(p); err != nil {
			return Stamp{}, err
		}
	}
	t, err := time.Parse(time.RFC3339, parts[4])
	if err != nil {
		return Stamp{}, fmt.Errorf("%w: time", ErrBadStamp)
	}
	s := Stamp{Municipality: parts[1], Form: parts[2], Kiosk: parts[3], Time: t,
		Facts: Facts{Name: parts[5], Address: parts[6], BirthDate: parts[7], Sex: parts[8]}}
	day := func(t time.Time) string { return t.In(JST).Format(time.DateOnly) }
	if day(t) != day(now) {
		return s, fmt.Errorf("%w: sealed %s", ErrStampExpired, day(t))
	}
	return s, nil
}
