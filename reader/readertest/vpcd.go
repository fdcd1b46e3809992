package readertest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// vpcd control messages (one byte, vpcd → card); see pcsc-harness.md "The vpcd wire protocol".
const (
	vpcdPowerOff = 0x00
	vpcdPowerOn  = 0x01
	vpcdReset    = 0x02
	vpcdGetATR   = 0x04
)

// VPCDEvent is something that happened on a vpcd connection, for tests and logs.
type VPCDEvent int

const (
	EventConnected    VPCDEvent = iota + 1 // socket to vpcd open (the card is "inserted")
	EventATR                               // vpcd asked for the ATR (presence poll, ~0.4 s)
	EventPowerOn                           // card reset to a fresh state
	EventPowerOff                          // ditto
	EventReset                             // ditto
	EventAPDU                              // a command APDU was answered
	EventDisconnected                      // socket closed (EOF, removal or ctx)
)

func (e VPCDEvent) String() string {
	switch e {
	case EventConnected:
		return "connected"
	case EventATR:
		return "atr"
	case EventPowerOn:
		return "power-on"
	case EventPowerOff:
		return "power-off"
	case EventReset:
		return "reset"
	case EventAPDU:
		return "apdu"
	case EventDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("VPCDEvent(%d)", int(e))
}

// VPCD attaches a Card to one slot of pcscd's vpcd driver: it dials Addr (vpcd listens,
// the card connects), answers the 2-byte-length frames, and redials 200 ms after vpcd
// drops the connection. While the card is removed (Card.Remove or a FaultRemove) the socket
// is closed, which pcscd reports as "card absent"; Card.Insert reconnects.
type VPCD struct {
	Addr string // "127.0.0.1:PORT"; slot n of a reader.conf entry listens on PORT+n
	Card *Card
	// NoQuickAck disables TCP_QUICKACK, reproducing the 44 ms per APDU of vpcd 0.8.
	NoQuickAck bool
	// OnEvent, when set, is called for every event (from the serving goroutine).
	OnEvent func(VPCDEvent)
	// RedialDelay is the pause before dialling again; zero → 200 ms.
	RedialDelay time.Duration
}

// ServeVPCD serves card on the vpcd slot at addr until ctx ends; it returns ctx's error.
func ServeVPCD(ctx context.Context, addr string, card *Card) error {
	v := &VPCD{Addr: addr, Card: card}
	return v.Serve(ctx)
}

// Serve runs until ctx ends and returns ctx.Err(). Dial errors (pcscd not up yet, restarting)
// are retried; they are not reported.
func (v *VPCD) Serve(ctx context.Context) error {
	if v.Card == nil {
		return errors.New("readertest: vpcd: no card")
	}
	redial := v.RedialDelay
	if redial <= 0 {
		redial = 200 * time.Millisecond
	}
	var d net.Dialer
	for {
		changed, removed := v.Card.presenceChanged()
		if removed {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-changed:
				continue
			}
		}
		conn, err := d.DialContext(ctx, "tcp", v.Addr)
		if err == nil {
			v.event(EventConnected)
			v.serveConn(ctx, conn.(*net.TCPConn), changed)
			v.event(EventDisconnected)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t := time.NewTimer(redial)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (v *VPCD) event(e VPCDEvent) {
	if v.OnEvent != nil {
		v.OnEvent(e)
	}
}

// serveConn answers frames until the connection ends, ctx ends or the presence changes.
func (v *VPCD) serveConn(ctx context.Context, c *net.TCPConn, changed <-chan struct{}) {
	var once sync.Once
	closeConn := func() { once.Do(func() { c.Close() }) }
	defer closeConn()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
		case <-changed:
		case <-stop:
		}
		closeConn()
	}()
	hdr := make([]byte, 2)
	for {
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		v.quickAck(c) // vpcd 0.8 sends the body only after the header is ACKed
		msg := make([]byte, binary.BigEndian.Uint16(hdr))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		v.quickAck(c)
		var resp []byte
		if len(msg) == 1 {
			switch msg[0] {
			case vpcdGetATR:
				v.event(EventATR)
				resp = v.Card.ATR()
			case vpcdPowerOn:
				v.Card.Reset()
				v.event(EventPowerOn)
				continue
			case vpcdPowerOff:
				v.Card.Reset()
				v.event(EventPowerOff)
				continue
			case vpcdReset:
				v.Card.Reset()
				v.event(EventReset)
				continue
			default:
				continue // unknown control byte: no answer, like vpicc
			}
		} else {
			resp = v.Card.Handle(msg)
			if resp == nil { // removed mid-command: drop the connection, no answer
				return
			}
			v.event(EventAPDU)
		}
		if len(resp) > 0xFFFF {
			return
		}
		out := make([]byte, 2+len(resp))
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		copy(out[2:], resp)
		if _, err := c.Write(out); err != nil { // one Write: header and body in one segment
			return
		}
	}
}

func (v *VPCD) quickAck(c *net.TCPConn) {
	if v.NoQuickAck {
		return
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
