package pcsc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ebfe/scard"

	"madoguchi/reader"
)

// Card is a card connected through PC/SC: the reader package's allow-listed JPKI session
// plus the connection facts. It deliberately exposes no raw Transmit.
type Card struct {
	*reader.Card
	conn *conn
}

// Options of Connect. The zero value connects exclusively with T=0 or T=1.
type Options struct {
	// Shared allows other PC/SC clients on the card at the same time (default exclusive: a
	// kiosk session owns the card).
	Shared bool
}

// Connect powers up the card in the named reader and starts a JPKI session on it.
func (x *Context) Connect(ctx context.Context, readerName string, opt Options) (*Card, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mode := scard.ShareExclusive
	if opt.Shared {
		mode = scard.ShareShared
	}
	h, err := x.handle()
	if err != nil {
		return nil, err
	}
	sc, err := h.Connect(readerName, mode, scard.ProtocolAny)
	if err != nil {
		return nil, fmt.Errorf("pcsc: connect %q: %w", readerName, classify(err))
	}
	st, err := sc.Status()
	if err != nil {
		_ = disconnect(sc, scard.LeaveCard)
		return nil, fmt.Errorf("pcsc: status of %q: %w", readerName, classify(err))
	}
	c := &conn{sc: sc, t0: sc.ActiveProtocol() == scard.ProtocolT0, atr: append([]byte(nil), st.Atr...), reader: readerName}
	return &Card{Card: reader.New(c), conn: c}, nil
}

// ATR returns the card's answer to reset as the reader reported it.
func (c *Card) ATR() []byte { return append([]byte(nil), c.conn.atr...) }

// Protocol returns "T=0" or "T=1".
func (c *Card) Protocol() string {
	if c.conn.t0 {
		return "T=0"
	}
	return "T=1"
}

// String names the reader the card sits in.
func (c *Card) String() string { return "pcsc card in " + c.conn.reader }

// Close ends the session and powers the card down, which also drops every verified PIN.
func (c *Card) Close() error {
	if c.conn.sc == nil {
		return nil
	}
	err := disconnect(c.conn.sc, scard.UnpowerCard)
	c.conn.sc = nil
	if err != nil {
		return fmt.Errorf("pcsc: disconnect: %w", classify(err))
	}
	return nil
}

// conn implements reader.Transport over an scard handle, handling the T=0 specifics:
// case-4 commands go without Le and 61xx answers are collected with GET RESPONSE; a 6Cxx
// answer to a case-2 command is repeated with the exact Le.
type conn struct {
	sc     *scard.Card
	t0     bool
	atr    []byte
	reader string
}

func (c *conn) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.sc == nil {
		return nil, fmt.Errorf("pcsc: transmit: %w", reader.ErrCardRemoved)
	}
	if !c.t0 {
		out, err := c.transmit(cmd)
		if err != nil && extended(cmd) && c.refusedExtended(err) {
			return nil, fmt.Errorf("pcsc: transmit: %w (%w)", reader.ErrNoExtendedLength, err)
		}
		return out, err
	}
	// apdu.Data aliases cmd (ParseCommand copies nothing): the VERIFY PIN has no copy
	// here, and is gone when the caller zeroes cmd after sending.
	apdu, err := reader.ParseCommand(cmd)
	if err != nil {
		return nil, err
	}
	if apdu.Extended() {
		return nil, fmt.Errorf("pcsc: extended apdu over T=0 needs envelopes: %w", reader.ErrNoExtendedLength)
	}
	tpdu := cmd
	if len(apdu.Data) > 0 && apdu.Ne > 0 {
		tpdu = cmd[:len(cmd)-1] // case 4 goes as case 3 over T=0
	}
	resp, err := c.transmit(tpdu)
	if err != nil {
		return nil, err
	}
	var data []byte
	for range 64 { // bounded: 64 × 256 bytes is far beyond any JPKI answer
		if len(resp) < 2 {
			return resp, nil
		}
		sw1, sw2 := resp[len(resp)-2], resp[len(resp)-1]
		switch {
		case sw1 == 0x61:
			data = append(data, resp[:len(resp)-2]...)
			resp, err = c.transmit([]byte{apdu.CLA &^ 0x80 & 0xFC, 0xC0, 0x00, 0x00, sw2})
		case sw1 == 0x6C && len(apdu.Data) == 0 && apdu.Ne > 0:
			retry := append([]byte(nil), cmd[:4]...)
			resp, err = c.transmit(append(retry, sw2))
			apdu.Ne = 0 // only once
		default:
			return append(data, resp...), nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("pcsc: endless 61xx chain: %w", reader.ErrBadCard)
}

// extended reports whether cmd is an extended-length command APDU (00 after the header,
// then two length bytes).
func extended(cmd []byte) bool { return len(cmd) >= 7 && cmd[4] == 0 }

// refusedExtended reports whether err, the failure of an extended-length command, is the
// reader refusing it rather than the card leaving: a CCID reader limited to short APDUs
// fails the exchange (not transacted, communication error, a parameter or buffer it cannot
// take) while the card stays present.
func (c *conn) refusedExtended(err error) bool {
	var se scard.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se {
	case scard.ErrNotTransacted, scard.ErrCommError, scard.ErrInvalidParameter, scard.ErrInsufficientBuffer,
		scard.ErrInvalidValue, scard.ErrUnsupportedFeature:
	default:
		return false
	}
	st, serr := c.sc.Status()
	return serr == nil && st.State&scard.Present != 0
}

// How long a transmit that got no status word waits for the service to notice a removal:
// pcscd polls a reader about every 0.4 s.
const (
	removalChecks     = 12
	removalCheckEvery = 100 * time.Millisecond
)

func (c *conn) transmit(b []byte) ([]byte, error) {
	out, err := c.sc.Transmit(b)
	if err != nil {
		return nil, fmt.Errorf("pcsc: transmit: %w", classify(err))
	}
	if len(out) < 2 {
		// No status word: some reader drivers (vpcd among them) answer an empty response
		// when the card went away mid-command, before the service has noticed. Ask the
		// reader, for a bounded time, whether the card is still there.
		for range removalChecks {
			st, serr := c.sc.Status()
			if serr != nil {
				return nil, fmt.Errorf("pcsc: transmit: %w", classify(serr))
			}
			if st.State&scard.Present == 0 {
				return nil, fmt.Errorf("pcsc: transmit: %w", reader.ErrCardRemoved)
			}
			time.Sleep(removalCheckEvery)
		}
		return nil, fmt.Errorf("pcsc: transmit: %w: %d-byte response", reader.ErrBadCard, len(out))
	}
	return out, nil
}

// disconnect ends a card handle, held against context changes (see lifecycle).
func disconnect(sc *scard.Card, d scard.Disposition) error {
	lifecycle.Lock()
	defer lifecycle.Unlock()
	return sc.Disconnect(d)
}
