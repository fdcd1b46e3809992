package readertest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"madoguchi/reader"
)

// ATRs the card can present (jpki-protocol.md §5.1).
var (
	// ATRMyNumber is a real contact My Number Card ATR; OpenSC binds it by SELECT AID.
	ATRMyNumber = mustHex("3BDA13FF8131FB468012392F31C173C601C03B")
	// ATRJINC is the ATR Debian's pcsc-tools list names "Japanese JPKI card (aka JINC
	// card)"; it offers T=0 first (TD1 = 80), then T=1. QEMU's usb-ccid reader supports
	// only T=0, so a card behind it needs an ATR like this one: with ATRMyNumber (T=1
	// only) the guest's pcscd refuses to connect ("Protocol T=1 not supported by reader").
	ATRJINC = mustHex("3B888001000005E0B381A1007F")
	// ATRJuki is the one ATR in OpenSC's jpki table (old 住基カード), the fast ATR path.
	ATRJuki = mustHex("3BE000FF8131FE4514")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err) // constant input
	}
	return b
}

// PINRef names one PIN of the card.
type PINRef int

// The PINs the card holds. The visual and 住基 APs have no PINs here.
const (
	PINAuth  PINRef = iota // JPKI EF 0018, 4 digits, 3 tries
	PINSign                // JPKI EF 001B, 6–16 of A–Z 0–9, 5 tries
	PINText                // text AP EF 0011, 4 digits, 3 tries
	PINTextA               // text AP EF 0014, 照合番号A = the My Number
	PINTextB               // text AP EF 0015, 照合番号B = YYMMDD + expiry year + security code
	numPINs
)

func (p PINRef) String() string {
	switch p {
	case PINAuth:
		return "auth PIN"
	case PINSign:
		return "sign PIN"
	case PINText:
		return "text PIN"
	case PINTextA:
		return "照合番号A"
	case PINTextB:
		return "照合番号B"
	}
	return fmt.Sprintf("PINRef(%d)", int(p))
}

// PKI is the pair of test roots a card's certificates chain to.
type PKI struct {
	Auth, Sign *CA
}

var defaultPKI struct {
	once sync.Once
	pki  *PKI
	err  error
}

// DefaultPKI is a process-wide test PKI (roots valid from yesterday for ten years, keys from
// the Key pool at indices 1100 and 1101), used by cards whose Options leave PKI nil.
func DefaultPKI() (*PKI, error) {
	defaultPKI.once.Do(func() {
		now := time.Now()
		a, err := newCAWithKey(now, ouAuth, Key(1100))
		if err != nil {
			defaultPKI.err = err
			return
		}
		s, err := newCAWithKey(now, ouSign, Key(1101))
		if err != nil {
			defaultPKI.err = err
			return
		}
		defaultPKI.pki = &PKI{Auth: a, Sign: s}
	})
	return defaultPKI.pki, defaultPKI.err
}

