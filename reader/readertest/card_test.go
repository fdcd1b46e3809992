package readertest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"madoguchi/reader"
)

// newTestCard builds a card on the default PKI.
func newTestCard(t testing.TB, opts Options) *Card {
	t.Helper()
	c, err := NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// run sends an APDU given in hex and splits the answer.
func run(t testing.TB, c *Card, apdu string) ([]byte, reader.StatusWord) {
	t.Helper()
	resp, err := c.Transmit(context.Background(), h(apdu))
	if err != nil {
		t.Fatalf("%s: %v", apdu, err)
	}
	r, err := reader.ParseResponse(resp)
	if err != nil {
		t.Fatalf("%s: %v", apdu, err)
	}
	return r.Data, r.SW
}

const (
	selJPKI  = "00A4040C0A D392F000260100000001"
	selText  = "00A4040C0A D3921000310001010408"
	selAuthP = "00A4020C02 0018"
	selSignP = "00A4020C02 001B"
)

func pinAPDU(pin string) string { return fmt.Sprintf("00200080%02X%X", len(pin), pin) }

type step struct {
	apdu string
	sw   reader.StatusWord
	data string // hex prefix expected in the data, "" = no check
}

func runSteps(t *testing.T, c *Card, steps []step) {
	t.Helper()
	for i, s := range steps {
		data, got := run(t, c, s.apdu)
		if got != s.sw {
			t.Fatalf("step %d %s: SW %04X, want %04X", i, s.apdu, uint16(got), uint16(s.sw))
		}
		if s.data != "" && !bytes.HasPrefix(data, h(s.data)) {
			t.Fatalf("step %d %s: data %X, want prefix %s", i, s.apdu, data, s.data)
		}
	}
}

func TestCardCommands(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		setup func(*Card)
		steps []step
	}{
		{name: "select known APs", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{selText, reader.SWOK, ""},
			{"00A4040C0A D3921000310001010402", reader.SWOK, ""},
			{"00A4040C0A D3921000310001010100", reader.SWOK, ""},
			{"00A40400 0A D392F000260100000001 00", reader.SWOK, "6F0C840AD392F000260100000001"},
		}},
		{name: "foreign AIDs are not found", steps: []step{
			{"00A4040007 627601FF000000", reader.SWFileNotFound, ""},
			{"00A4040006 A00000000101", reader.SWFileNotFound, ""},
			{"00A4040C0A D3921000310001010401", reader.SWFileNotFound, ""},
			{"00A404000A A000000308000010000100", reader.SWFileNotFound, ""},
		}},
		{name: "select EF per AP", steps: []step{
			{"00A4020C02000A", reader.SWFileNotFound, ""}, // no AP yet
			{selJPKI, reader.SWOK, ""},
			{"00A4020C02000A", reader.SWOK, ""},
			{"00A4020C020099", reader.SWFileNotFound, ""},
			{"00A4020C020011", reader.SWFileNotFound, ""}, // text AP's PIN EF
			{selText, reader.SWOK, ""},
			{"00A4020C020011", reader.SWOK, ""},
			{"00A4020C02000A", reader.SWFileNotFound, ""},
			{"00A4090C02000A", reader.SWIncorrectP1P2, ""},
			{"00A4020C0300", reader.SWWrongLength, ""},
		}},
		{name: "token and auth cert", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{"00A4020C020006", reader.SWOK, ""},
			{"00B0000020", reader.SWOK, hex.EncodeToString([]byte("JPKIAPICCTOKEN2                 "))},
			{"00A4020C02000A", reader.SWOK, ""},
			{"00B0000004", reader.SWOK, "3082"},
			{"00B07F0001", reader.SWWrongP1P2, ""},
			{"00B00000", reader.SWWrongLength, ""},
			{"00B0800000", reader.SWIncorrectP1P2, ""},
		}},
		{name: "read without EF", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{"00B0000004", reader.SWCommandNotAllowed, ""},
		}},
		{name: "key and PIN EFs are not readable", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{"00A4020C020017", reader.SWOK, ""},
			{"00B0000004", reader.SWFileIncompatible, ""},
			{selAuthP, reader.SWOK, ""},
			{"00B0000004", reader.SWFileIncompatible, ""},
		}},
		{name: "sign cert needs sign PIN", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{"00A4020C020001", reader.SWOK, ""},
			{"00B0000004", reader.SWSecurityNotSatisfied, ""},
			{selAuthP, reader.SWOK, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{"00A4020C020001", reader.SWOK, ""},
			{"00B0000004", reader.SWSecurityNotSatisfied, ""}, // auth PIN does not open it
			{selSignP, reader.SWOK, ""},
			{pinAPDU("ABC123"), reader.SWOK, ""},
			{"00A4020C020001", reader.SWOK, ""},
			{"00B0000004", reader.SWOK, "3082"},
			{"00A4020C020002", reader.SWOK, ""},
			{"00B0000004", reader.SWOK, "3082"},
		}},
		{name: "verify counts and resets", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{selAuthP, reader.SWOK, ""},
			{"00200080", 0x63C3, ""},
			{pinAPDU("0000"), 0x63C2, ""},
			{"00200080", 0x63C2, ""},
			{"00200080", 0x63C2, ""}, // empty VERIFY never spends a try
			{pinAPDU("12345"), 0x63C1, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{"00200080", 0x63C3, ""}, // 63Cx even when verified
			{selSignP, reader.SWOK, ""},
			{"00200080", 0x63C5, ""},
			{"00200081", reader.SWIncorrectP1P2, ""},
		}},
		{name: "verify needs a PIN EF", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{pinAPDU("1234"), reader.SWCommandNotAllowed, ""},
			{"00A4020C02000A", reader.SWOK, ""},
			{pinAPDU("1234"), reader.SWFileIncompatible, ""},
		}},
		{name: "blocked auth PIN answers 63C0 by default", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{selAuthP, reader.SWOK, ""},
			{pinAPDU("0000"), 0x63C2, ""},
			{pinAPDU("0000"), 0x63C1, ""},
			{pinAPDU("0000"), 0x63C0, ""},
			{"00200080", 0x63C0, ""},
			{pinAPDU("1234"), reader.SWPINBlocked, ""}, // even the right PIN
		}},
		{name: "blocked PIN with 6984 option", opts: Options{BlockedEmptyVerifySW: reader.SWPINBlocked},
			setup: func(c *Card) { c.SetTriesLeft(PINAuth, 0) },
			steps: []step{
				{selJPKI, reader.SWOK, ""},
				{selAuthP, reader.SWOK, ""},
				{"00200080", reader.SWPINBlocked, ""},
				{pinAPDU("1234"), reader.SWPINBlocked, ""},
			}},
		{name: "reselect AP and reset clear verified state", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{selAuthP, reader.SWOK, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{selJPKI, reader.SWOK, ""},
			{"00A4020C020017", reader.SWOK, ""},
			{"802A00803301" + strings.Repeat("00", 50) + "00", reader.SWSecurityNotSatisfied, ""},
		}},
		{name: "change reference data", steps: []step{
			{selJPKI, reader.SWOK, ""},
			{selAuthP, reader.SWOK, ""},
			{"0024018004" + hex.EncodeToString([]byte("4321")), reader.SWSecurityNotSatisfied, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{"0024018003" + hex.EncodeToString([]byte("432")), reader.SWWrongData, ""},
			{"0024008004" + hex.EncodeToString([]byte("4321")), reader.SWIncorrectP1P2, ""},
			{"0024018004" + hex.EncodeToString([]byte("4321")), reader.SWOK, ""},
			{pinAPDU("1234"), 0x63C2, ""},
			{pinAPDU("4321"), reader.SWOK, ""},
		}},
		{name: "sign rules", steps: []step{
			{"802A00800100", reader.SWConditionsNotSatisfied, ""}, // no AP
			{selJPKI, reader.SWOK, ""},
			{"00A4020C02000A", reader.SWOK, ""},
			{"802A00800100", reader.SWConditionsNotSatisfied, ""}, // not a key EF
			{"00A4020C020017", reader.SWOK, ""},
			{"802A00800100", reader.SWSecurityNotSatisfied, ""},
			{selAuthP, reader.SWOK, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{"00A4020C02001A", reader.SWOK, ""},
			{"802A00800100", reader.SWSecurityNotSatisfied, ""}, // sign key needs the sign PIN
			{"00A4020C020017", reader.SWOK, ""},
			{"802A008100", reader.SWIncorrectP1P2, ""},
			{"802A0080F6" + strings.Repeat("AA", 246) + "00", reader.SWWrongLength, ""},
			{"802A0080F5" + strings.Repeat("AA", 245) + "00", reader.SWOK, ""},
			{"002A00800100", reader.SWINSNotSupported, ""},
		}},
		{name: "unknown INS and CLA", steps: []step{
			{"00CADF3005", reader.SWINSNotSupported, ""},
			{"00CB3FFF035C017E08", reader.SWINSNotSupported, ""},
			{"80A4040C0AD392F000260100000001", reader.SWCLANotSupported, ""},
			{"84B0000004", reader.SWCLANotSupported, ""},
			{"00B0", reader.SWWrongLength, ""},
			{"00A4040C0AD392F0", reader.SWWrongLength, ""},
			{"00B000000000FF", reader.SWWrongLength, ""}, // extended off by default
		}},
		{name: "extended READ BINARY when enabled", opts: Options{ExtendedAPDUs: true}, steps: []step{
			{selJPKI, reader.SWOK, ""},
			{"00A4020C02000A", reader.SWOK, ""},
			{"00B00000000400", reader.SWOK, "3082"},
		}},
		{name: "text AP access rules", steps: []step{
			{selText, reader.SWOK, ""},
			{"00A4020C020004", reader.SWOK, ""},
			{"00B0000000", reader.SWOK, "7F21820233"},
			{"00A4020C020005", reader.SWOK, ""},
			{"00B0000000", reader.SWOK, "FF40"},
			{"00A4020C020002", reader.SWOK, ""},
			{"00B0000000", reader.SWSecurityNotSatisfied, ""},
			{"00A4020C020003", reader.SWOK, ""},
			{"00B0000000", reader.SWSecurityNotSatisfied, ""},
			{"00A4020C020011", reader.SWOK, ""},
			{"00200080", 0x63C3, ""},
			{pinAPDU("1234"), reader.SWOK, ""},
			{"00A4020C020002", reader.SWOK, ""},
			{"00B0000000", reader.SWOK, "FF20"},
			{"00A4020C020003", reader.SWOK, ""},
			{"00B0000000", reader.SWOK, "FF3082014B"},
		}},
		{name: "text AP PIN B opens only the 4 info", steps: []step{
			{selText, reader.SWOK, ""},
			{"00A4020C020015", reader.SWOK, ""},
			{pinAPDU("90010220361234"), reader.SWOK, ""},
			{"00A4020C020002", reader.SWOK, ""},
			{"00B0000000", reader.SWOK, "FF20"},
			{"00A4020C020003", reader.SWOK, ""},
			{"00B0000000", reader.SWSecurityNotSatisfied, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCard(t, tc.opts)
			if tc.setup != nil {
				tc.setup(c)
			}
			runSteps(t, c, tc.steps)
		})
	}
}

func TestReadBinaryChunks(t *testing.T) {
	c := newTestCard(t, Options{})
	der := c.AuthCert().Raw
	run(t, c, selJPKI)
	run(t, c, "00A4020C02000A")
	// OpenSC style: 4-byte header, then 256-byte chunks, final exact Le.
	hdr, _ := run(t, c, "00B0000004")
	size := int(hdr[2])<<8 | int(hdr[3]) + 4
	if size != len(der) {
		t.Fatalf("header size %d, DER %d", size, len(der))
	}
	var got []byte
	for off := 0; off < size; {
		le := min(256, size-off)
		data, sw := run(t, c, fmt.Sprintf("00B0%04X%02X", off, byte(le)))
		if sw != reader.SWOK || len(data) != le {
			t.Fatalf("offset %d: %d bytes, %v", off, len(data), sw)
		}
		got = append(got, data...)
		off += le
	}
	if !bytes.Equal(got, der) {
		t.Fatal("reassembled certificate differs")
	}
	// Le beyond the end: min(Le, rest) with 9000.
	data, sw := run(t, c, fmt.Sprintf("00B0%04X00", size-10))
	if sw != reader.SWOK || len(data) != 10 {
		t.Fatalf("tail read: %d bytes, %v", len(data), sw)
	}
	if _, sw := run(t, c, fmt.Sprintf("00B0%04X01", size)); sw != reader.SWWrongP1P2 {
		t.Fatalf("read at end: %v", sw)
	}
}

func signAPDU(data []byte) string {
	return fmt.Sprintf("802A0080%02X%X00", len(data), data)
}

func TestSignVerifiesWithCert(t *testing.T) {
	c := newTestCard(t, Options{})
	digest := sha256.Sum256([]byte("challenge"))
	di := append(h("3031300D060960864801650304020105000420"), digest[:]...)
	for _, tc := range []struct {
		name    string
		pinEF   string
		pin     string
		keyEF   string
		pub     *rsa.PublicKey
		perSign bool
	}{
		{"auth", selAuthP, "1234", "00A4020C020017", c.AuthCert().PublicKey.(*rsa.PublicKey), false},
		{"sign", selSignP, "ABC123", "00A4020C02001A", c.SignCert().PublicKey.(*rsa.PublicKey), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, c, selJPKI)
			run(t, c, tc.pinEF)
			if _, sw := run(t, c, pinAPDU(tc.pin)); sw != reader.SWOK {
				t.Fatalf("verify %v", sw)
			}
			run(t, c, tc.keyEF)
			sig, sw := run(t, c, signAPDU(di))
			if sw != reader.SWOK || len(sig) != 256 {
				t.Fatalf("sign: %d bytes %v", len(sig), sw)
			}
			if err := rsa.VerifyPKCS1v15(tc.pub, crypto.SHA256, digest[:], sig); err != nil {
				t.Fatalf("signature does not verify: %v", err)
			}
			// Raw data (RSA-PKCS mechanism): padding of the bytes as given.
			sig2, _ := run(t, c, signAPDU([]byte("raw")))
			if err := rsa.VerifyPKCS1v15(tc.pub, crypto.Hash(0), []byte("raw"), sig2); err != nil {
				t.Fatalf("raw signature does not verify: %v", err)
			}
		})
	}
}

