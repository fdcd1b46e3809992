package vscard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

var (
	selJPKI  = append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...)
	selAuthP = []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}
	verify   = func(pin string) []byte { return append([]byte{0x00, 0x20, 0x00, 0x80, byte(len(pin))}, pin...) }
	sw9000   = []byte{0x90, 0x00}
)

// newCard builds a fresh card (its RSA keys come from readertest's process-wide pool).
func newCard(t testing.TB, opts readertest.Options) *readertest.Card {
	t.Helper()
	c, err := readertest.NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// socketPair returns both ends of a unix-socket connection (a real kernel socket, as
// QEMU's chardev uses).
func socketPair(t testing.TB) (client, host net.Conn) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := l.Accept(); ch <- res{c, err} }()
	client, err = net.Dial("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return client, r.c
}

type recorder struct {
	mu sync.Mutex
	ev []Event
}

func (r *recorder) add(e Event) { r.mu.Lock(); r.ev = append(r.ev, e); r.mu.Unlock() }
func (r *recorder) count(k EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.ev {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkGoroutines fails when the test leaves more goroutines than it found.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines left (before %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// TestClientFlow drives the whole life of a connection through the Host double: handshake,
// reader, card in, APDUs, out, in again, flush, and the stop.
func TestClientFlow(t *testing.T) {
	for _, initFirst := range []bool{false, true} {
		name := "host waits for the client's Init"
		if initFirst {
			name = "host sends Init first (QEMU realized before the client dialled)"
		}
		t.Run(name, func(t *testing.T) {
			checkGoroutines(t)
			card := newCard(t, readertest.Options{})
			cc, hc := socketPair(t)
			host := NewHost(hc, initFirst)
			defer host.Close()
			rec := &recorder{}
			c := &Client{Card: card, OnEvent: rec.add}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Serve(ctx, cc) }()

			st, err := host.Wait(waitCtx(t), func(s HostState) bool { return s.Inserted })
			if err != nil {
				t.Fatalf("no card: %+v %v", st, err)
			}
			if !st.Handshake || !st.ReaderAdded || st.ReaderName != DefaultReaderName || !bytes.Equal(st.ATR, readertest.ATRMyNumber) {
				t.Fatalf("state %+v", st)
			}
			for _, apdu := range [][]byte{selJPKI, selAuthP, verify("1234")} {
				resp, err := host.Transmit(waitCtx(t), apdu)
				if err != nil || !bytes.Equal(resp, sw9000) {
					t.Fatalf("APDU %X: %X %v", apdu, resp, err)
				}
			}
			if !card.Verified(readertest.PINAuth) {
				t.Fatal("PIN not verified through VSCard")
			}
			if st, err := c.WaitState(waitCtx(t), func(s State) bool { return s.Inserted }); err != nil || !st.Connected || !st.ReaderAdded || st.APDUs != 3 {
				t.Fatalf("client state %+v %v", st, err)
			}
			// Out: the host's slot empties; an APDU now gets VSC_Error.
			card.Remove()
			if _, err := host.Wait(waitCtx(t), func(s HostState) bool { return !s.Inserted }); err != nil {
				t.Fatal(err)
			}
			if _, err := host.Transmit(waitCtx(t), selJPKI); !errors.Is(err, ErrCardError) {
				t.Fatalf("APDU with the card out: %v", err)
			}
			if st, err := c.WaitState(waitCtx(t), func(s State) bool { return !s.Inserted }); err != nil || !st.ReaderAdded {
				t.Fatalf("client state %+v %v", st, err)
			}
			// In again: a second ATR, a reset card.
			card.Insert()
			if st, err = host.Wait(waitCtx(t), func(s HostState) bool { return s.Inserted }); err != nil || st.ATRs != 2 {
				t.Fatalf("%+v %v", st, err)
			}
			if card.Verified(readertest.PINAuth) {
				t.Fatal("insert did not reset the card")
			}
			if err := host.Flush(waitCtx(t)); err != nil {
				t.Fatal(err)
			}
			// Stop: the host is told the card is gone, then the connection closes.
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Serve = %v", err)
			}
			if st := c.State(); st.Connected || st.Inserted || st.APDUs != 4 {
				t.Fatalf("client state after stop %+v", st)
			}
			// (The end is EOF, or a reset when the host's acknowledgement of that
			// CardRemove reached a socket the client had closed.)
			if st, err = host.Wait(waitCtx(t), func(s HostState) bool { return s.Err != nil }); st.Inserted || err != nil {
				t.Fatalf("after stop: %+v %v", st, err)
			}
			for k, n := range map[EventKind]int{EventConnected: 1, EventHandshake: 1, EventReaderAdded: 1,
				EventInserted: 2, EventRemoved: 1, EventAPDU: 4, EventFlush: 1, EventDisconnected: 1} {
				if got := rec.count(k); got != n {
					t.Errorf("%d %v events, want %d (%v)", got, k, n, rec.ev)
				}
			}
		})
	}
}

// TestClientRemovedMidCommand: a FaultRemove takes the card out as the command arrives;
// the host's command fails, then the slot is empty.
func TestClientRemovedMidCommand(t *testing.T) {
	card := newCard(t, readertest.Options{})
	cc, hc := socketPair(t)
	host := NewHost(hc, false)
	defer host.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Client{Card: card}).Serve(ctx, cc)
	if _, err := host.Wait(waitCtx(t), func(s HostState) bool { return s.Inserted }); err != nil {
		t.Fatal(err)
	}
	card.InjectFault(readertest.Fault{Kind: readertest.FaultRemove})
	if _, err := host.Transmit(waitCtx(t), selJPKI); !errors.Is(err, ErrCardError) {
		t.Fatalf("transmit: %v", err)
	}
	if _, err := host.Wait(waitCtx(t), func(s HostState) bool { return !s.Inserted }); err != nil {
		t.Fatal(err)
	}
}