// Options configure a Card. The zero value gives a healthy My Number Card with default
// secrets, fresh counters, certificates valid now, and the default PKI.
type Options struct {
	// Device is what the virtual card is (see device.go): the plastic card (zero), an
	// Android phone or an iPhone. The token and ATR defaults follow it.
	Device reader.Device
	// PhoneApproved: an iPhone the resident has already authorised with Face ID
	// (Approve does the same later). ASSUMED model, see device.go.
	PhoneApproved bool
	// NoPIN makes a 顔認証マイナンバーカード: issued without PINs and without the
	// signature certificate (both facts); NoPINSW is its answer to VERIFY on the
	// authentication PIN, empty or not (ASSUMED, default 6A88), and no try is spent.
	NoPIN   bool
	NoPINSW reader.StatusWord

	ATR   []byte // default ATRMyNumber (ATRPhone for a phone)
	Token string // EF 0006, space-padded to 32 bytes; default by Device, reader.TokenMyNumberCard for the card

	AuthPIN string // default "1234"
	SignPIN string // default "ABC123" (the card compares exactly; clients upper-case)
	TextPIN string // default: AuthPIN

	// Max tries per PIN; zero → 3 (auth, text, A, B) and 5 (sign). Use SetTriesLeft for a
	// card that starts with fewer tries left or blocked.
	AuthTries, SignTries, TextTries int

	// BlockedEmptyVerifySW is the answer to an empty VERIFY on a blocked PIN. Zero → 63 C0
	// (OpenSC keeps binding); reader.SWPINBlocked (69 84) reproduces the worst case (§5.3 item 7).
	BlockedEmptyVerifySW reader.StatusWord

	// SignPINPerSignature makes the sign key need a fresh VERIFY of the sign PIN before every
	// signature (an open question, §11 item 3). Default false: verified until reset/re-SELECT.
	SignPINPerSignature bool
	// AuthPINPerSignature is the same for the authentication key: a card that keeps no
	// verification past one signature (how the kiosk's "another certificate" copes with
	// such a card is tested with it). Default false.
	AuthPINPerSignature bool

	// ExtendedAPDUs lets the card serve extended-length commands; default false: 67 00.
	ExtendedAPDUs bool

	Holder       Holder // default DefaultHolder
	MyNumber     string // 12 digits; default "123456789018"
	SecurityCode string // 4 digits for 照合番号B; default "1234"
	ExpiryYear   string // card expiry year for 照合番号B; default "2036"

	PKI     *PKI            // default DefaultPKI()
	AuthKey *rsa.PrivateKey // default Key(1000)
	SignKey *rsa.PrivateKey // default Key(1001)
	TextKey *rsa.PrivateKey // signs EF 0003 (DF33); default Key(1002)
	JLISKey *rsa.PrivateKey // signs the CV certificate in EF 0004; default Key(1003)

	// Validity of the issued user certificates; zero → Now−1h .. Now+5y. Put NotAfter in the
	// past for an expired card, NotBefore in the future for a not-yet-valid one.
	Now                 time.Time // default time.Now()
	NotBefore, NotAfter time.Time

	// AuthCert / SignCert replace the issued certificates (they must match the keys).
	AuthCert, SignCert *x509.Certificate

	// MaxLog bounds the APDU log (oldest entries dropped); zero → unbounded (tests).
	MaxLog int

	Delay     time.Duration // added to every command
	SignDelay time.Duration // added to every signature (RSA on a real chip takes time)
}

// Card is a virtual My Number Card: the JPKI AP, the 券面事項入力補助AP and the bare
// 券面AP/住基AP, behaving as in jpki-protocol.md §9. It is safe for concurrent use; commands
// are processed one at a time like on a real card.
type Card struct {
	mu sync.Mutex

	atr    []byte
	opts   Options
	holder Holder

	authKey, signKey, textKey, jlisKey *rsa.PrivateKey
	authCert, signCert                 *x509.Certificate
	pki                                *PKI

	pins     [numPINs]pinState
	files    map[app]map[uint16]*efile
	myNumber string

	// Volatile (reset) state.
	cur      app
	curEF    *efile
	verified [numPINs]bool

	// Presence and fault injection.
	removed  bool
	presence chan struct{} // closed and replaced on every insert/remove
	faults   []*faultState

	approved bool // an iPhone authorised with Face ID (survives resets: it is the phone's state)

	// Observation.
	log         []LogEntry
	myNumberHit int
}

type pinState struct {
	value string
	max   int
	left  int
}

type app int

const (
	apNone app = iota
	apJPKI
	apText
	apVisual
	apJuki
)

func (a app) String() string {
	return [...]string{"-", "JPKI", "text", "visual", "juki"}[a]
}

type efKind int

const (
	efData efKind = iota
	efPIN
	efKey
)

type efile struct {
	fid  uint16
	kind efKind
	data []byte
	pin  PINRef          // efPIN: which PIN; efKey: the PIN that unlocks it
	read []PINRef        // efData: any of these verified opens it; empty = free
	key  *rsa.PrivateKey // efKey
}

var _ reader.Transport = (*Card)(nil)

