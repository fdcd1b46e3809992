package reader

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
)

// PIN names one of the card's secrets that the kiosk may present or count.
type PIN uint8

// The PINs the kiosk knows. 照合番号A (the My Number itself) is deliberately not one of them.
const (
	AuthPIN PIN = iota + 1 // 利用者証明用暗証番号, 4 digits, 3 tries
	SignPIN                // 署名用パスワード, 6–16 of A–Z 0–9, 5 tries
	TextPIN                // 券面事項入力補助用暗証番号, 4 digits
)

func (p PIN) String() string {
	switch p {
	case AuthPIN:
		return "authentication pin"
	case SignPIN:
		return "signature password"
	case TextPIN:
		return "text-ap pin"
	}
	return fmt.Sprintf("pin(%d)", uint8(p))
}

func (p PIN) file() (app, uint16, bool) {
	switch p {
	case AuthPIN:
		return appJPKI, FIDAuthPIN, true
	case SignPIN:
		return appJPKI, FIDSignPIN, true
	case TextPIN:
		return appText, FIDTextPIN, true
	}
	return appNone, 0, false
}

// Key names a private key of the JPKI AP.
type Key uint8

// The two JPKI keys.
const (
	AuthKey Key = iota + 1 // 利用者証明用, unlocked by AuthPIN
	SignKey                // 署名用, unlocked by SignPIN
)

func (k Key) String() string {
	switch k {
	case AuthKey:
		return "authentication key"
	case SignKey:
		return "signature key"
	}
	return fmt.Sprintf("key(%d)", uint8(k))
}

// Card is a session with one My Number Card. It speaks only through the allow-list, keeps
// track of the selected application and file to avoid redundant SELECTs, and is not safe
// for concurrent use (a card does one thing at a time).
type Card struct {
	g   guard
	ext extSupport // extended-length APDUs through this reader to this card
}

// extSupport is what a session learnt about extended-length APDUs.
type extSupport int8

const (
	extUnknown extSupport = iota
	extYes
	extNo
)

// ExtendedLength reports whether extended-length APDUs reach the card through this reader:
// known is false until a file longer than one short read was read.
func (c *Card) ExtendedLength() (supported, known bool) {
	return c.ext == extYes, c.ext != extUnknown
}

// New starts a session over t. The card's state is unknown: the first operation selects.
func New(t Transport) *Card { return &Card{g: guard{t: t}} }

// Stats reports the traffic of the session so far.
func (c *Card) Stats() Stats { return c.g.stats }

func (c *Card) selectApp(ctx context.Context, a app) error {
	aid := AIDJPKI
	if a == appText {
		aid = AIDText
	}
	r, err := c.g.transmit(ctx, Command{CLA: 0x00, INS: INSSelect, P1: 0x04, P2: 0x0C, Data: aid})
	if err != nil {
		return fmt.Errorf("select %s application: %w", a, err)
	}
	switch r.SW {
	case SWOK:
		return nil
	case SWFileNotFound, SWIncorrectP1P2, SWFuncNotSupported:
		if a == appJPKI {
			return fmt.Errorf("select jpki application: %w", ErrNotJPKI)
		}
	}
	return &StatusError{Op: "select " + a.String() + " application", SW: r.SW}
}

func (c *Card) selectEF(ctx context.Context, a app, fid uint16) error {
	if c.g.selected(a, fid) {
		return nil
	}
	if c.g.app != a {
		if err := c.selectApp(ctx, a); err != nil {
			return err
		}
	}
	r, err := c.g.transmit(ctx, Command{CLA: 0x00, INS: INSSelect, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}})
	if err != nil {
		return fmt.Errorf("select file %04X: %w", fid, err)
	}
	if !r.SW.OK() {
		return &StatusError{Op: fmt.Sprintf("select file %04X", fid), SW: r.SW}
	}
	return nil
}

// readBinary reads up to n bytes at offset of the selected file. It follows 6Cxx (wrong
// Le, exact length given) once, and accepts 6282 (end of file) with the data returned.
func (c *Card) readBinary(ctx context.Context, off, n int) ([]byte, StatusWord, error) {
	if off > 0x7FFF {
		return nil, 0, fmt.Errorf("%w: offset %d beyond short addressing", ErrBadCard, off)
	}
	cmd := Command{CLA: 0x00, INS: INSReadBinary, P1: byte(off >> 8), P2: byte(off), Ne: n}
	for range 2 {
		r, err := c.g.transmit(ctx, cmd)
		if err != nil {
			return nil, 0, fmt.Errorf("read binary at %d: %w", off, err)
		}
		if r.SW.SW1() == 0x6C {
			cmd.Ne = shortNe(r.SW.SW2())
			continue
		}
		if r.SW.OK() || r.SW == SWEndOfFile {
			if len(r.Data) > n {
				return nil, 0, fmt.Errorf("%w: read binary returned %d bytes for Le %d", ErrBadCard, len(r.Data), n)
			}
			return bytes.Clone(r.Data), r.SW, nil
		}
		return nil, r.SW, &StatusError{Op: fmt.Sprintf("read binary at %d", off), SW: r.SW}
	}
	return nil, 0, fmt.Errorf("%w: card repeated 6Cxx", ErrBadCard)
}

