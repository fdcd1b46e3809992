package vscard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrCardError: the client answered an APDU with VSC_Error (no card, or taken out
// mid-command); QEMU fails the guest's CCID command then.
var ErrCardError = errors.New("vscard: the client answered with an error")

// HostState is what a Host knows, as the guest's reader would show it.
type HostState struct {
	Handshake   bool   // the client's Init arrived (and was answered)
	ReaderAdded bool   // the reader is attached
	ReaderName  string // as the client named it
	Inserted    bool   // a card is in: an accepted ATR and no CardRemove since
	ATR         []byte
	ATRs        int   // ATR messages accepted so far
	Refused     int   // client messages answered with VSC_Error (bad ATR, unexpected types)
	Err         error // why the connection ended (nil while it is open; io.EOF for a clean close)
}

// Host plays QEMU's side of VSCard (hw/usb/ccid-card-passthru.c, as read in QEMU's
// source) for tests without a QEMU: it answers Init with Init, ReaderAdd with VSC_Error
// success and reader id 0, checks an ATR as QEMU does (at most MaxATR bytes, TS 3B or
// 3F, the interface and historical bytes it announces present) and answers success or
// general error, answers CardRemove and ReaderRemove with success, and anything else a
// client must not send with general error. Transmit sends an APDU as the guest's
// XfrBlock would.
type Host struct {
	conn net.Conn
	tx   sync.Mutex // one APDU at a time, as one CCID slot

	mu      sync.Mutex
	state   HostState
	changed chan struct{} // closed and replaced at every state change
	resp    chan apduResult
	flushed chan struct{}
	done    chan struct{}
}

type apduResult struct {
	data []byte
	err  error
}

// NewHost serves conn as QEMU would. With initFirst it sends its Init at once, as QEMU
// does when the device is realized (a client that dials a QEMU already waiting sees it).
func NewHost(conn net.Conn, initFirst bool) *Host {
	h := &Host{conn: conn, changed: make(chan struct{}), resp: make(chan apduResult, 1),
		flushed: make(chan struct{}, 1), done: make(chan struct{})}
	if initFirst {
		_ = WriteMsg(conn, InitMsg())
	}
	go h.loop()
	return h
}

// Close closes the connection and waits for the Host's goroutine to end.
func (h *Host) Close() error {
	err := h.conn.Close()
	<-h.done
	return err
}

// State returns a copy of what the Host knows now.
func (h *Host) State() HostState {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.state
	s.ATR = append([]byte(nil), s.ATR...)
	return s
}

// Wait returns the state once cond holds for it, or ctx's error.
func (h *Host) Wait(ctx context.Context, cond func(HostState) bool) (HostState, error) {
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		if s := h.State(); cond(s) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return h.State(), ctx.Err()
		case <-ch:
		}
	}
}

// Send writes a raw message (tests use it for what a broken host might send).
func (h *Host) Send(m Msg) error { return WriteMsg(h.conn, m) }

// SendRaw writes raw bytes.
func (h *Host) SendRaw(b []byte) error {
	_, err := h.conn.Write(b)
	return err
}

// Transmit sends a command APDU to the client's card and waits for the response APDU, or
// ErrCardError when the client answers VSC_Error.
func (h *Host) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	h.tx.Lock()
	defer h.tx.Unlock()
	select { // a late answer to an abandoned command
	case <-h.resp:
	default:
	}
	if err := WriteMsg(h.conn, Msg{Type: MsgAPDU, ReaderID: MinimalReaderID, Data: apdu}); err != nil {
		return nil, fmt.Errorf("vscard host: transmit: %w", err)
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.done:
		return nil, fmt.Errorf("vscard host: transmit: %w", h.State().Err)
	case r := <-h.resp:
		return r.data, r.err
	}
}

// Flush sends VSC_Flush and waits for FlushComplete.
func (h *Host) Flush(ctx context.Context) error {
	if err := WriteMsg(h.conn, Msg{Type: MsgFlush, ReaderID: MinimalReaderID}); err != nil {
		return fmt.Errorf("vscard host: flush: %w", err)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-h.done:
		return fmt.Errorf("vscard host: flush: %w", h.State().Err)
	case <-h.flushed:
		return nil
	}
}

