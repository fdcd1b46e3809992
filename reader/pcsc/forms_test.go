package pcsc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// TestFourFactsOverPCSC is the prefilled forms' card part through pcscd and vpcd: the
// text AP PIN's counter read without spending a try, a wrong PIN spent once, then the four
// facts read and checked against the card's signature; the My Number is never touched.
func TestFourFactsOverPCSC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, vc := insert(t, readertest.Options{TextPIN: "2580"})
	card := connect(t, h)
	var _ kiosk.FactsCard = card // what the engine's forms service asks of the card
	for range 2 {
		if n, err := card.Tries(ctx, reader.TextPIN); err != nil || n != 3 {
			t.Fatalf("Tries = %d, %v", n, err)
		}
	}
	if vc.TriesLeft(readertest.PINText) != 3 {
		t.Fatal("reading the counter spent a try")
	}
	if _, err := card.ReadFourFacts(ctx, []byte("0000"), vc.JLISPublicKey()); !errors.Is(err, reader.ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if n, _ := card.Tries(ctx, reader.TextPIN); n != 2 || vc.TriesLeft(readertest.PINAuth) != 3 {
		t.Fatalf("after a wrong PIN: text %d, auth %d", n, vc.TriesLeft(readertest.PINAuth))
	}
	f, err := card.ReadFourFacts(ctx, []byte("2580"), vc.JLISPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	h0 := vc.Holder()
	if f.Name != h0.Name || f.Address != h0.Address || f.BirthDate != h0.BirthDate || f.Sex != h0.Sex {
		t.Fatalf("facts %+v, want %+v", f, h0)
	}
	if _, err := card.ReadFourFacts(ctx, []byte("2580"), &readertest.Key(1002).PublicKey); !errors.Is(err, reader.ErrSignatureInvalid) {
		t.Fatalf("another issuer key: %v", err)
	}
	if vc.MyNumberAccesses() != 0 {
		t.Fatal("My Number touched")
	}
}
