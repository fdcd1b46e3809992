package vscard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MsgType is a VSCard message type (VSCMsgType in vscard_common.h).
type MsgType uint32

// The message types, numbered as in vscard_common.h.
const (
	MsgInit          MsgType = 1 // both ways: magic, version, capabilities
	MsgError         MsgType = 2 // both ways: a 4-byte code; the host's answer to ReaderAdd, ATR, CardRemove, ReaderRemove
	MsgReaderAdd     MsgType = 3 // client → host: a reader (its name, UTF-8) appears
	MsgReaderRemove  MsgType = 4 // client → host: the reader goes away
	MsgATR           MsgType = 5 // client → host: a card is inserted (or was reset); payload the ATR
	MsgCardRemove    MsgType = 6 // client → host: the card is taken out
	MsgAPDU          MsgType = 7 // both ways: one command APDU (host → client) or its response
	MsgFlush         MsgType = 8 // host → client: answer FlushComplete once every APDU is answered
	MsgFlushComplete MsgType = 9 // client → host
)

func (t MsgType) String() string {
	names := [...]string{"", "Init", "Error", "ReaderAdd", "ReaderRemove", "ATR", "CardRemove", "APDU", "Flush", "FlushComplete"}
	if t >= 1 && int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("MsgType(%d)", uint32(t))
}

// ErrorCode is the payload of a MsgError (VSCErrorCode).
type ErrorCode uint32

// The error codes of vscard_common.h.
const (
	CodeSuccess              ErrorCode = 0
	CodeGeneralError         ErrorCode = 1
	CodeCannotAddMoreReaders ErrorCode = 2
	CodeCardAlreadyInserted  ErrorCode = 3
)

func (c ErrorCode) String() string {
	switch c {
	case CodeSuccess:
		return "success"
	case CodeGeneralError:
		return "general error"
	case CodeCannotAddMoreReaders:
		return "cannot add more readers"
	case CodeCardAlreadyInserted:
		return "card already inserted"
	}
	return fmt.Sprintf("ErrorCode(%d)", uint32(c))
}

// Protocol constants.
const (
	// Version is VSCARD_VERSION, MAKE_VERSION(0, 0, 2): major 11 bits, middle 11, minor 10.
	Version uint32 = 2
	// UndefinedReaderID is the reader id of messages that concern no reader (Init).
	UndefinedReaderID uint32 = 0xFFFFFFFF
	// MinimalReaderID is the first reader id; QEMU's ccid-card-passthru has only this one.
	MinimalReaderID uint32 = 0
	// HeaderLen is the size of a message header: type, reader_id, length, each a
	// big-endian uint32. length counts the payload only.
	HeaderLen = 12
	// MaxMessage is the largest message, header included, that QEMU's ccid-card-passthru
	// buffers (VSCARD_IN_SIZE, 64 KiB); a longer one makes it drop the chardev.
	MaxMessage = 64 << 10
	// MaxPayload is the largest payload this package reads or writes.
	MaxPayload = MaxMessage - HeaderLen
	// MaxATR is the longest ATR ccid-card-passthru accepts (MAX_ATR_SIZE).
	MaxATR = 40
)

// Magic is the Init message's magic as it travels: the four bytes "VSCD". QEMU copies
// VSCARD_MAGIC into the message without byte swapping; VSCARD_MAGIC_CONST builds it so
// that its bytes in memory are "VSCD" on either byte order.
var Magic = [4]byte{'V', 'S', 'C', 'D'}

// Msg is one VSCard message.
type Msg struct {
	Type     MsgType
	ReaderID uint32
	Data     []byte
}

func (m Msg) String() string {
	return fmt.Sprintf("%s reader=%#x len=%d", m.Type, m.ReaderID, len(m.Data))
}

// Sentinel errors; a *ProtocolError wraps one of them.
var (
	// ErrTooLong: a header announces a payload longer than MaxPayload.
	ErrTooLong = errors.New("message too long")
	// ErrMalformed: a known message whose payload has the wrong shape.
	ErrMalformed = errors.New("malformed message")
	// ErrBadMagic: an Init without the "VSCD" magic, or a major version other than 0.
	ErrBadMagic = errors.New("not a VSCard peer")
	// ErrUnexpected: a message the peer must not send in this state (e.g. an APDU before
	// the handshake).
	ErrUnexpected = errors.New("unexpected message")
)

// ProtocolError says which message broke the protocol and how. The connection is not
// usable after one: VSCard has no way to find the next header again.
type ProtocolError struct {
	Type   MsgType // the message's type (0 if the header could not be read)
	Err    error   // ErrTooLong, ErrMalformed, ErrBadMagic or ErrUnexpected
	Detail string
}

