package vscard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"madoguchi/reader/readertest"
)

// EventKind names something that happened on a connection, for tests and logs.
type EventKind int

const (
	EventConnected    EventKind = iota + 1 // the connection to the host is open; Init sent
	EventHandshake                         // the host's Init arrived
	EventReaderAdded                       // the host acknowledged ReaderAdd: the guest sees a reader
	EventInserted                          // the host acknowledged the ATR: the guest sees a card
	EventRemoved                           // the host acknowledged CardRemove: the slot is empty
	EventRefused                           // the host answered a request with an error code
	EventAPDU                              // a command APDU was answered (by the card or, with no card, by VSC_Error)
	EventFlush                             // a Flush was answered with FlushComplete
	EventUnexpected                        // the host sent a message a host must not send; answered with VSC_Error
	EventDisconnected                      // the connection ended
)

func (k EventKind) String() string {
	names := [...]string{"", "connected", "handshake", "reader-added", "inserted", "removed", "refused", "apdu", "flush", "unexpected", "disconnected"}
	if k >= 1 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one thing that happened. Msg is the request an acknowledgement or refusal
// answers (or the unexpected message's type); Code the host's code; Err why a connection
// ended (nil for a clean end).
type Event struct {
	Kind EventKind
	Msg  MsgType
	Code ErrorCode
	Err  error
}

func (e Event) String() string {
	switch e.Kind {
	case EventRefused:
		return fmt.Sprintf("%s %s: %s", e.Kind, e.Msg, e.Code)
	case EventUnexpected:
		return fmt.Sprintf("%s %s", e.Kind, e.Msg)
	case EventDisconnected:
		if e.Err != nil {
			return fmt.Sprintf("%s: %v", e.Kind, e.Err)
		}
	}
	return e.Kind.String()
}

// ErrReaderRefused: the host answered ReaderAdd with an error code (QEMU: the CCID device
// has a card device already).
var ErrReaderRefused = errors.New("vscard: host refused the reader")

// DefaultReaderName is the name sent in ReaderAdd when Client.ReaderName is empty. QEMU
// shows it nowhere; the guest sees QEMU's own USB CCID reader.
const DefaultReaderName = "madoguchi virtual card"

// Client is the card's side of VSCard: what vscard_common.h calls the client, the owner of
// the card. QEMU's ccid-card-passthru is the host. A Client serves one Card over any
// number of connections, one at a time; the Card's Remove and Insert (or a FaultRemove)
// become CardRemove and ATR messages.
type Client struct {
	Card       *readertest.Card
	ReaderName string
	// OnEvent, when set, is called for every event, from the serving goroutine.
	OnEvent func(Event)
	// HandshakeTimeout bounds the wait for the host's Init; zero means 10 s.
	HandshakeTimeout time.Duration
	// RedialDelay is the pause before dialling again (DialAndServe); zero means 200 ms.
	RedialDelay time.Duration

	mu      sync.Mutex
	state   State
	changed chan struct{} // closed and replaced at every state change
}

// State is what the host has acknowledged on the current connection, as the guest sees it.
type State struct {
	Connected   bool // a connection to the host is open
	ReaderAdded bool // the guest has a reader
	Inserted    bool // the guest has a card in it
	APDUs       int  // APDUs answered, over every connection
}

// State returns the state now.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// WaitState returns the state once cond holds for it, or ctx's error; e.g.
// c.WaitState(ctx, func(s vscard.State) bool { return s.Inserted }) after Card.Insert.
func (c *Client) WaitState(ctx context.Context, cond func(State) bool) (State, error) {
	for {
		c.mu.Lock()
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		st, ch := c.state, c.changed
		c.mu.Unlock()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-ch:
		}
	}
}

func (c *Client) event(e Event) {
	c.mu.Lock()
	switch e.Kind {
	case EventConnected:
		c.state.Connected = true
	case EventReaderAdded:
		c.state.ReaderAdded = true
	case EventInserted:
		c.state.Inserted = true
	case EventRemoved:
		c.state.Inserted = false
	case EventAPDU:
		c.state.APDUs++
	case EventDisconnected:
		c.state = State{APDUs: c.state.APDUs}
	}
	if c.changed != nil {
		close(c.changed)
	}
	c.changed = make(chan struct{})
	c.mu.Unlock()
	if c.OnEvent != nil {
		c.OnEvent(e)
	}
}