// NewCard builds a card from opts; it issues the certificates and builds the text-AP data.
func NewCard(opts Options) (*Card, error) {
	c := &Card{opts: opts, presence: make(chan struct{})}
	c.atr = append([]byte(nil), opts.ATR...)
	if len(c.atr) == 0 {
		c.atr = append([]byte(nil), ATRMyNumber...)
		if opts.Device.Phone() {
			c.atr = append([]byte(nil), ATRPhone...)
		}
	}
	c.approved = opts.PhoneApproved
	if opts.Now.IsZero() {
		c.opts.Now = time.Now()
	}
	now := c.opts.Now
	c.holder = opts.Holder
	if c.holder == (Holder{}) {
		c.holder = DefaultHolder
	}
	if err := c.holder.Validate(); err != nil {
		return nil, err
	}
	c.myNumber = opts.MyNumber
	if c.myNumber == "" {
		c.myNumber = "123456789018"
	}
	if !digits(c.myNumber, 12) {
		return nil, fmt.Errorf("readertest: new card: my number must be 12 digits")
	}
	code := orDefault(opts.SecurityCode, "1234")
	expiry := orDefault(opts.ExpiryYear, "2036")
	if !digits(code, 4) || !digits(expiry, 4) {
		return nil, fmt.Errorf("readertest: new card: security code and expiry year must be 4 digits")
	}
	authPIN := orDefault(opts.AuthPIN, "1234")
	c.pins[PINAuth] = newPIN(authPIN, opts.AuthTries, reader.MaxAuthPINTries)
	c.pins[PINSign] = newPIN(orDefault(opts.SignPIN, "ABC123"), opts.SignTries, reader.MaxSignPINTries)
	c.pins[PINText] = newPIN(orDefault(opts.TextPIN, authPIN), opts.TextTries, 3)
	c.pins[PINTextA] = newPIN(c.myNumber, 0, 3)
	c.pins[PINTextB] = newPIN(c.holder.BirthDate[2:]+expiry+code, 0, 3)

	c.authKey = keyOr(opts.AuthKey, 1000)
	c.signKey = keyOr(opts.SignKey, 1001)
	c.textKey = keyOr(opts.TextKey, 1002)
	c.jlisKey = keyOr(opts.JLISKey, 1003)

	c.pki = opts.PKI
	if c.pki == nil {
		p, err := DefaultPKI()
		if err != nil {
			return nil, err
		}
		c.pki = p
	}
	nb, na := opts.NotBefore, opts.NotAfter
	if nb.IsZero() {
		nb = now.Add(-time.Hour)
	}
	if na.IsZero() {
		na = now.AddDate(5, 0, 0)
	}
	var err error
	if c.authCert = opts.AuthCert; c.authCert == nil {
		if c.authCert, err = c.pki.Auth.IssueAuth(&c.authKey.PublicKey, nb, na); err != nil {
			return nil, err
		}
	}
	if c.signCert = opts.SignCert; c.signCert == nil {
		if c.signCert, err = c.pki.Sign.IssueSign(&c.signKey.PublicKey, c.holder, nb, na); err != nil {
			return nil, err
		}
	}
	if !c.authKey.PublicKey.Equal(c.authCert.PublicKey) || !c.signKey.PublicKey.Equal(c.signCert.PublicKey) {
		return nil, errors.New("readertest: new card: certificate does not match its key")
	}
	token := orDefault(opts.Token, defaultToken(opts.Device))
	if len(token) > 32 {
		return nil, errors.New("readertest: new card: token longer than 32 bytes")
	}
	text, err := buildTextAP(c.myNumber, c.holder, c.textKey, c.jlisKey)
	if err != nil {
		return nil, err
	}
	c.files = map[app]map[uint16]*efile{
		apJPKI: fileMap(
			&efile{fid: reader.FIDSignCert, data: c.signCert.Raw, read: []PINRef{PINSign}},
			&efile{fid: reader.FIDSignCACert, data: c.pki.Sign.Cert.Raw},
			&efile{fid: reader.FIDToken, data: []byte(fmt.Sprintf("%-32s", token))},
			&efile{fid: reader.FIDAuthCert, data: c.authCert.Raw},
			&efile{fid: reader.FIDAuthCACert, data: c.pki.Auth.Cert.Raw},
			&efile{fid: reader.FIDAuthKey, kind: efKey, pin: PINAuth, key: c.authKey},
			&efile{fid: reader.FIDAuthPIN, kind: efPIN, pin: PINAuth},
			&efile{fid: reader.FIDSignKey, kind: efKey, pin: PINSign, key: c.signKey},
			&efile{fid: reader.FIDSignPIN, kind: efPIN, pin: PINSign},
		),
		apText: fileMap(
			&efile{fid: reader.FIDTextMyNumber, data: text.myNumber, read: []PINRef{PINText, PINTextA}},
			&efile{fid: reader.FIDTextAttrs, data: text.attrs, read: []PINRef{PINText, PINTextB}},
			&efile{fid: reader.FIDTextSignature, data: text.signature, read: []PINRef{PINText}},
			&efile{fid: reader.FIDTextCert, data: text.cert},
			&efile{fid: reader.FIDTextBasicInfo, data: text.basicInfo},
			&efile{fid: reader.FIDTextPIN, kind: efPIN, pin: PINText},
			&efile{fid: reader.FIDTextPINA, kind: efPIN, pin: PINTextA},
			&efile{fid: reader.FIDTextPINB, kind: efPIN, pin: PINTextB},
		),
		apVisual: {},
		apJuki:   {},
	}
	c.shape()
	return c, nil
}

