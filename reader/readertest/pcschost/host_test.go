package pcschost

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

var selJPKI = append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...)

func newCard(t testing.TB, opts readertest.Options) *readertest.Card {
	t.Helper()
	c, err := readertest.NewCard(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func connect(t testing.TB, h *Host, slot int) (*scard.Context, *scard.Card) {
	t.Helper()
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatalf("establish context: %v", err)
	}
	t.Cleanup(func() { ctx.Release() })
	card, err := ctx.Connect(h.ReaderName(slot), scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatalf("connect %s: %v\n%s", h.ReaderName(slot), err, h.Log())
	}
	return ctx, card
}

func transmit(t testing.TB, card *scard.Card, cmd []byte) reader.Response {
	t.Helper()
	raw, err := card.Transmit(cmd)
	if err != nil {
		t.Fatalf("transmit %X: %v", cmd, err)
	}
	r, err := reader.ParseResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckNamesPackages(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := Check()
	if err == nil || !strings.Contains(err.Error(), "pcscd vsmartcard-vpcd") {
		t.Fatalf("Check() = %v", err)
	}
}

func TestPrivateSocket(t *testing.T) {
	h := Start(t)
	if got := os.Getenv(EnvSocket); got != h.Socket {
		t.Fatalf("%s = %q, want %q", EnvSocket, got, h.Socket)
	}
	if _, err := os.Stat("/run/pcscd/pcscd.comm"); err == nil && h.Socket != "/run/pcscd/pcscd.comm" {
		t.Log("note: a machine-wide pcscd also runs; the private one is separate")
	}
	if !listening(h.Port, h.PID) || !listening(h.Port+1, h.PID) {
		t.Fatalf("pcscd %d does not listen on %d/%d", h.PID, h.Port, h.Port+1)
	}
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	readers, err := ctx.ListReaders()
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 2 || readers[0] != h.ReaderName(0) || readers[1] != h.ReaderName(1) {
		t.Fatalf("readers %q", readers)
	}
}

func TestInsertTransmitRemove(t *testing.T) {
	h := Start(t)
	c := newCard(t, readertest.Options{})
	if err := h.Insert(c); err != nil {
		t.Fatal(err)
	}
	_, card := connect(t, h, 0)
	st, err := card.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Atr, readertest.ATRMyNumber) {
		t.Fatalf("ATR %X", st.Atr)
	}
	if r := transmit(t, card, selJPKI); r.SW != reader.SWOK {
		t.Fatalf("select JPKI: %v", r.SW)
	}
	if r := transmit(t, card, []byte{0x00, 0xA4, 0x04, 0x0C, 0x06, 0xA0, 0, 0, 0, 1, 1}); r.SW != reader.SWFileNotFound {
		t.Fatalf("select foreign AID: %v", r.SW)
	}
	// A 256-byte READ BINARY goes through pcscd and vpcd intact.
	transmit(t, card, []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A})
	r := transmit(t, card, []byte{0x00, 0xB0, 0x00, 0x00, 0x00})
	if r.SW != reader.SWOK || !bytes.Equal(r.Data, c.AuthCert().Raw[:256]) {
		t.Fatalf("read binary: %d bytes %v", len(r.Data), r.SW)
	}

	// Removal in the middle of a read: the client gets an error, pcscd reports absent.
	c.InjectFault(readertest.Fault{Kind: readertest.FaultRemove, Match: readertest.MatchReadAfterStart()})
	// Fact (vpcd 0.8, pcscd 1.9.9): the interrupted command "succeeds" with an EMPTY
	// response (no SW); only the next command fails. A transport must treat < 2 bytes as a
	// removal candidate.
	raw, err := card.Transmit([]byte{0x00, 0xB0, 0x01, 0x00, 0x00})
	if err == nil && len(raw) >= 2 {
		t.Fatalf("interrupted command answered %X", raw)
	}
	t.Logf("interrupted command: %d bytes, err %v", len(raw), err)
	if err := h.WaitPresence(0, false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = card.Transmit(selJPKI)
	if !errors.Is(err, scard.ErrRemovedCard) && !errors.Is(err, scard.ErrResetCard) && !errors.Is(err, scard.ErrNoSmartcard) {
		t.Fatalf("next command after removal: %v", err)
	}
	t.Logf("next command: %v", err)
	// Put it back: the same attachment redials; the card comes back reset.
	c.ClearFaults()
	c.Insert()
	if err := h.WaitPresence(0, true, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	_, card2 := connect(t, h, 0)
	if r := transmit(t, card2, []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}); r.SW != reader.SWFileNotFound {
		t.Fatalf("card not reset after reinsertion: %v", r.SW)
	}
	if err := h.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := card2.Transmit(selJPKI); err == nil {
		t.Fatal("transmit succeeded after Remove")
	}
}

func TestResetDropsVerifiedPIN(t *testing.T) {
	h := Start(t)
	c := newCard(t, readertest.Options{})
	if err := h.InsertSlot(1, c); err != nil {
		t.Fatal(err)
	}
	_, card := connect(t, h, 1)
	transmit(t, card, selJPKI)
	transmit(t, card, []byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18})
	if r := transmit(t, card, []byte{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}); r.SW != reader.SWOK {
		t.Fatalf("verify: %v", r.SW)
	}
	if !c.Verified(readertest.PINAuth) {
		t.Fatal("card does not show the PIN verified")
	}
	if err := card.Disconnect(scard.ResetCard); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for c.Verified(readertest.PINAuth) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c.Verified(readertest.PINAuth) {
		t.Fatal("reset through pcscd did not clear the verified PIN")
	}
}

func TestInsertSlotRange(t *testing.T) {
	h := &Host{}
	if err := h.InsertSlot(2, nil); err == nil {
		t.Fatal("slot 2 accepted")
	}
	if err := h.RemoveSlot(-1); err == nil {
		t.Fatal("slot -1 accepted")
	}
}

// BenchmarkSelectRoundTrip: one short APDU, Go client → pcscd → vpcd → virtual card.
func BenchmarkSelectRoundTrip(b *testing.B) {
	h := Start(b)
	c := newCard(b, readertest.Options{})
	if err := h.Insert(c); err != nil {
		b.Fatal(err)
	}
	_, card := connect(b, h, 0)
	for b.Loop() {
		raw, err := card.Transmit(selJPKI)
		if err != nil || !bytes.HasSuffix(raw, []byte{0x90, 0x00}) {
			b.Fatalf("%X %v", raw, err)
		}
	}
}