// TestClientATRRefused: a host that refuses the ATR gets it once per insertion, not in a
// loop.
func TestClientATRRefused(t *testing.T) {
	card := newCard(t, readertest.Options{ATR: []byte{0x3B, 0x8F, 0x80}}) // 15 historical bytes announced, none sent
	cc, hc := socketPair(t)
	host := NewHost(hc, false)
	defer host.Close()
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Client{Card: card, OnEvent: rec.add}).Serve(ctx, cc)
	if _, err := host.Wait(waitCtx(t), func(s HostState) bool { return s.Refused == 1 }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	card.Remove()
	card.Insert()
	st, err := host.Wait(waitCtx(t), func(s HostState) bool { return s.Refused == 2 })
	if err != nil || st.Inserted {
		t.Fatalf("%+v %v", st, err)
	}
	time.Sleep(100 * time.Millisecond)
	if st := host.State(); st.Refused != 2 || rec.count(EventRefused) != 2 {
		t.Fatalf("ATR sent again without an insertion: %+v, events %v", st, rec.ev)
	}
}

// TestClientBadHost: what a broken host sends ends the connection with a typed error, or
// is answered with VSC_Error and the connection goes on.
func TestClientBadHost(t *testing.T) {
	hdr := func(typ, id, n uint32) []byte {
		b, _ := AppendMsg(nil, Msg{Type: MsgType(typ), ReaderID: id})
		b[8], b[9], b[10], b[11] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	badMagic, _ := AppendMsg(nil, Msg{Type: MsgInit, Data: append([]byte("XXXX"), InitMsg().Data[4:]...)})
	apdu, _ := AppendMsg(nil, Msg{Type: MsgAPDU, Data: selJPKI})
	shortErr, _ := AppendMsg(nil, Msg{Type: MsgError, Data: []byte{0}})
	initMsg, _ := AppendMsg(nil, InitMsg())
	for _, tc := range []struct {
		name  string
		send  []byte // after the client's Init was read
		fatal error  // nil: the connection must stay up
		ok    func(HostState) bool
	}{
		{"bad magic", badMagic, ErrBadMagic, nil},
		{"APDU before Init", apdu, ErrUnexpected, nil},
		{"length beyond 64 KiB", hdr(7, 0, 1<<20), ErrTooLong, nil},
		{"close in the handshake", nil, io.ErrUnexpectedEOF, nil},
		{"short error payload", append(append([]byte(nil), initMsg...), shortErr...), ErrMalformed, nil},
		{"unknown type 99", append(append([]byte(nil), initMsg...), hdr(99, 0, 0)...), nil, nil},
		{"client-only type ATR", append(append([]byte(nil), initMsg...), hdr(5, 0, 0)...), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			card := newCard(t, readertest.Options{})
			cc, hc := socketPair(t)
			defer hc.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- (&Client{Card: card, HandshakeTimeout: 5 * time.Second}).Serve(ctx, cc) }()
			if m, err := ReadMsg(hc); err != nil || m.Type != MsgInit {
				t.Fatalf("client's first message: %v %v", m, err)
			}
			if tc.send == nil {
				hc.Close()
			} else if _, err := hc.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.fatal != nil {
				var err error
				select {
				case err = <-done:
				case <-time.After(5 * time.Second):
					t.Fatal("Serve did not end")
				}
				if !errors.Is(err, tc.fatal) {
					t.Fatalf("Serve = %v, want %v", err, tc.fatal)
				}
				return
			}
			// The reader add, then a VSC_Error general error for the stray message.
			hc.SetReadDeadline(time.Now().Add(5 * time.Second))
			var sawErr bool
			for i := 0; i < 4 && !sawErr; i++ {
				m, err := ReadMsg(hc)
				if err != nil {
					t.Fatal(err)
				}
				if m.Type == MsgError {
					code, _ := ParseError(m.Data)
					sawErr = code == CodeGeneralError
				}
			}
			if !sawErr {
				t.Fatal("no VSC_Error for the stray message")
			}
			select {
			case err := <-done:
				t.Fatalf("Serve ended: %v", err)
			default:
			}
		})
	}
}

