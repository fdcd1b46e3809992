package vscard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// headerPath is where Debian's libcacard-dev (make deps) installs the protocol header.
const headerPath = "/usr/include/cacard/vscard_common.h"

// needFile skips on a developer machine without the file, naming the package; in CI
// (CI set) it fails, since make deps installs it.
func needFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing (Debian package %s, installed by make deps): %v", path, pkg, err)
		}
		t.Skipf("%s missing: install Debian package %s (make deps)", path, pkg)
	}
}

// TestConstantsMatchHeader reads vscard_common.h and checks this package's numbers
// against it: message types, error codes, version, reader ids, magic, header layout.
func TestConstantsMatchHeader(t *testing.T) {
	needFile(t, headerPath, "libcacard-dev")
	src, err := os.ReadFile(headerPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	enum := func(name string) []string {
		m := regexp.MustCompile(`(?s)typedef enum ` + name + ` \{(.*?)\}`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("enum %s not found", name)
		}
		var out []string
		for _, f := range strings.Split(m[1], ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	// Enumerators are sequential from their first explicit value.
	types := enum("VSCMsgType")
	want := []struct {
		name string
		v    MsgType
	}{{"VSC_Init = 1", MsgInit}, {"VSC_Error", MsgError}, {"VSC_ReaderAdd", MsgReaderAdd},
		{"VSC_ReaderRemove", MsgReaderRemove}, {"VSC_ATR", MsgATR}, {"VSC_CardRemove", MsgCardRemove},
		{"VSC_APDU", MsgAPDU}, {"VSC_Flush", MsgFlush}, {"VSC_FlushComplete", MsgFlushComplete}}
	if len(types) != len(want) {
		t.Fatalf("VSCMsgType has %d members %q, this package %d", len(types), types, len(want))
	}
	for i, w := range want {
		if types[i] != w.name || int(w.v) != i+1 {
			t.Errorf("VSCMsgType[%d] = %q, this package %q = %d", i, types[i], w.name, w.v)
		}
	}
	codes := enum("VSCErrorCode")
	wantCodes := []struct {
		name string
		v    ErrorCode
	}{{"VSC_SUCCESS = 0", CodeSuccess}, {"VSC_GENERAL_ERROR = 1", CodeGeneralError},
		{"VSC_CANNOT_ADD_MORE_READERS", CodeCannotAddMoreReaders}, {"VSC_CARD_ALREAY_INSERTED", CodeCardAlreadyInserted}}
	if len(codes) != len(wantCodes) {
		t.Fatalf("VSCErrorCode %q", codes)
	}
	for i, w := range wantCodes {
		if codes[i] != w.name || int(w.v) != i {
			t.Errorf("VSCErrorCode[%d] = %q, this package %q = %d", i, codes[i], w.name, w.v)
		}
	}
	for _, line := range []string{
		"#define VERSION_MAJOR_BITS 11", "#define VERSION_MIDDLE_BITS 11", "#define VERSION_MINOR_BITS 10",
		"#define VSCARD_VERSION MAKE_VERSION(0, 0, 2)", "#define VSCARD_UNDEFINED_READER_ID  0xffffffff",
		"#define VSCARD_MINIMAL_READER_ID    0", `#define VSCARD_MAGIC VSCARD_MAGIC_CONST("VSCD")`,
	} {
		if !strings.Contains(text, line) {
			t.Errorf("header lacks %q", line)
		}
	}
	if Version != 2 || UndefinedReaderID != 0xffffffff || MinimalReaderID != 0 || string(Magic[:]) != "VSCD" {
		t.Error("package constants differ from the header")
	}
	hdr := regexp.MustCompile(`(?s)typedef struct VSCMsgHeader \{\s*uint32_t\s+type;\s*uint32_t\s+reader_id;\s*uint32_t\s+length;\s*uint8_t\s+data\[0\];\s*\}`)
	if !hdr.MatchString(text) || HeaderLen != 12 {
		t.Error("VSCMsgHeader is not type, reader_id, length (3 × uint32) + data")
	}
	init := regexp.MustCompile(`(?s)typedef struct VSCMsgInit \{\s*uint32_t\s+magic;\s*uint32_t\s+version;\s*uint32_t\s+capabilities\[1\];`)
	if !init.MatchString(text) || len(InitMsg().Data) != 12 {
		t.Error("VSCMsgInit is not magic, version, capabilities[1]")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range []Msg{
		InitMsg(),
		ErrorMsg(0, CodeSuccess),
		{Type: MsgReaderAdd, ReaderID: UndefinedReaderID, Data: []byte("reader")},
		{Type: MsgCardRemove},
		{Type: MsgAPDU, Data: bytes.Repeat([]byte{0xAB}, MaxPayload)},
		{Type: 99, ReaderID: 7, Data: []byte{1}},
	} {
		var buf bytes.Buffer
		if err := WriteMsg(&buf, m); err != nil {
			t.Fatal(err)
		}
		if buf.Len() != HeaderLen+len(m.Data) || binary.BigEndian.Uint32(buf.Bytes()[8:]) != uint32(len(m.Data)) {
			t.Fatalf("%v: %d bytes on the wire", m, buf.Len())
		}
		got, err := ReadMsg(&buf)
		if err != nil || got.Type != m.Type || got.ReaderID != m.ReaderID || !bytes.Equal(got.Data, m.Data) {
			t.Fatalf("%v: read back %v, %v", m, got, err)
		}
	}
	if err := WriteMsg(io.Discard, Msg{Type: MsgAPDU, Data: make([]byte, MaxPayload+1)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("oversized write: %v", err)
	}
	// The Init on the wire: type 1, reader ffffffff, length 12, "VSCD", version 2, caps 0.
	var buf bytes.Buffer
	_ = WriteMsg(&buf, InitMsg())
	if want := "00000001ffffffff0000000c56534344" + "00000002" + "00000000"; hexs(buf.Bytes()) != want {
		t.Fatalf("Init = %s, want %s", hexs(buf.Bytes()), want)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestReadMsgErrors(t *testing.T) {
	hdr := func(typ, id, n uint32) []byte {
		b := binary.BigEndian.AppendUint32(nil, typ)
		b = binary.BigEndian.AppendUint32(b, id)
		return binary.BigEndian.AppendUint32(b, n)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"half header", []byte{0, 0, 0, 7, 0}, io.ErrUnexpectedEOF},
		{"payload cut", append(hdr(7, 0, 10), 1, 2, 3), io.ErrUnexpectedEOF},
		{"header only, payload missing", hdr(7, 0, 1), io.ErrUnexpectedEOF},
		{"too long", hdr(7, 0, MaxPayload+1), ErrTooLong},
		{"length ffffffff", hdr(7, 0, 0xffffffff), ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMsg(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pe *ProtocolError
			if errors.Is(tc.want, ErrTooLong) && (!errors.As(err, &pe) || pe.Type != MsgAPDU) {
				t.Fatalf("not a *ProtocolError for APDU: %#v", err)
			}
		})
	}
}

func TestParseInitAndError(t *testing.T) {
	good := InitMsg().Data
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"ours", good, nil},
		{"two capability words", append(append([]byte(nil), good...), 0, 0, 0, 1), nil},
		{"middle version 5", append([]byte("VSCD\x00\x00\x14\x02"), 0, 0, 0, 0), nil},
		{"short", good[:8], ErrMalformed},
		{"ragged", append(append([]byte(nil), good...), 1), ErrMalformed},
		{"magic byte-swapped", append([]byte("DCSV"), good[4:]...), ErrBadMagic},
		{"major version 1", append([]byte("VSCD\x00\x20\x00\x00"), 0, 0, 0, 0), ErrBadMagic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ParseInit(tc.in)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (in.Magic != Magic || len(in.Capabilities) < 1) {
				t.Fatalf("%+v", in)
			}
		})
	}
	for _, tc := range []struct {
		in   []byte
		code ErrorCode
		ok   bool
	}{{[]byte{0, 0, 0, 0}, CodeSuccess, true}, {[]byte{0, 0, 0, 2}, CodeCannotAddMoreReaders, true},
		{nil, 0, false}, {[]byte{0, 0, 0}, 0, false}, {[]byte{0, 0, 0, 0, 0}, 0, false}} {
		code, err := ParseError(tc.in)
		if (err == nil) != tc.ok || code != tc.code || (!tc.ok && !errors.Is(err, ErrMalformed)) {
			t.Errorf("ParseError(%x) = %v, %v", tc.in, code, err)
		}
	}
}

func TestValidATR(t *testing.T) {
	for _, tc := range []struct {
		atr string
		ok  bool
	}{
		{"3BDA13FF8131FB468012392F31C173C601C03B", true}, // readertest.ATRMyNumber
		{"3BE000FF8131FE4514", true},                     // readertest.ATRJuki
		{"3B888001000005E0B381A1007F", true},
		{"3F00", true},
		{"3B8F80", false},                          // 15 historical bytes announced, none there
		{"3BD0", false},                            // TA1, TC1, TD1 announced, missing
		{"3B80", false},                            // TD1 announced, missing
		{"3B", false},                              // too short
		{"3C00", false},                            // TS neither 3B nor 3F
		{"3B00" + strings.Repeat("00", 39), false}, // 41 bytes > MaxATR
	} {
		b := make([]byte, len(tc.atr)/2)
		for i := range b {
			b[i] = unhex(tc.atr[2*i])<<4 | unhex(tc.atr[2*i+1])
		}
		if got := ValidATR(b); got != tc.ok {
			t.Errorf("ValidATR(%s) = %v, want %v", tc.atr, got, tc.ok)
		}
	}
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// FuzzReadMsg: arbitrary bytes never panic ReadMsg; what it accepts writes back as the
// same bytes.
func FuzzReadMsg(f *testing.F) {
	var seed bytes.Buffer
	_ = WriteMsg(&seed, InitMsg())
	f.Add(seed.Bytes())
	f.Add([]byte{0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 0x90, 0x00})
	f.Add([]byte{0, 0, 0, 7, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := ReadMsg(bytes.NewReader(in))
		if err != nil {
			return
		}
		out, err := AppendMsg(nil, m)
		if err != nil || !bytes.HasPrefix(in, out) {
			t.Fatalf("%v: wrote %x back from %x (%v)", m, out, in, err)
		}
		if m.Type == MsgInit {
			_, _ = ParseInit(m.Data)
		}
		if m.Type == MsgError {
			_, _ = ParseError(m.Data)
		}
	})
}