func newPIN(v string, max, def int) pinState {
	if max <= 0 {
		max = def
	}
	return pinState{value: v, max: max, left: max}
}

func keyOr(k *rsa.PrivateKey, i int) *rsa.PrivateKey {
	if k != nil {
		return k
	}
	return Key(i)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func fileMap(fs ...*efile) map[uint16]*efile {
	m := make(map[uint16]*efile, len(fs))
	for _, f := range fs {
		m[f.fid] = f
	}
	return m
}

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// AuthCert, SignCert: the card's certificates. AuthCA/SignCA: their roots.
func (c *Card) AuthCert() *x509.Certificate { return c.authCert }
func (c *Card) SignCert() *x509.Certificate { return c.signCert }
func (c *Card) PKI() *PKI                   { return c.pki }

// Holder returns the facts written in the text AP and the sign certificate.
func (c *Card) Holder() Holder { return c.holder }

// MyNumber returns the card's My Number, so that tests can assert it never leaks.
func (c *Card) MyNumber() string { return c.myNumber }

// TextAPPublicKey is the key that signs EF 0003 (DF33); JLISPublicKey signs EF 0004's
// card-verifiable certificate, which carries TextAPPublicKey. A client trusting only
// JLISPublicKey can verify the 4 info.
func (c *Card) TextAPPublicKey() *rsa.PublicKey { return &c.textKey.PublicKey }
func (c *Card) JLISPublicKey() *rsa.PublicKey   { return &c.jlisKey.PublicKey }

// TriesLeft reads a PIN counter without touching the card's protocol state.
func (c *Card) TriesLeft(p PINRef) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p < 0 || p >= numPINs {
		return 0
	}
	return c.pins[p].left
}

// SetTriesLeft sets a PIN counter (0 = blocked), clamped to 0..max.
func (c *Card) SetTriesLeft(p PINRef, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p < 0 || p >= numPINs {
		return
	}
	c.pins[p].left = max(0, min(n, c.pins[p].max))
}

// PIN returns a PIN's current value (it changes with CHANGE REFERENCE DATA).
func (c *Card) PIN(p PINRef) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p < 0 || p >= numPINs {
		return ""
	}
	return c.pins[p].value
}

// Verified reports whether a PIN is verified in the current session.
func (c *Card) Verified(p PINRef) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return p >= 0 && p < numPINs && c.verified[p]
}

// Reset is a power-on / warm reset: no AP selected, no EF, no PIN verified. Counters and
// PIN values persist.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
}

func (c *Card) resetLocked() {
	c.cur, c.curEF = apNone, nil
	c.verified = [numPINs]bool{}
}

// LogEntry is one command the card received and what it answered. Resp is nil when the card
// was removed before answering.
type LogEntry struct {
	Cmd  []byte
	Resp []byte
	AP   string // the AP selected when the command arrived ("-", "JPKI", "text", ...)
}

// SW returns the status word of the answer (0 when there was none).
func (e LogEntry) SW() reader.StatusWord {
	if len(e.Resp) < 2 {
		return 0
	}
	return reader.StatusWord(uint16(e.Resp[len(e.Resp)-2])<<8 | uint16(e.Resp[len(e.Resp)-1]))
}

// String renders the entry with PIN data masked.
func (e LogEntry) String() string {
	cmd := e.Cmd
	if len(cmd) > 5 && (cmd[1] == reader.INSVerify || cmd[1] == reader.INSChangeRef) {
		cmd = append(append([]byte(nil), cmd[:5]...), bytes.Repeat([]byte{0xFF}, len(cmd)-5)...)
		return fmt.Sprintf("[%s] %X (pin masked) -> %X", e.AP, cmd, e.Resp)
	}
	return fmt.Sprintf("[%s] %X -> %X", e.AP, cmd, e.Resp)
}

