package touch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Event types and codes of linux/input-event-codes.h that the decoder reads.
const (
	evSyn = 0x00
	evKey = 0x01
	evAbs = 0x03

	synReport  = 0
	synDropped = 3

	btnLeft  = 0x110
	btnTouch = 0x14a

	absX            = 0x00
	absY            = 0x01
	absMTSlot       = 0x2f
	absMTPositionX  = 0x35
	absMTPositionY  = 0x36
	absMTTrackingID = 0x39
)

// wordSize is the size of the kernel's unsigned long on this architecture: struct
// input_event's time is two of them (since Linux 5.0 also on 32-bit ARM with a 64-bit
// time_t userland).
const wordSize = strconv.IntSize / 8

// RecordSize is the size of one struct input_event as the kernel writes it here: 24 bytes
// on arm64 and amd64, 16 on armhf.
const RecordSize = 2*wordSize + 8

// Event is one input_event record.
type Event struct {
	Time  time.Duration // kernel timestamp (sec, usec)
	Type  uint16
	Code  uint16
	Value int32
}

func (e Event) String() string {
	return fmt.Sprintf("%v type %#x code %#x value %d", e.Time, e.Type, e.Code, e.Value)
}

// Encode appends e as an input_event record of this architecture (tests write recorded
// streams with it).
func (e Event) Encode(b []byte) []byte {
	sec, usec := uint64(e.Time/time.Second), uint64(e.Time%time.Second/time.Microsecond)
	if wordSize == 8 {
		b = binary.NativeEndian.AppendUint64(b, sec)
		b = binary.NativeEndian.AppendUint64(b, usec)
	} else {
		b = binary.NativeEndian.AppendUint32(b, uint32(sec))
		b = binary.NativeEndian.AppendUint32(b, uint32(usec))
	}
	b = binary.NativeEndian.AppendUint16(b, e.Type)
	b = binary.NativeEndian.AppendUint16(b, e.Code)
	return binary.NativeEndian.AppendUint32(b, uint32(e.Value))
}

func decodeEvent(b []byte) Event {
	var sec, usec uint64
	if wordSize == 8 {
		sec, usec = binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
	} else {
		sec, usec = uint64(binary.NativeEndian.Uint32(b)), uint64(binary.NativeEndian.Uint32(b[4:]))
	}
	o := 2 * wordSize
	// Seconds modulo 2^31 and microseconds modulo 10^6: a garbage record cannot overflow the
	// Duration (only differences between events of one touch are used).
	t := time.Duration(sec%(1<<31))*time.Second + time.Duration(usec%1_000_000)*time.Microsecond
	return Event{Time: t, Type: binary.NativeEndian.Uint16(b[o:]), Code: binary.NativeEndian.Uint16(b[o+2:]),
		Value: int32(binary.NativeEndian.Uint32(b[o+4:]))}
}

// ErrTruncated is returned by Stream.Next when the source ends inside a record.
var ErrTruncated = errors.New("touch: input ends inside an input_event record")

// Stream reads input_event records from r (an evdev device, a pipe, a recorded file),
// however the reads split them.
type Stream struct {
	r   io.Reader
	buf []byte
	n   int // bytes of buf holding a partial record
}

// NewStream reads records from r.
func NewStream(r io.Reader) *Stream {
	return &Stream{r: r, buf: make([]byte, 64*RecordSize)}
}

// Next returns the next record. At the end of r it returns io.EOF, or ErrTruncated when
// the end cuts a record; a read error is returned as it is.
func (s *Stream) Next() (Event, error) {
	for s.n < RecordSize {
		m, err := s.r.Read(s.buf[s.n:])
		s.n += m
		if s.n >= RecordSize {
			break
		}
		if err != nil {
			if errors.Is(err, io.EOF) && s.n > 0 {
				return Event{}, ErrTruncated
			}
			return Event{}, err
		}
	}
	e := decodeEvent(s.buf[:RecordSize])
	s.n = copy(s.buf, s.buf[RecordSize:s.n])
	return e, nil
}