// maxFileSize bounds a file read from the card; certificates are about 1–2.5 KB. It is
// also the longest extended READ BINARY the allow-list lets through.
const maxFileSize = 8192

// readElement reads a file that holds one BER/DER element (a certificate, a TLV record),
// sized from its own header: one READ BINARY of up to 256 bytes at offset 0 both gives the
// header and the first chunk. The rest comes in one extended-length READ BINARY of its
// exact length, where the reader and the card take extended APDUs; otherwise in exact
// short chunks (⌈N/256⌉ reads for an N-byte file, one fewer than the clients that probe
// the header first). Whether extended length works is learnt from the answer to the
// first extended read of the session — a reader that refuses it (ErrNoExtendedLength
// from the transport) or a card that answers it with an error status — and the session
// then stays with short APDUs; that costs one APDU once.
func (c *Card) readElement(ctx context.Context, a app, fid uint16) ([]byte, error) {
	if err := c.selectEF(ctx, a, fid); err != nil {
		return nil, err
	}
	first, sw, err := c.readBinary(ctx, 0, MaxShortNe)
	var se *StatusError
	if errors.As(err, &se) && (se.SW == SWWrongLength || se.SW == SWWrongP1P2) {
		// A card that refuses Le beyond the file's end: probe the header, as OpenSC does.
		first, sw, err = c.readBinary(ctx, 0, 4)
	}
	if err != nil {
		return nil, err
	}
	total, err := ElementLength(first)
	if err != nil {
		return nil, fmt.Errorf("file %04X: %w", fid, err)
	}
	if total > maxFileSize {
		return nil, fmt.Errorf("%w: file %04X claims %d bytes", ErrBadCard, fid, total)
	}
	if len(first) >= total {
		return first[:total], nil
	}
	if sw == SWEndOfFile {
		return nil, fmt.Errorf("%w: file %04X ends at %d of %d bytes", ErrBadCard, fid, len(first), total)
	}
	out := make([]byte, 0, total)
	out = append(out, first...)
	if c.ext != extNo && total-len(out) > MaxShortNe {
		rest, _, err := c.readBinary(ctx, len(out), total-len(out))
		var se *StatusError
		switch {
		case err == nil && len(rest) > 0:
			c.ext = extYes
			out = append(out, rest...)
		case err == nil, errors.Is(err, ErrNoExtendedLength), errors.As(err, &se):
			c.ext = extNo // short APDUs from now on; the file may need selecting again
			if err := c.selectEF(ctx, a, fid); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("file %04X: %w", fid, err)
		}
	}
	for len(out) < total {
		n := min(MaxShortNe, total-len(out))
		if c.ext == extYes {
			n = total - len(out) // a reader that cut an extended answer short: the rest
		}
		chunk, _, err := c.readBinary(ctx, len(out), n)
		if err != nil {
			return nil, fmt.Errorf("file %04X: %w", fid, err)
		}
		if len(chunk) == 0 {
			return nil, fmt.Errorf("%w: file %04X ends at %d of %d bytes", ErrBadCard, fid, len(out), total)
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// Device is what answered as the JPKI AP: the plastic card or a phone carrying the
// スマホ用電子証明書. The kiosk's flow differs by device (see the constants).
type Device uint8

// The devices the kiosk accepts.
const (
	DeviceNone Device = iota
	// DeviceCard is a My Number Card: the authentication certificate is free to read,
	// the 4-digit PIN unlocks the key.
	DeviceCard
	// DeviceAndroid is an Android phone's スマホ用電子証明書 (token JPKIAPGPSETOKEN): the
	// authentication certificate can be read only after the phone's own 4-digit PIN was
	// verified (jpki/myna verifies before reading it; jpki/myna issue #6); it has no 券面
	// APs.
	DeviceAndroid
	// DeviceIPhone is an iPhone's My Number Card (iOS 18.5+, since 24 June 2025): the
	// resident authorises it on the phone with Face ID or Touch ID and enters no PIN at
	// the terminal (public reports of the service). How it answers a PC/SC reader is
	// not published: its token (TokenIPhone) has one unconfirmed source, and which
	// commands it answers is unknown. The kiosk sends it no VERIFY, so no try can be
	// spent; whatever it refuses ends in a screen that says so.
	DeviceIPhone
)

func (d Device) String() string {
	switch d {
	case DeviceCard:
		return "card"
	case DeviceAndroid:
		return "android"
	case DeviceIPhone:
		return "iphone"
	}
	return "none"
}

// Phone reports whether d is a smartphone rather than the plastic card.
func (d Device) Phone() bool { return d == DeviceAndroid || d == DeviceIPhone }

// Identify selects the JPKI AP and checks the token file: it answers the device for a
// My Number Card or a phone carrying its certificates, ErrNotJPKI for any card without
// the JPKI AP or with an unknown token, and ErrJukiCard for an old 住基カード.
func (c *Card) Identify(ctx context.Context) (Device, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return DeviceNone, err
	}
	return checkToken(tok)
}

func checkToken(tok string) (Device, error) {
	switch tok {
	case TokenMyNumberCard:
		return DeviceCard, nil
	case TokenSmartphone:
		return DeviceAndroid, nil
	case TokenIPhone:
		return DeviceIPhone, nil
	case TokenJukiCard:
		return DeviceNone, ErrJukiCard
	}
	return DeviceNone, fmt.Errorf("%w: token %q", ErrNotJPKI, tok)
}

// Token reads EF 0006 of the JPKI AP, trimmed of padding.
func (c *Card) Token(ctx context.Context) (string, error) {
	if err := c.selectEF(ctx, appJPKI, FIDToken); err != nil {
		return "", err
	}
	b, _, err := c.readBinary(ctx, 0, 32)
	if err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	return string(bytes.TrimRight(b, " \x00")), nil
}

func (c *Card) certificate(ctx context.Context, fid uint16, what string) (*x509.Certificate, error) {
	der, err := c.readElement(ctx, appJPKI, fid)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadCard, what, err)
	}
	return cert, nil
}