// Log returns a copy of every command received since NewCard or ClearLog.
func (c *Card) Log() []LogEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]LogEntry, len(c.log))
	copy(out, c.log)
	return out
}

// LastLog returns the most recent log entry.
func (c *Card) LastLog() (LogEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log) == 0 {
		return LogEntry{}, false
	}
	return c.log[len(c.log)-1], true
}

// ClearLog forgets the log and the traffic counters (not MyNumberAccesses).
func (c *Card) ClearLog() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = nil
}

// Stats sums the log: commands, bytes to the card, bytes from the card.
type Stats struct {
	Commands, BytesIn, BytesOut int
}

// Stats returns traffic since NewCard or ClearLog.
func (c *Card) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s Stats
	for _, e := range c.log {
		s.Commands++
		s.BytesIn += len(e.Cmd)
		s.BytesOut += len(e.Resp)
	}
	return s
}

// MyNumberAccesses counts every command that touched the My Number: SELECT of EF 0001 in
// the text AP (answered or not) and every VERIFY or CHANGE on 照合番号A (EF 0014). The
// kiosk's tests assert it stays 0. ClearLog does not reset it.
func (c *Card) MyNumberAccesses() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.myNumberHit
}

// Removed reports whether the card is out of the reader.
func (c *Card) Removed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removed
}

// Remove takes the card out: Transmit fails with reader.ErrCardRemoved and ServeVPCD closes
// its connection until Insert.
func (c *Card) Remove() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setRemovedLocked(true)
}

// Insert puts the card back (a power-on reset).
func (c *Card) Insert() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resetLocked()
	c.setRemovedLocked(false)
}

func (c *Card) setRemovedLocked(r bool) {
	if c.removed == r {
		return
	}
	c.removed = r
	close(c.presence)
	c.presence = make(chan struct{})
}

// Presence returns a channel that is closed at the next insert or remove, and whether the
// card is removed now: a reader double (VPCD, package vscard) waits on it to follow
// Remove, Insert and FaultRemove.
func (c *Card) Presence() (changed <-chan struct{}, removed bool) { return c.presenceChanged() }

// presenceChanged returns a channel closed at the next insert/remove, and the state now.
func (c *Card) presenceChanged() (<-chan struct{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.presence, c.removed
}

// Transmit is the in-process transport (reader.Transport): it runs one command APDU. When
// the card is (or becomes) removed it returns an error wrapping reader.ErrCardRemoved.
func (c *Card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, delay, ok := c.process(cmd)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	if !ok {
		return nil, fmt.Errorf("readertest: transmit: %w", reader.ErrCardRemoved)
	}
	return resp, nil
}

// Handle runs one command APDU and returns the raw response APDU, after the configured
// delay. It returns nil when the card is (or becomes) removed.
func (c *Card) Handle(cmd []byte) []byte {
	resp, delay, ok := c.process(cmd)
	if delay > 0 {
		time.Sleep(delay)
	}
	if !ok {
		return nil
	}
	return resp
}

// process runs one command under the lock: faults, dispatch, log. ok=false: removed.
func (c *Card) process(cmd []byte) (resp []byte, delay time.Duration, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, 0, false
	}
	entry := LogEntry{Cmd: append([]byte(nil), cmd...), AP: c.cur.String()}
	delay = c.opts.Delay
	f := c.fireFault(cmd)
	if f != nil && f.Kind == FaultRemove {
		c.appendLog(entry)
		c.setRemovedLocked(true)
		return nil, delay + f.Delay, false
	}
	resp, signed := c.dispatch(cmd)
	if signed {
		delay += c.opts.SignDelay
	}
	if f != nil {
		resp = f.apply(resp)
		delay += f.Delay
	}
	entry.Resp = append([]byte(nil), resp...)
	c.appendLog(entry)
	return resp, delay, true
}

func (c *Card) appendLog(e LogEntry) {
	if c.opts.MaxLog > 0 && len(c.log) >= c.opts.MaxLog {
		n := copy(c.log, c.log[len(c.log)-c.opts.MaxLog/2:])
		clear(c.log[n:])
		c.log = c.log[:n]
	}
	c.log = append(c.log, e)
}

