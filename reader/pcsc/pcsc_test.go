package pcsc_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
)

// The tests of this package share one private pcscd (pcschost), with the virtual card
// attached through vsmartcard's vpcd: the same stack a kiosk uses, minus the hardware.
func TestMain(m *testing.M) {
	if os.Getenv("PCSC_TEST_CHILD") != "" {
		os.Exit(m.Run()) // a child process runs its own pcscd (see TestReaderGone)
	}
	os.Exit(pcschost.Main(m))
}

func insert(t *testing.T, opts readertest.Options) (*pcschost.Host, *readertest.Card) {
	t.Helper()
	h := pcschost.Start(t)
	vc, err := readertest.NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	return h, vc
}

func connect(t *testing.T, h *pcschost.Host) *pcsc.Card {
	t.Helper()
	x, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	card, err := x.Connect(context.Background(), h.ReaderName(0), pcsc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { card.Close() })
	return card
}

func digestInfo(t *testing.T, msg string) ([]byte, []byte) {
	sum := sha256.Sum256([]byte(msg))
	di, err := reader.DigestInfo(crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return di, sum[:]
}

func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, vc := insert(t, readertest.Options{})
	card := connect(t, h)
	if !bytes.Equal(card.ATR(), vc.ATR()) {
		t.Fatalf("ATR = % X, want % X", card.ATR(), vc.ATR())
	}
	if card.Protocol() != "T=1" {
		t.Fatalf("protocol %s", card.Protocol())
	}
	if _, err := card.Identify(ctx); err != nil {
		t.Fatal(err)
	}
	cert, err := card.AuthCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cert.Raw, vc.AuthCert().Raw) {
		t.Fatal("certificate differs from the card's")
	}
	ca, err := card.AuthCACertificate(ctx)
	if err != nil || cert.CheckSignatureFrom(ca) != nil {
		t.Fatalf("CA certificate: %v", err)
	}
	if n, err := card.Tries(ctx, reader.AuthPIN); err != nil || n != 3 {
		t.Fatalf("Tries = %d, %v", n, err)
	}
	if err := card.Verify(ctx, reader.AuthPIN, []byte("4321")); !errors.Is(err, reader.ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n, _ := card.Tries(ctx, reader.AuthPIN); n != 2 || vc.TriesLeft(readertest.PINAuth) != 2 {
		t.Fatalf("counter after a wrong PIN: %d (card %d)", n, vc.TriesLeft(readertest.PINAuth))
	}
	if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
		t.Fatal(err)
	}
	di, sum := digestInfo(t, "challenge over pcsc")
	sig, err := card.Sign(ctx, reader.AuthKey, di)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum, sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if vc.MyNumberAccesses() != 0 {
		t.Fatal("My Number touched")
	}
}

func TestLockoutOverPCSC(t *testing.T) {
	ctx := context.Background()
	h, vc := insert(t, readertest.Options{})
	card := connect(t, h)
	for range 3 {
		_ = card.Verify(ctx, reader.AuthPIN, []byte("0000"))
	}
	if n, err := card.Tries(ctx, reader.AuthPIN); err != nil || n != 0 {
		t.Fatalf("Tries = %d, %v", n, err)
	}
	if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); !errors.Is(err, reader.ErrPINBlocked) {
		t.Fatalf("Verify on blocked: %v", err)
	}
	if vc.TriesLeft(readertest.PINAuth) != 0 {
		t.Fatal("card not blocked")
	}
}

func TestRemovedMidOperation(t *testing.T) {
	isRead := func(cmd []byte) bool { return len(cmd) > 2 && cmd[1] == reader.INSReadBinary }
	isSign := func(cmd []byte) bool { return len(cmd) > 2 && cmd[0] == 0x80 && cmd[1] == reader.INSSign }
	tests := []struct {
		name  string
		fault readertest.Fault
	}{
		{"during certificate read", readertest.Fault{Kind: readertest.FaultRemove, Match: isRead, After: 2}},
		{"during signature", readertest.Fault{Kind: readertest.FaultRemove, Match: isSign}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			h, vc := insert(t, readertest.Options{})
			card := connect(t, h)
			vc.InjectFault(tt.fault)
			done := make(chan error, 1)
			go func() {
				done <- func() error {
					if _, err := card.AuthCertificate(ctx); err != nil {
						return err
					}
					if err := card.Verify(ctx, reader.AuthPIN, []byte("1234")); err != nil {
						return err
					}
					di, _ := digestInfo(t, "x")
					_, err := card.Sign(ctx, reader.AuthKey, di)
					return err
				}()
			}()
			select {
			case err := <-done:
				if !errors.Is(err, reader.ErrCardRemoved) {
					t.Fatalf("error = %v, want ErrCardRemoved", err)
				}
			case <-ctx.Done():
				t.Fatal("hung after the card was pulled")
			}
		})
	}
}

// events collects what Watch reports.
type events struct {
	mu  sync.Mutex
	got []pcsc.Event
	ch  chan struct{}
}

func (e *events) emit(ev pcsc.Event) {
	if os.Getenv("PCSC_TEST_DEBUG") != "" {
		println(time.Now().Format("15:04:05.000"), ev.Kind.String(), ev.Reader)
	}
	e.mu.Lock()
	e.got = append(e.got, ev)
	e.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
	default:
	}
}