func TestSignPINPerSignature(t *testing.T) {
	c := newTestCard(t, Options{SignPINPerSignature: true})
	runSteps(t, c, []step{
		{selJPKI, reader.SWOK, ""},
		{selSignP, reader.SWOK, ""},
		{pinAPDU("ABC123"), reader.SWOK, ""},
		{"00A4020C02001A", reader.SWOK, ""},
		{"802A00800101" + "00", reader.SWOK, ""},
		{"802A00800101" + "00", reader.SWSecurityNotSatisfied, ""},
	})
}

func TestResetClearsState(t *testing.T) {
	c := newTestCard(t, Options{})
	runSteps(t, c, []step{{selJPKI, reader.SWOK, ""}, {selAuthP, reader.SWOK, ""}, {pinAPDU("1234"), reader.SWOK, ""}})
	if !c.Verified(PINAuth) {
		t.Fatal("not verified after VERIFY")
	}
	c.Reset()
	if c.Verified(PINAuth) {
		t.Fatal("verified after Reset")
	}
	// After reset no AP is selected: EF selection fails.
	runSteps(t, c, []step{{"00A4020C020017", reader.SWFileNotFound, ""}})
	c.SetTriesLeft(PINAuth, 1)
	c.Reset()
	if c.TriesLeft(PINAuth) != 1 {
		t.Fatal("reset restored the counter")
	}
}