type readResult struct {
	m   Msg
	err error
}

// Serve speaks VSCard on conn until the host closes it (nil), ctx ends (ctx.Err()), or
// the protocol breaks (a *ProtocolError, ErrReaderRefused or an I/O error). Serve owns
// conn and closes it. It sends Init, waits for the host's Init, adds the reader, then
// sends the card's ATR while the card is in (each ATR follows a Card.Reset: the guest sees
// a freshly powered card), CardRemove when it is taken out, and answers APDUs through the
// Card. When ctx ends with the card in, a CardRemove is sent first, so the guest sees the
// card go rather than a reader that stops answering.
func (c *Client) Serve(ctx context.Context, conn net.Conn) (err error) {
	if c.Card == nil {
		conn.Close()
		return errors.New("vscard: serve: no card")
	}
	var closeOnce sync.Once
	closeConn := func() { closeOnce.Do(func() { conn.Close() }) }
	done := make(chan struct{})
	msgs := make(chan readResult)
	var wg sync.WaitGroup
	defer func() {
		closeConn()
		close(done)
		wg.Wait()
		c.event(Event{Kind: EventDisconnected, Err: err})
	}()
	wg.Add(1)
	go func() { // the only reader of conn
		defer wg.Done()
		for {
			m, err := ReadMsg(conn)
			select {
			case msgs <- readResult{m, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// When ctx ends, a Write the host does not read is cut short by a deadline (the conn
	// stays open so a last CardRemove can go out).
	unblocked := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = conn.SetWriteDeadline(time.Now())
		close(unblocked)
	})
	defer stop()

	s := &session{c: c, conn: conn, readerID: UndefinedReaderID}
	if err := s.send(InitMsg()); err != nil {
		return s.ioErr(ctx, "send init", err)
	}
	c.event(Event{Kind: EventConnected})
	if err := s.handshake(ctx, msgs); err != nil {
		return err
	}
	if err := s.send(Msg{Type: MsgReaderAdd, ReaderID: UndefinedReaderID, Data: []byte(c.readerName())}); err != nil {
		return s.ioErr(ctx, "send reader add", err)
	}
	s.pending = append(s.pending, MsgReaderAdd)
	for {
		changed, removed := c.Card.Presence()
		// told = the host believes a card is in; hold = it refused this card's ATR.
		if s.added && removed == s.told && !(s.hold && !removed) {
			if err := s.tellPresence(!removed); err != nil {
				return s.ioErr(ctx, "send presence", err)
			}
		}
		select {
		case <-ctx.Done():
			if !stop() {
				<-unblocked
			}
			if s.told && !s.closed {
				_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
				_ = s.send(Msg{Type: MsgCardRemove, ReaderID: s.readerID})
			}
			return ctx.Err()
		case <-changed:
			s.hold = false
		case r := <-msgs:
			if r.err != nil {
				if errors.Is(r.err, io.EOF) {
					return nil
				}
				return s.ioErr(ctx, "read", r.err)
			}
			if err := s.handle(r.m); err != nil {
				return s.ioErr(ctx, "answer "+r.m.Type.String(), err)
			}
		}
	}
}

func (c *Client) readerName() string {
	if c.ReaderName != "" {
		return c.ReaderName
	}
	return DefaultReaderName
}

// session is one connection's state; only Serve's goroutine touches it.
type session struct {
	c        *Client
	conn     net.Conn
	readerID uint32
	added    bool      // the host acknowledged the reader
	told     bool      // the host was last told a card is in (ATR) rather than out
	pending  []MsgType // requests awaiting the host's VSC_Error, in order
	closed   bool      // the connection failed; nothing more is sent
	hold     bool      // the host refused the ATR: wait for the next insert before another
}

func (s *session) send(m Msg) error {
	if err := WriteMsg(s.conn, m); err != nil {
		s.closed = true
		return err
	}
	return nil
}

// ioErr returns ctx's error when ctx ended (the conn was closed for it), else err wrapped
// with op; protocol errors and sentinels pass unchanged.
func (s *session) ioErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *ProtocolError
	if errors.As(err, &pe) || errors.Is(err, ErrReaderRefused) {
		return err
	}
	return fmt.Errorf("vscard: %s: %w", op, err)
}

func (s *session) handshake(ctx context.Context, msgs <-chan readResult) error {
	d := s.c.HandshakeTimeout
	if d <= 0 {
		d = 10 * time.Second
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("vscard: handshake: no Init from the host within %v", d)
	case r := <-msgs:
		if r.err != nil {
			if errors.Is(r.err, io.EOF) {
				r.err = io.ErrUnexpectedEOF
			}
			return s.ioErr(ctx, "handshake", r.err)
		}
		if r.m.Type != MsgInit {
			return protoErr(r.m.Type, ErrUnexpected, "before the host's Init")
		}
		if _, err := ParseInit(r.m.Data); err != nil {
			return err
		}
	}
	s.c.event(Event{Kind: EventHandshake})
	return nil
}

// tellPresence sends the ATR (after a card reset) or CardRemove.
func (s *session) tellPresence(in bool) error {
	m := Msg{Type: MsgCardRemove, ReaderID: s.readerID}
	if in {
		s.c.Card.Reset()
		m = Msg{Type: MsgATR, ReaderID: s.readerID, Data: s.c.Card.ATR()}
	}
	s.told = in
	s.pending = append(s.pending, m.Type)
	return s.send(m)
}

// handle answers one message from the host.
func (s *session) handle(m Msg) error {
	switch m.Type {
	case MsgInit:
		// QEMU sends Init when the device starts and again in reply to ours: a client
		// that dials a waiting QEMU sees both. Only a broken one is refused.
		_, err := ParseInit(m.Data)
		return err
	case MsgError:
		code, err := ParseError(m.Data)
		if err != nil {
			return err
		}
		return s.ack(m.ReaderID, code)
	case MsgAPDU:
		if !s.added || m.ReaderID != s.readerID || !s.told {
			s.c.event(Event{Kind: EventAPDU, Msg: MsgAPDU, Code: CodeGeneralError})
			return s.send(ErrorMsg(m.ReaderID, CodeGeneralError))
		}
		resp := s.c.Card.Handle(m.Data)
		if resp == nil || len(resp) > MaxPayload {
			// Taken out mid-command: the guest's command fails; CardRemove follows
			// from the presence check in Serve's loop.
			s.c.event(Event{Kind: EventAPDU, Msg: MsgAPDU, Code: CodeGeneralError})
			return s.send(ErrorMsg(s.readerID, CodeGeneralError))
		}
		s.c.event(Event{Kind: EventAPDU, Msg: MsgAPDU})
		return s.send(Msg{Type: MsgAPDU, ReaderID: s.readerID, Data: resp})
	case MsgFlush:
		// Every APDU is answered before the next message is read, so nothing is
		// outstanding.
		s.c.event(Event{Kind: EventFlush})
		return s.send(Msg{Type: MsgFlushComplete, ReaderID: m.ReaderID})
	}
	// Client-to-host types and unknown ones: answered as QEMU answers what it does not
	// expect.
	s.c.event(Event{Kind: EventUnexpected, Msg: m.Type})
	return s.send(ErrorMsg(m.ReaderID, CodeGeneralError))
}

// ack matches a VSC_Error from the host to the oldest request awaiting one.
func (s *session) ack(readerID uint32, code ErrorCode) error {
	if len(s.pending) == 0 {
		// Unsolicited (QEMU answers what it could not parse this way): note it.
		s.c.event(Event{Kind: EventRefused, Code: code})
		return nil
	}
	req := s.pending[0]
	s.pending = s.pending[1:]
	if code != CodeSuccess {
		s.c.event(Event{Kind: EventRefused, Msg: req, Code: code})
		if req == MsgReaderAdd {
			return fmt.Errorf("%w: %s", ErrReaderRefused, code)
		}
		if req == MsgATR {
			s.told, s.hold = false, true // the slot stays empty until the next insert
		}
		return nil
	}
	switch req {
	case MsgReaderAdd:
		s.added = true
		s.readerID = readerID
		s.c.event(Event{Kind: EventReaderAdded})
	case MsgATR:
		s.c.event(Event{Kind: EventInserted})
	case MsgCardRemove:
		s.c.event(Event{Kind: EventRemoved})
	}
	return nil
}