// TestClientHandshakeTimeout: a host that never sends Init.
func TestClientHandshakeTimeout(t *testing.T) {
	cc, hc := socketPair(t)
	defer hc.Close()
	go io.Copy(io.Discard, hc)
	err := (&Client{Card: newCard(t, readertest.Options{}), HandshakeTimeout: 50 * time.Millisecond}).Serve(context.Background(), cc)
	if err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("Serve = %v", err)
	}
}

// TestDialAndListen: both chardev roles over unix sockets and TCP on loopback, with a
// reconnect after the host drops the connection.
func TestDialAndListen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		listen bool // the client listens (QEMU's chardev connects)
		tcp    bool
	}{{"dial unix", false, false}, {"listen unix", true, false}, {"dial tcp", false, true}, {"listen tcp", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			ep := Endpoint{Network: "unix", Address: filepath.Join(t.TempDir(), "vscard.sock")}
			if tc.tcp {
				ep = Endpoint{Network: "tcp", Address: "127.0.0.1:0"}
			}
			card := newCard(t, readertest.Options{})
			c := &Client{Card: card, RedialDelay: 10 * time.Millisecond}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			var hostSide func() net.Conn
			if tc.listen {
				l, err := Listen(ep)
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr()
				go func() { done <- c.ListenAndServe(ctx, l) }()
				hostSide = func() net.Conn {
					conn, err := net.Dial(addr.Network(), addr.String())
					if err != nil {
						t.Fatal(err)
					}
					return conn
				}
			} else {
				l, err := net.Listen(ep.Network, ep.Address)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				ep.Address = l.Addr().String()
				go func() { done <- c.DialAndServe(ctx, ep) }()
				hostSide = func() net.Conn {
					l.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Now().Add(5 * time.Second))
					conn, err := l.Accept()
					if err != nil {
						t.Fatal(err)
					}
					return conn
				}
			}
			for round := 0; round < 2; round++ { // the second round is the reconnect
				host := NewHost(hostSide(), round == 1)
				if _, err := host.Wait(waitCtx(t), func(s HostState) bool { return s.Inserted }); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if resp, err := host.Transmit(waitCtx(t), selJPKI); err != nil || !bytes.Equal(resp, sw9000) {
					t.Fatalf("round %d: %X %v", round, resp, err)
				}
				host.Close()
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("serve loop = %v", err)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Endpoint
		ok   bool
	}{
		{"unix:/run/vscard.sock", Endpoint{"unix", "/run/vscard.sock"}, true},
		{"tcp:127.0.0.1:35970", Endpoint{"tcp", "127.0.0.1:35970"}, true},
		{"tcp:[::1]:35970", Endpoint{"tcp", "[::1]:35970"}, true},
		{"tcp:127.0.0.1", Endpoint{}, false},
		{"unix:", Endpoint{}, false},
		{"/run/vscard.sock", Endpoint{}, false},
		{"udp:127.0.0.1:1", Endpoint{}, false},
	} {
		got, err := ParseEndpoint(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseEndpoint(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("String() = %q", got.String())
		}
	}
}

func TestControl(t *testing.T) {
	checkGoroutines(t)
	card := newCard(t, readertest.Options{})
	path := filepath.Join(t.TempDir(), "control")
	l, err := ListenControl(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeControl(ctx, l, card) }()
	for _, tc := range []struct {
		op      Op
		in, err bool
	}{{OpStatus, true, false}, {OpRemove, false, false}, {OpRemove, false, false}, {OpStatus, false, false},
		{OpInsert, true, false}, {OpInsert, true, false}, {"eject", false, true}} {
		in, err := SendControl(waitCtx(t), path, tc.op)
		if (err != nil) != tc.err || (err == nil && in != tc.in) || card.Removed() == tc.in && !tc.err {
			t.Fatalf("%s: inserted=%v err=%v (card removed %v)", tc.op, in, err, card.Removed())
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ServeControl = %v", err)
	}
}

// FuzzClient: whatever a host sends after a good Init, Serve neither panics nor hangs,
// and ends when the host closes.
func FuzzClient(f *testing.F) {
	apdu, _ := AppendMsg(nil, Msg{Type: MsgAPDU, Data: selJPKI})
	flush, _ := AppendMsg(nil, Msg{Type: MsgFlush})
	ok, _ := AppendMsg(nil, ErrorMsg(0, CodeSuccess))
	f.Add(append(append([]byte(nil), ok...), apdu...))
	f.Add(append(append(append([]byte(nil), ok...), ok...), flush...))
	f.Add([]byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0})
	card := newCard(f, readertest.Options{MaxLog: 1})
	initMsg, _ := AppendMsg(nil, InitMsg())
	f.Fuzz(func(t *testing.T, in []byte) {
		cc, hc := net.Pipe()
		drained := make(chan struct{})
		go func() { io.Copy(io.Discard, hc); close(drained) }()
		done := make(chan error, 1)
		go func() { done <- (&Client{Card: card, HandshakeTimeout: time.Second}).Serve(context.Background(), cc) }()
		hc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = hc.Write(initMsg)
		_, _ = hc.Write(in)
		hc.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Serve hung on %x", in)
		}
		<-drained
		card.Insert()
	})
}