func TestTextAPConsistent(t *testing.T) {
	holder := Holder{Name: "見本 一郎", Address: "大阪府大阪市北区1-2-3", BirthDate: "19700401", Sex: "1"}
	c := newTestCard(t, Options{Holder: holder})
	var efs [4][]byte
	run(t, c, selText)
	run(t, c, "00A4020C020011")
	run(t, c, pinAPDU("1234"))
	for i, fid := range []string{"0002", "0003", "0004"} {
		run(t, c, "00A4020C02"+fid)
		for off := 0; ; off += 256 {
			data, sw := run(t, c, fmt.Sprintf("00B0%04X00", off))
			if sw == reader.SWWrongP1P2 {
				break
			}
			if sw != reader.SWOK {
				t.Fatalf("read %s: %v", fid, sw)
			}
			efs[i] = append(efs[i], data...)
		}
	}
	if len(efs[1]) != 336 || len(efs[2]) != 568 {
		t.Errorf("EF 0003 %d bytes (want 336), EF 0004 %d bytes (want 568)", len(efs[1]), len(efs[2]))
	}
	got, err := VerifyTextAttrs(efs[0], efs[1], efs[2], c.JLISPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	want := TextAttrs{Name: holder.Name, Address: holder.Address, BirthDate: holder.BirthDate, Sex: holder.Sex}
	if got != want {
		t.Errorf("4 info %+v, want %+v", got, want)
	}
	if c.MyNumberAccesses() != 0 {
		t.Errorf("reading the 4 info counted %d My Number accesses", c.MyNumberAccesses())
	}
	// Tampering is detected; a foreign J-LIS key is refused; a cut file is a bad card.
	bad := append([]byte(nil), efs[0]...)
	bad[len(bad)-1] ^= 1
	for _, tc := range []struct {
		name               string
		attrs, sig, cvCert []byte
		jlis               *rsa.PublicKey
		want               error
	}{
		{"tampered 4 info", bad, efs[1], efs[2], c.JLISPublicKey(), reader.ErrSignatureInvalid},
		{"foreign J-LIS key", efs[0], efs[1], efs[2], &Key(0).PublicKey, reader.ErrSignatureInvalid},
		{"cut signature block", efs[0], efs[1][:100], efs[2], c.JLISPublicKey(), reader.ErrBadCard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := VerifyTextAttrs(tc.attrs, tc.sig, tc.cvCert, tc.jlis); !errors.Is(err, tc.want) {
				t.Errorf("VerifyTextAttrs = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestMyNumberAccessCounted(t *testing.T) {
	c := newTestCard(t, Options{MyNumber: "111122223333"})
	run(t, c, selJPKI)
	run(t, c, "00A4020C020001") // JPKI sign cert: not the My Number
	if n := c.MyNumberAccesses(); n != 0 {
		t.Fatalf("JPKI EF 0001 counted: %d", n)
	}
	run(t, c, selText)
	run(t, c, "00A4020C020001")
	run(t, c, "00A4020C020014")
	run(t, c, "00200080")
	if n := c.MyNumberAccesses(); n != 2 {
		t.Fatalf("MyNumberAccesses = %d, want 2", n)
	}
	run(t, c, pinAPDU("111122223333"))
	run(t, c, "00A4020C020001")
	data, sw := run(t, c, "00B0000011")
	if sw != reader.SWOK || string(data) != "\xFF\x10\x0C111122223333" {
		t.Fatalf("My Number EF = %X %v", data, sw)
	}
	if n := c.MyNumberAccesses(); n != 4 {
		t.Fatalf("MyNumberAccesses = %d, want 4", n)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("remove after N commands", func(t *testing.T) {
		c := newTestCard(t, Options{})
		c.InjectFault(Fault{Kind: FaultRemove, After: 2})
		run(t, c, selJPKI)
		run(t, c, selAuthP)
		if _, err := c.Transmit(ctx, h("00200080")); !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("third command: %v", err)
		}
		if _, err := c.Transmit(ctx, h(selJPKI)); !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("after removal: %v", err)
		}
		if c.Handle(h(selJPKI)) != nil {
			t.Fatal("Handle answered while removed")
		}
		c.Insert()
		if _, sw := run(t, c, "00A4020C020018"); sw != reader.SWFileNotFound {
			t.Fatalf("insert did not reset: %v", sw)
		}
	})
	t.Run("remove in the middle of a read", func(t *testing.T) {
		c := newTestCard(t, Options{})
		c.InjectFault(Fault{Kind: FaultRemove, Match: MatchReadAfterStart()})
		run(t, c, selJPKI)
		run(t, c, "00A4020C02000A")
		run(t, c, "00B0000004")
		if _, err := c.Transmit(ctx, h("00B0000400")); !errors.Is(err, reader.ErrCardRemoved) {
			t.Fatalf("mid-read: %v", err)
		}
		log := c.Log()
		if last := log[len(log)-1]; last.Resp != nil || last.SW() != 0 {
			t.Fatalf("removed command logged with answer %X", last.Resp)
		}
	})
	t.Run("garbage wrong SW truncate", func(t *testing.T) {
		c := newTestCard(t, Options{})
		c.InjectFault(Fault{Kind: FaultGarbage, Match: MatchINS(reader.INSSelect)})
		c.InjectFault(Fault{Kind: FaultSW, SW: reader.SWNoPreciseDiagnosis, Match: MatchSelectFID(reader.FIDAuthCert)})
		c.InjectFault(Fault{Kind: FaultTruncate, Keep: 3, Match: MatchINS(reader.INSReadBinary)})
		if got := c.Handle(h(selJPKI)); !bytes.Equal(got, []byte{0x6F}) {
			t.Fatalf("garbage: %X", got)
		}
		run(t, c, selJPKI) // the garbage fault fired once
		if _, sw := run(t, c, "00A4020C02000A"); sw != reader.SWNoPreciseDiagnosis {
			t.Fatalf("wrong SW: %v", sw)
		}
		if got := c.Handle(h("00B0000004")); !bytes.Equal(got, []byte{0x30, 0x82, c.AuthCert().Raw[2]}) {
			t.Fatalf("truncated: %X", got)
		}
		if _, sw := run(t, c, "00B0000004"); sw != reader.SWOK {
			t.Fatalf("after faults: %v", sw)
		}
	})
	t.Run("delay honours context", func(t *testing.T) {
		c := newTestCard(t, Options{Delay: time.Second})
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := c.Transmit(cctx, h(selJPKI)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("delay: %v", err)
		}
	})
}

func TestLogMasksPIN(t *testing.T) {
	c := newTestCard(t, Options{})
	run(t, c, selJPKI)
	run(t, c, selAuthP)
	run(t, c, pinAPDU("1234"))
	log := c.Log()
	if len(log) != 3 || c.Stats().Commands != 3 {
		t.Fatalf("log %d entries", len(log))
	}
	s := log[2].String()
	if strings.Contains(s, "31323334") || !strings.Contains(s, "masked") {
		t.Fatalf("PIN visible in %q", s)
	}
	if log[1].AP != "JPKI" || log[2].SW() != reader.SWOK {
		t.Fatalf("entry %+v", log[1])
	}
}

func TestCardOptions(t *testing.T) {
	t.Run("ATR", func(t *testing.T) {
		if got := newTestCard(t, Options{}).ATR(); !bytes.Equal(got, ATRMyNumber) {
			t.Errorf("default ATR %X", got)
		}
		if got := newTestCard(t, Options{ATR: ATRJuki}).ATR(); !bytes.Equal(got, ATRJuki) {
			t.Errorf("ATR %X", got)
		}
	})
	t.Run("expired certificate", func(t *testing.T) {
		now := time.Now()
		c := newTestCard(t, Options{NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(0, 0, -1)})
		if !c.AuthCert().NotAfter.Before(now) || !c.SignCert().NotAfter.Before(now) {
			t.Error("certificates not expired")
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []Options{
			{MyNumber: "12"},
			{Holder: Holder{Name: "x", BirthDate: "1990", Sex: "1"}},
			{Token: strings.Repeat("T", 33)},
			{SecurityCode: "12a4"},
			{AuthCert: mustAuthCert(t)},
		} {
			if _, err := NewCard(o); err == nil {
				t.Errorf("NewCard(%+v) accepted", o)
			}
		}
	})
}

func mustAuthCert(t *testing.T) *x509.Certificate {
	t.Helper()
	p, err := DefaultPKI()
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Auth.IssueAuth(&Key(0).PublicKey, time.Now(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func FuzzHandle(f *testing.F) {
	for _, s := range []string{selJPKI, selText, selAuthP, "00200080", pinAPDU("1234"), "00B0000000",
		"802A00800100", "00B000000000FF", "", "00", "00A40C", "00A4020C020001", "0024018004" + "31323334"} {
		f.Add(h(s))
	}
	c, err := NewCard(Options{ExtendedAPDUs: true})
	if err != nil {
		f.Fatal(err)
	}
	c.SetTriesLeft(PINAuth, 3)
	f.Fuzz(func(t *testing.T, cmd []byte) {
		resp := c.Handle(cmd)
		if len(resp) < 2 {
			t.Fatalf("answer %X to %X", resp, cmd)
		}
		if c.TriesLeft(PINAuth) == 0 { // keep exploring instead of sitting blocked
			c.SetTriesLeft(PINAuth, 3)
		}
		if c.TriesLeft(PINSign) == 0 {
			c.SetTriesLeft(PINSign, 5)
		}
	})
}
