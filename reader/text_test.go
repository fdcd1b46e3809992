package reader_test

import (
	"context"
	"errors"
	"testing"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func TestReadFourFacts(t *testing.T) {
	ctx := context.Background()
	vc, card := newCard(t, readertest.Options{})
	facts, err := card.ReadFourFacts(ctx, []byte("1234"), vc.JLISPublicKey())
	if err != nil {
		t.Fatalf("ReadFourFacts: %v", err)
	}
	h := vc.Holder()
	want := reader.FourFacts{Name: h.Name, Address: h.Address, BirthDate: h.BirthDate, Sex: h.Sex}
	if *facts != want {
		t.Fatalf("facts = %+v, want %+v", *facts, want)
	}
	if vc.MyNumberAccesses() != 0 {
		t.Fatal("reading the four facts touched the My Number")
	}
	for _, e := range vc.Log() {
		if e.AP == "text" && len(e.Cmd) == 7 && e.Cmd[1] == reader.INSSelect && e.Cmd[5] == 0x00 && e.Cmd[6] == 0x01 {
			t.Fatalf("My Number file selected: %v", e)
		}
	}
}

func TestReadFourFactsRejectsForgery(t *testing.T) {
	ctx := context.Background()
	vc, card := newCard(t, readertest.Options{})
	other, err := readertest.NewCard(readertest.Options{JLISKey: readertest.Key(7)})
	if err != nil {
		t.Fatal(err)
	}
	// A key the kiosk does not trust signed the card's certificate.
	if _, err := card.ReadFourFacts(ctx, []byte("1234"), other.JLISPublicKey()); !errors.Is(err, reader.ErrSignatureInvalid) {
		t.Fatalf("untrusted issuer: %v", err)
	}
	// Wrong PIN: typed, counted down.
	_, card = newCard(t, readertest.Options{})
	if _, err := card.ReadFourFacts(ctx, []byte("0000"), vc.JLISPublicKey()); !errors.Is(err, reader.ErrWrongPIN) {
		t.Fatalf("wrong pin: %v", err)
	}
}

func TestParseFourFactsCorrupt(t *testing.T) {
	tests := map[string][]byte{
		"not FF20":       {0x30, 0x03, 0xDF, 0x22, 0x00},
		"missing facts":  {0xFF, 0x20, 0x06, 0xDF, 0x21, 0x02, 0x00, 0x03, 0x00},
		"offset outside": {0xFF, 0x20, 0x14, 0xDF, 0x21, 0x02, 0x7F, 0x00, 0xDF, 0x22, 0x00, 0xDF, 0x23, 0x00, 0xDF, 0x24, 0x00, 0xDF, 0x25, 0x01, '1', 0x00},
		"bad utf-8":      {0xFF, 0x20, 0x15, 0xDF, 0x21, 0x02, 0x00, 0x03, 0xDF, 0x22, 0x01, 0xFF, 0xDF, 0x23, 0x00, 0xDF, 0x24, 0x00, 0xDF, 0x25, 0x01, '1'},
		"truncated":      {0xFF, 0x20, 0x40, 0xDF},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if _, _, err := reader.ParseFourFacts(b); !errors.Is(err, reader.ErrBadCard) {
				t.Fatalf("ParseFourFacts = %v, want ErrBadCard", err)
			}
		})
	}
}

func FuzzParseFourFacts(f *testing.F) {
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := reader.New(vc).ReadFourFacts(context.Background(), []byte("1234"), vc.JLISPublicKey()); err != nil {
		f.Fatal(err)
	}
	for _, e := range vc.Log() { // the files as the card served them, status word cut off
		if len(e.Resp) > 2 {
			f.Add(e.Resp[:len(e.Resp)-2])
		}
	}
	f.Add([]byte{0xFF, 0x20, 0x15, 0xDF, 0x21, 0x02, 0x00, 0x03, 0xDF, 0x22, 0x01, 'a', 0xDF, 0x23, 0x00, 0xDF, 0x24, 0x00, 0xDF, 0x25, 0x01, '1'})
	f.Fuzz(func(t *testing.T, b []byte) {
		facts, hashed, err := reader.ParseFourFacts(b)
		if err != nil {
			if !errors.Is(err, reader.ErrBadCard) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if facts == nil || len(hashed) > len(b) {
			t.Fatal("inconsistent result")
		}
	})
}