func (e *events) waitFor(t *testing.T, kind pcsc.EventKind, reader string) pcsc.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		for i, ev := range e.got {
			if ev.Kind == kind && (reader == "" || ev.Reader == reader) {
				e.got = append(e.got[:i:i], e.got[i+1:]...)
				e.mu.Unlock()
				return ev
			}
		}
		e.mu.Unlock()
		select {
		case <-e.ch:
		case <-deadline:
			t.Fatalf("no %v event for %q; got %v", kind, reader, e.got)
		}
	}
}

func TestWatch(t *testing.T) {
	h := pcschost.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	ev := &events{ch: make(chan struct{}, 1)}
	stopped := make(chan error, 1)
	go func() { stopped <- pcsc.Watch(ctx, regexp.MustCompile(`^Virtual PCD`), ev.emit) }()
	ev.waitFor(t, pcsc.ReaderAdded, h.ReaderName(0))
	ev.waitFor(t, pcsc.ReaderAdded, h.ReaderName(1))

	vc, err := readertest.NewCard(readertest.Options{ATR: readertest.ATRJuki})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	in := ev.waitFor(t, pcsc.CardInserted, h.ReaderName(0))
	if !bytes.Equal(in.ATR, readertest.ATRJuki) {
		t.Fatalf("inserted ATR % X", in.ATR)
	}
	if err := h.Remove(); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, pcsc.CardRemoved, h.ReaderName(0))
	cancel()
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Watch returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Watch did not return after cancel: blocked call not cancelled")
	}
}

// TestReaderGone stops pcscd under a connected card and a running Watch: the card reports
// ErrReaderGone (or ErrCardRemoved), Watch reports the loss, nothing hangs; when a pcscd is
// back, Watch reports the reader and the card again. It runs in a child process with its
// own pcscd, since libpcsclite fixes its socket once per process.
func TestReaderGone(t *testing.T) {
	if os.Getenv("PCSC_TEST_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReaderGone$", "-test.v")
		cmd.Env = append(os.Environ(), "PCSC_TEST_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestReaderGone") {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	h, err := pcschost.New(pcschost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Insert(vc); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	x, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	card, err := x.Connect(ctx, h.ReaderName(0), pcsc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{ch: make(chan struct{}, 1)}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	go pcsc.Watch(wctx, nil, ev.emit)
	ev.waitFor(t, pcsc.CardInserted, h.ReaderName(0))
	ev.waitFor(t, pcsc.ServiceReady, "")
	var rh pcsc.ReaderHealth // the card watch's view, for the health report
	go pcsc.WatchCards(wctx, regexp.MustCompile(`^Nothing$`), make(chanHolder, 1), &rh, nil)
	waitReaderState(t, &rh, pcsc.ReaderAbsent)

	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, pcsc.ServiceLost, "")
	waitReaderState(t, &rh, pcsc.ReaderServiceLost)
	// A watch started while pcscd is away says so too (it cannot list anything).
	var late pcsc.ReaderHealth
	go pcsc.WatchCards(wctx, nil, make(chanHolder, 1), &late, nil)
	waitReaderState(t, &late, pcsc.ReaderServiceLost)
	ev.waitFor(t, pcsc.ReaderRemoved, h.ReaderName(0))
	_, err = card.AuthCertificate(ctx)
	if !errors.Is(err, reader.ErrReaderGone) && !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("after pcscd stopped: %v", err)
	}
	if _, err := pcsc.Open(); !errors.Is(err, reader.ErrReaderGone) {
		t.Fatalf("Open without pcscd: %v", err)
	}

	// "Replug": the service comes back; Watch finds the readers and the card again.
	h2, err := pcschost.New(pcschost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if err := h2.Insert(vc); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, pcsc.ReaderAdded, h2.ReaderName(0))
	ev.waitFor(t, pcsc.CardInserted, h2.ReaderName(0))
	waitReaderState(t, &rh, pcsc.ReaderAbsent)
	waitReaderState(t, &late, pcsc.ReaderOK)
}

// TestClosedContext: after Close every call says so, and a Watch whose context ends
// while its pcsc context is being closed (the cancel loop racing Close) does not crash.
func TestClosedContext(t *testing.T) {
	h := pcschost.Start(t)
	x, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Readers(nil); !errors.Is(err, pcsc.ErrClosed) {
		t.Errorf("Readers after Close: %v", err)
	}
	if _, err := x.States([]string{h.ReaderName(0)}); !errors.Is(err, pcsc.ErrClosed) {
		t.Errorf("States after Close: %v", err)
	}
	if _, err := x.Connect(context.Background(), h.ReaderName(0), pcsc.Options{}); !errors.Is(err, pcsc.ErrClosed) {
		t.Errorf("Connect after Close: %v", err)
	}
	if err := x.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// Many short watches: each ends by its context while Watch closes the pcsc context.
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%5)*time.Millisecond)
		err := pcsc.Watch(ctx, nil, func(pcsc.Event) {})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("watch %d: %v", i, err)
		}
	}
}