func sw(s reader.StatusWord) []byte { return []byte{s.SW1(), s.SW2()} }

func ok(data []byte) []byte { return append(append([]byte(nil), data...), 0x90, 0x00) }

// dispatch decodes and runs one command. signed reports a signature was computed.
func (c *Card) dispatch(raw []byte) (resp []byte, signed bool) {
	cmd, err := reader.ParseCommand(raw)
	if err != nil {
		return sw(reader.SWWrongLength), false
	}
	// Extended encoding: a zero byte where a short Lc/Le would be, with more bytes after it.
	if len(raw) >= 7 && raw[4] == 0 && !c.opts.ExtendedAPDUs {
		return sw(reader.SWWrongLength), false
	}
	switch cmd.CLA {
	case 0x00:
	case 0x80:
		if cmd.INS != reader.INSSign {
			return sw(reader.SWCLANotSupported), false
		}
		return c.sign(cmd)
	default:
		return sw(reader.SWCLANotSupported), false
	}
	switch cmd.INS {
	case reader.INSSelect:
		return c.selectFile(cmd), false
	case reader.INSReadBinary:
		return c.readBinary(cmd), false
	case reader.INSVerify:
		return c.verify(cmd), false
	case reader.INSChangeRef:
		return c.changeRef(cmd), false
	}
	return sw(reader.SWINSNotSupported), false
}

var aids = []struct {
	aid []byte
	ap  app
}{
	{reader.AIDJPKI, apJPKI}, {reader.AIDText, apText}, {reader.AIDVisual, apVisual}, {reader.AIDJuminKi, apJuki},
}

func (c *Card) selectFile(cmd reader.Command) []byte {
	if cmd.P2 != 0x0C && cmd.P2 != 0x00 {
		return sw(reader.SWIncorrectP1P2)
	}
	switch cmd.P1 {
	case 0x04: // by DF name
		for _, a := range aids {
			if _, present := c.files[a.ap]; present && bytes.Equal(cmd.Data, a.aid) {
				// Selecting an AP (again) drops every verified PIN (§2.6).
				c.cur, c.curEF = a.ap, nil
				c.verified = [numPINs]bool{}
				if cmd.P2 == 0x00 {
					fci := tlv([]byte{0x6F}, tlv([]byte{0x84}, a.aid))
					return ok(fci)
				}
				return ok(nil)
			}
		}
		return sw(reader.SWFileNotFound)
	case 0x02: // EF by FID under the current AP
		if len(cmd.Data) != 2 {
			return sw(reader.SWWrongLength)
		}
		fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
		if c.cur == apText && fid == reader.FIDTextMyNumber {
			c.myNumberHit++
		}
		f, found := c.files[c.cur][fid]
		if !found {
			return sw(reader.SWFileNotFound)
		}
		c.curEF = f
		if cmd.P2 == 0x00 {
			fcp := tlv([]byte{0x62}, append(tlv([]byte{0x80}, []byte{byte(len(f.data) >> 8), byte(len(f.data))}),
				tlv([]byte{0x83}, cmd.Data)...))
			return ok(fcp)
		}
		return ok(nil)
	}
	return sw(reader.SWIncorrectP1P2)
}

func (c *Card) readBinary(cmd reader.Command) []byte {
	if cmd.P1&0x80 != 0 { // short-EF addressing is not offered (§2.2 [?])
		return sw(reader.SWIncorrectP1P2)
	}
	if len(cmd.Data) != 0 {
		return sw(reader.SWWrongLength)
	}
	if cmd.Ne == 0 {
		return sw(reader.SWWrongLength)
	}
	f := c.curEF
	if f == nil {
		return sw(reader.SWCommandNotAllowed)
	}
	if f.kind != efData {
		return sw(reader.SWFileIncompatible)
	}
	if !c.anyVerified(f.read) {
		return sw(reader.SWSecurityNotSatisfied)
	}
	off := int(cmd.P1)<<8 | int(cmd.P2)
	if off >= len(f.data) {
		return sw(reader.SWWrongP1P2)
	}
	n := min(cmd.Ne, len(f.data)-off)
	return ok(f.data[off : off+n])
}

func (c *Card) anyVerified(pins []PINRef) bool {
	if len(pins) == 0 {
		return true
	}
	for _, p := range pins {
		if p == pinPhoneApproval && c.approved || p >= 0 && p < numPINs && c.verified[p] {
			return true
		}
	}
	return false
}