// AuthCertificate reads the user-authentication certificate: free to read on a card; a
// phone refuses it (ErrPINRequired) until its PIN was verified in this session.
func (c *Card) AuthCertificate(ctx context.Context) (*x509.Certificate, error) {
	cert, err := c.certificate(ctx, FIDAuthCert, "authentication certificate")
	var se *StatusError
	if errors.As(err, &se) && se.SW == SWSecurityNotSatisfied {
		return nil, fmt.Errorf("read authentication certificate: %w", ErrPINRequired)
	}
	return cert, err
}

// AuthCACertificate reads the CA certificate that issued the authentication certificate.
func (c *Card) AuthCACertificate(ctx context.Context) (*x509.Certificate, error) {
	return c.certificate(ctx, FIDAuthCACert, "authentication ca certificate")
}

// SignCertificate reads the signing certificate; the card refuses it until the signature
// password was verified in this session (ErrPINRequired).
func (c *Card) SignCertificate(ctx context.Context) (*x509.Certificate, error) {
	cert, err := c.certificate(ctx, FIDSignCert, "signature certificate")
	var se *StatusError
	if errors.As(err, &se) && se.SW == SWSecurityNotSatisfied {
		return nil, fmt.Errorf("read signature certificate: %w", ErrPINRequired)
	}
	return cert, err
}

// SignCACertificate reads the CA certificate of the signing certificate.
func (c *Card) SignCACertificate(ctx context.Context) (*x509.Certificate, error) {
	return c.certificate(ctx, FIDSignCACert, "signature ca certificate")
}

// Tries reads how many tries of pin are left WITHOUT spending one: it selects the PIN file
// and sends VERIFY with no data, which the card answers with 63 Cx. A blocked PIN reads as
// 0 whichever way the card says it (63 C0 or 69 84).
func (c *Card) Tries(ctx context.Context, pin PIN) (int, error) {
	a, fid, ok := pin.file()
	if !ok {
		return 0, fmt.Errorf("tries: unknown %s", pin)
	}
	if err := c.selectEF(ctx, a, fid); err != nil {
		return 0, fmt.Errorf("tries of %s: %w", pin, err)
	}
	r, err := c.g.transmit(ctx, Command{CLA: 0x00, INS: INSVerify, P1: 0x00, P2: 0x80})
	if err != nil {
		return 0, fmt.Errorf("tries of %s: %w", pin, err)
	}
	if n, ok := r.SW.Tries(); ok {
		return n, nil
	}
	switch r.SW {
	case SWPINBlocked, SWAuthBlocked:
		return 0, nil
	case SWRefDataNotFound, SWConditionsNotSatisfied:
		// No PIN to count: what a card issued without a PIN (顔認証マイナンバーカード) may
		// answer. ASSUMED: no public source shows its answer (see ErrPINNotSet).
		return 0, fmt.Errorf("tries of %s: %w (card answered %s)", pin, ErrPINNotSet, r.SW.String())
	}
	return 0, &StatusError{Op: "tries of " + pin.String(), SW: r.SW}
}