func (e *ProtocolError) Error() string {
	s := "vscard: " + e.Err.Error()
	if e.Type != 0 {
		s += " (" + e.Type.String() + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *ProtocolError) Unwrap() error { return e.Err }

func protoErr(t MsgType, err error, format string, args ...any) error {
	return &ProtocolError{Type: t, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// ReadMsg reads one message. A header announcing more than MaxPayload bytes gives a
// *ProtocolError wrapping ErrTooLong before any payload is read; a stream that ends inside
// a message gives io.ErrUnexpectedEOF, and one that ends between messages io.EOF.
func ReadMsg(r io.Reader) (Msg, error) {
	var hdr [HeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Msg{}, err
	}
	m := Msg{
		Type:     MsgType(binary.BigEndian.Uint32(hdr[0:])),
		ReaderID: binary.BigEndian.Uint32(hdr[4:]),
	}
	n := binary.BigEndian.Uint32(hdr[8:])
	if n > MaxPayload {
		return Msg{}, protoErr(m.Type, ErrTooLong, "%d bytes announced, at most %d", n, MaxPayload)
	}
	if n > 0 {
		m.Data = make([]byte, n)
		if _, err := io.ReadFull(r, m.Data); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return Msg{}, err
		}
	}
	return m, nil
}

// AppendMsg appends m's wire form to b.
func AppendMsg(b []byte, m Msg) ([]byte, error) {
	if len(m.Data) > MaxPayload {
		return b, protoErr(m.Type, ErrTooLong, "%d bytes to send, at most %d", len(m.Data), MaxPayload)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(m.Type))
	b = binary.BigEndian.AppendUint32(b, m.ReaderID)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Data)))
	return append(b, m.Data...), nil
}

// WriteMsg writes m with one Write, so header and payload leave in one segment.
func WriteMsg(w io.Writer, m Msg) error {
	b, err := AppendMsg(make([]byte, 0, HeaderLen+len(m.Data)), m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Init is the payload of MsgInit.
type Init struct {
	Magic        [4]byte
	Version      uint32
	Capabilities []uint32 // at least one word on the wire; none are defined yet
}

// InitMsg is the Init this package sends: Magic, Version, one capability word of zero.
func InitMsg() Msg {
	return Msg{Type: MsgInit, ReaderID: UndefinedReaderID, Data: Init{Magic: Magic, Version: Version}.Marshal()}
}

// Marshal returns the payload; an empty Capabilities is sent as one zero word.
func (in Init) Marshal() []byte {
	b := append([]byte(nil), in.Magic[:]...)
	b = binary.BigEndian.AppendUint32(b, in.Version)
	caps := in.Capabilities
	if len(caps) == 0 {
		caps = []uint32{0}
	}
	for _, c := range caps {
		b = binary.BigEndian.AppendUint32(b, c)
	}
	return b
}

// ParseInit checks an Init payload: magic "VSCD", major version 0 (a different major is a
// breaking change of the protocol), at least one capability word, whole words only. A
// different middle or minor version is accepted (they are compatible by definition).
func ParseInit(data []byte) (Init, error) {
	if len(data) < 12 || len(data)%4 != 0 {
		return Init{}, protoErr(MsgInit, ErrMalformed, "payload of %d bytes, want 12 + 4n", len(data))
	}
	var in Init
	copy(in.Magic[:], data)
	if in.Magic != Magic {
		return Init{}, protoErr(MsgInit, ErrBadMagic, "magic %q", in.Magic[:])
	}
	in.Version = binary.BigEndian.Uint32(data[4:])
	if major := in.Version >> 21; major != 0 {
		return Init{}, protoErr(MsgInit, ErrBadMagic, "major version %d", major)
	}
	for i := 8; i < len(data); i += 4 {
		in.Capabilities = append(in.Capabilities, binary.BigEndian.Uint32(data[i:]))
	}
	return in, nil
}

// ErrorMsg builds a MsgError for reader id with code.
func ErrorMsg(readerID uint32, code ErrorCode) Msg {
	return Msg{Type: MsgError, ReaderID: readerID, Data: binary.BigEndian.AppendUint32(nil, uint32(code))}
}

// ParseError reads a MsgError payload: exactly one big-endian word.
func ParseError(data []byte) (ErrorCode, error) {
	if len(data) != 4 {
		return 0, protoErr(MsgError, ErrMalformed, "payload of %d bytes, want 4", len(data))
	}
	return ErrorCode(binary.BigEndian.Uint32(data)), nil
}
