package readertest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// fakeVPCD plays pcscd's side of one vpcd slot: it listens, and speaks the frames.
type fakeVPCD struct {
	t *testing.T
	l net.Listener
}

func (f *fakeVPCD) accept() net.Conn {
	f.t.Helper()
	f.l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	c, err := f.l.Accept()
	if err != nil {
		f.t.Fatalf("accept: %v", err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

func send(t *testing.T, c net.Conn, msg []byte) {
	t.Helper()
	out := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	if _, err := c.Write(append(out, msg...)); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c net.Conn) []byte {
	t.Helper()
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(c, hdr); err != nil {
		t.Fatalf("read header: %v", err)
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("read body: %v", err)
	}
	return b
}

func TestVPCDFraming(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f := &fakeVPCD{t: t, l: l}
	card := newTestCard(t, Options{ATR: ATRJuki})
	events := make(chan VPCDEvent, 64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	v := &VPCD{Addr: l.Addr().String(), Card: card, RedialDelay: 10 * time.Millisecond,
		OnEvent: func(e VPCDEvent) { events <- e }}
	go func() { done <- v.Serve(ctx) }()

	c := f.accept()
	send(t, c, []byte{vpcdGetATR})
	if got := recv(t, c); !bytes.Equal(got, ATRJuki) {
		t.Fatalf("ATR %X", got)
	}
	send(t, c, h(selJPKI))
	if got := recv(t, c); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("select %X", got)
	}
	send(t, c, h(selAuthP))
	recv(t, c)
	send(t, c, h(pinAPDU("1234")))
	recv(t, c)
	if !card.Verified(PINAuth) {
		t.Fatal("PIN not verified through vpcd")
	}
	send(t, c, []byte{vpcdPowerOff}) // no answer; the card resets
	send(t, c, []byte{vpcdGetATR})
	recv(t, c)
	if card.Verified(PINAuth) {
		t.Fatal("power off did not reset the card")
	}
	// vpcd closes: the card redials.
	c.Close()
	c = f.accept()
	send(t, c, []byte{vpcdGetATR})
	recv(t, c)
	// Remove closes the socket; Insert dials again.
	card.Remove()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("socket still open after Remove")
	}
	card.Insert()
	c = f.accept()
	send(t, c, h(selJPKI))
	if got := recv(t, c); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("select after insert %X", got)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Serve returned %v", err)
	}
	var seen []VPCDEvent
	for len(events) > 0 {
		seen = append(seen, <-events)
	}
	count := map[VPCDEvent]int{}
	for _, e := range seen {
		count[e]++
	}
	if count[EventConnected] != 3 || count[EventPowerOff] != 1 || count[EventAPDU] != 4 {
		t.Fatalf("events %v", seen)
	}
}