// CheckPINFormat says whether secret has the form the card expects for pin, so that a
// mistyped entry never reaches the card and never costs a try.
func CheckPINFormat(pin PIN, secret []byte) error {
	switch pin {
	case AuthPIN, TextPIN:
		if len(secret) != 4 {
			return fmt.Errorf("%w: %s needs 4 digits", ErrPINFormat, pin)
		}
		for _, b := range secret {
			if b < '0' || b > '9' {
				return fmt.Errorf("%w: %s needs 4 digits", ErrPINFormat, pin)
			}
		}
	case SignPIN:
		if len(secret) < 6 || len(secret) > 16 {
			return fmt.Errorf("%w: %s needs 6 to 16 characters", ErrPINFormat, pin)
		}
		for _, b := range secret {
			if !(b >= '0' && b <= '9' || b >= 'A' && b <= 'Z') {
				return fmt.Errorf("%w: %s allows only A-Z and 0-9", ErrPINFormat, pin)
			}
		}
	default:
		return fmt.Errorf("%w: unknown %s", ErrPINFormat, pin)
	}
	return nil
}

// Verify presents secret for pin. It spends a try only when the card rejects it: callers
// call it once per resident's OK, never in a loop. The APDU buffer is zeroed after sending;
// secret belongs to the caller, who zeroes it. The signature password is sent upper-cased,
// as every client does.
func (c *Card) Verify(ctx context.Context, pin PIN, secret []byte) error {
	data := bytes.Clone(secret)
	defer clear(data)
	if pin == SignPIN {
		for i, b := range data {
			if b >= 'a' && b <= 'z' {
				data[i] = b - 'a' + 'A'
			}
		}
	}
	if err := CheckPINFormat(pin, data); err != nil {
		return err
	}
	a, fid, _ := pin.file()
	if err := c.selectEF(ctx, a, fid); err != nil {
		return fmt.Errorf("verify %s: %w", pin, err)
	}
	r, err := c.g.transmit(ctx, Command{CLA: 0x00, INS: INSVerify, P1: 0x00, P2: 0x80, Data: data})
	if err != nil {
		return fmt.Errorf("verify %s: %w", pin, err)
	}
	if n, ok := r.SW.Tries(); ok {
		return &WrongPINError{PIN: pin, Left: n}
	}
	switch r.SW {
	case SWOK:
		return nil
	case SWPINBlocked, SWAuthBlocked:
		return fmt.Errorf("verify %s: %w", pin, ErrPINBlocked)
	case SWRefDataNotFound, SWConditionsNotSatisfied:
		return fmt.Errorf("verify %s: %w (card answered %s)", pin, ErrPINNotSet, r.SW.String())
	}
	return &StatusError{Op: "verify " + pin.String(), SW: r.SW}
}

// MaxDigestInfo is the most a PKCS#1 v1.5 RSA-2048 signature can carry (k − 11).
const MaxDigestInfo = 245

// Sign has the card sign digestInfo (a DER DigestInfo, see DigestInfo) with key. The card
// applies PKCS#1 v1.5 type-1 padding; the matching PIN must have been verified in this
// session, else ErrPINRequired.
func (c *Card) Sign(ctx context.Context, key Key, digestInfo []byte) ([]byte, error) {
	var fid uint16
	switch key {
	case AuthKey:
		fid = FIDAuthKey
	case SignKey:
		fid = FIDSignKey
	default:
		return nil, fmt.Errorf("sign: unknown %s", key)
	}
	if len(digestInfo) == 0 || len(digestInfo) > MaxDigestInfo {
		return nil, fmt.Errorf("sign: digest info of %d bytes, want 1..%d", len(digestInfo), MaxDigestInfo)
	}
	if err := c.selectEF(ctx, appJPKI, fid); err != nil {
		return nil, fmt.Errorf("sign with %s: %w", key, err)
	}
	r, err := c.g.transmit(ctx, Command{CLA: 0x80, INS: INSSign, P1: 0x00, P2: 0x80, Data: digestInfo, Ne: MaxShortNe})
	if err != nil {
		return nil, fmt.Errorf("sign with %s: %w", key, err)
	}
	switch {
	case r.SW == SWSecurityNotSatisfied:
		return nil, fmt.Errorf("sign with %s: %w", key, ErrPINRequired)
	case !r.SW.OK():
		return nil, &StatusError{Op: "sign with " + key.String(), SW: r.SW}
	case len(r.Data) != 256:
		return nil, fmt.Errorf("%w: signature of %d bytes, want 256", ErrBadCard, len(r.Data))
	}
	return bytes.Clone(r.Data), nil
}

// Logout drops the verified state of every PIN by selecting the JPKI AP again.
func (c *Card) Logout(ctx context.Context) error {
	c.g.forget()
	if err := c.selectApp(ctx, appJPKI); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