// pinCommand starts a VERIFY (P1 00) or CHANGE REFERENCE DATA (P1 01): it checks P1 P2 and
// that a PIN file is selected, and counts a command on 照合番号A as a My Number access. It
// returns the selected PIN, or the answer to send when the command cannot go on.
func (c *Card) pinCommand(cmd reader.Command, p1 byte) (PINRef, []byte) {
	switch {
	case cmd.P1 != p1 || cmd.P2 != 0x80:
		return 0, sw(reader.SWIncorrectP1P2)
	case c.curEF == nil:
		return 0, sw(reader.SWCommandNotAllowed)
	case c.curEF.kind != efPIN:
		return 0, sw(reader.SWFileIncompatible)
	}
	p := c.curEF.pin
	if p == PINTextA {
		c.myNumberHit++
	}
	return p, nil
}

func (c *Card) verify(cmd reader.Command) []byte {
	p, bad := c.pinCommand(cmd, 0x00)
	if bad != nil {
		return bad
	}
	if p == PINAuth && c.opts.NoPIN {
		return sw(c.noPINSW()) // nothing to verify, nothing spent
	}
	st := &c.pins[p]
	if len(cmd.Data) == 0 { // counter read: never spends a try, 63Cx even when verified
		if st.left == 0 && c.opts.BlockedEmptyVerifySW != 0 {
			return sw(c.opts.BlockedEmptyVerifySW)
		}
		return sw(reader.StatusWord(0x63C0 | st.left))
	}
	if st.left == 0 {
		return sw(reader.SWPINBlocked)
	}
	if string(cmd.Data) == st.value {
		st.left = st.max
		c.verified[p] = true
		return ok(nil)
	}
	st.left--
	c.verified[p] = false
	return sw(reader.StatusWord(0x63C0 | st.left))
}

// changeRef replaces a PIN verified in this session; the tries counter is not involved.
func (c *Card) changeRef(cmd reader.Command) []byte {
	p, bad := c.pinCommand(cmd, 0x01)
	if bad != nil {
		return bad
	}
	if !c.verified[p] {
		return sw(reader.SWSecurityNotSatisfied)
	}
	if !validPIN(p, string(cmd.Data)) {
		return sw(reader.SWWrongData)
	}
	c.pins[p].value = string(cmd.Data)
	return ok(nil)
}

func validPIN(p PINRef, v string) bool {
	switch p {
	case PINAuth, PINText:
		return digits(v, 4)
	case PINSign:
		if len(v) < 6 || len(v) > 16 {
			return false
		}
		for i := 0; i < len(v); i++ {
			if !(v[i] >= 'A' && v[i] <= 'Z' || v[i] >= '0' && v[i] <= '9') {
				return false
			}
		}
		return true
	}
	return false // 照合番号A/B are facts printed on the card, not user secrets
}

func (c *Card) sign(cmd reader.Command) ([]byte, bool) {
	if cmd.P1 != 0x00 || cmd.P2 != 0x80 {
		return sw(reader.SWIncorrectP1P2), false
	}
	f := c.curEF
	if c.cur != apJPKI || f == nil || f.kind != efKey {
		return sw(reader.SWConditionsNotSatisfied), false
	}
	if !c.anyVerified([]PINRef{f.pin}) {
		return sw(reader.SWSecurityNotSatisfied), false
	}
	// PKCS#1 v1.5 type 1 leaves room for k−11 bytes of data.
	if len(cmd.Data) == 0 || len(cmd.Data) > f.key.Size()-11 {
		return sw(reader.SWWrongLength), false
	}
	sig, err := rsa.SignPKCS1v15(nil, f.key, crypto.Hash(0), cmd.Data)
	if err != nil {
		return sw(reader.SWNoPreciseDiagnosis), false
	}
	if f.pin == PINSign && c.opts.SignPINPerSignature {
		c.verified[PINSign] = false
	}
	if f.pin == PINAuth && c.opts.AuthPINPerSignature {
		c.verified[PINAuth] = false
	}
	return ok(sig), true
}

// tlv encodes tag ‖ BER length ‖ value.
func tlv(tag, value []byte) []byte {
	out := append([]byte(nil), tag...)
	n := len(value)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}