func (h *Host) update(f func(*HostState)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.state)
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *Host) loop() {
	defer close(h.done)
	for {
		m, err := ReadMsg(h.conn)
		if err != nil {
			h.update(func(s *HostState) { s.Err = err })
			return
		}
		if err := h.handle(m); err != nil {
			h.update(func(s *HostState) { s.Err = err })
			h.conn.Close()
			return
		}
	}
}

// reply answers the client; like QEMU's write to a chardev whose peer is gone, a failed
// write is dropped (the read that follows sees the end).
func (h *Host) reply(m Msg) error {
	_ = WriteMsg(h.conn, m)
	return nil
}

func (h *Host) handle(m Msg) error {
	switch m.Type {
	case MsgInit:
		if _, err := ParseInit(m.Data); err != nil {
			return err
		}
		h.update(func(s *HostState) { s.Handshake = true })
		return h.reply(InitMsg())
	case MsgReaderAdd:
		h.update(func(s *HostState) { s.ReaderAdded, s.ReaderName = true, string(m.Data) })
		return h.reply(ErrorMsg(MinimalReaderID, CodeSuccess))
	case MsgReaderRemove:
		h.update(func(s *HostState) { s.ReaderAdded, s.Inserted = false, false })
		return h.reply(ErrorMsg(m.ReaderID, CodeSuccess))
	case MsgATR:
		if !ValidATR(m.Data) {
			h.update(func(s *HostState) { s.Refused++ })
			return h.reply(ErrorMsg(m.ReaderID, CodeGeneralError))
		}
		h.update(func(s *HostState) {
			s.Inserted, s.ATR = true, append([]byte(nil), m.Data...)
			s.ATRs++
		})
		return h.reply(ErrorMsg(m.ReaderID, CodeSuccess))
	case MsgCardRemove:
		h.update(func(s *HostState) { s.Inserted = false })
		return h.reply(ErrorMsg(m.ReaderID, CodeSuccess))
	case MsgAPDU:
		h.answer(apduResult{data: m.Data})
		return nil
	case MsgError:
		code, err := ParseError(m.Data)
		if err != nil {
			return err
		}
		h.answer(apduResult{err: fmt.Errorf("%w: %s", ErrCardError, code)})
		return nil
	case MsgFlushComplete:
		select {
		case h.flushed <- struct{}{}:
		default:
		}
		return nil
	}
	h.update(func(s *HostState) { s.Refused++ })
	return h.reply(ErrorMsg(m.ReaderID, CodeGeneralError))
}

func (h *Host) answer(r apduResult) {
	select {
	case h.resp <- r:
	default: // nobody asked: dropped, as QEMU drops an answer with no pending command
	}
}

// ValidATR reports whether atr passes the check ccid-card-passthru makes before it
// accepts a card: 2..MaxATR bytes, TS 3B or 3F, and as many bytes as T0 and the first two
// TD bytes announce (interface bytes plus historical bytes). Extra bytes (TCK, later
// interface bytes) are let through.
func ValidATR(atr []byte) bool {
	if len(atr) < 2 || len(atr) > MaxATR || atr[0] != 0x3B && atr[0] != 0x3F {
		return false
	}
	hist := int(atr[1] & 0x0F)
	need := 2 + hist // TS, T0, historical bytes
	y := atr[1] >> 4 // which of TA, TB, TC, TD follow
	pos := 2         // where the next interface byte group starts
	for i := 0; i < 2 && y != 0; i++ {
		n := 0
		for bit := byte(1); bit <= 8; bit <<= 1 {
			if y&bit != 0 {
				n++
			}
		}
		need += n
		if y&8 == 0 {
			break
		}
		td := pos + n - 1
		if td >= len(atr) {
			return false
		}
		y = atr[td] >> 4
		pos += n
	}
	return len(atr) >= need
}
