package eapp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"madoguchi/reader/readertest"
)

// TestAnotherCardsSignature: a SignedData carrying one card's certificate and another
// card's signature is refused by Open.
func TestAnotherCardsSignature(t *testing.T) {
	vc, err := readertest.NewCard(readertest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other := readertest.Key(1004)
	forged, err := signedData([]byte(`{"format":"x"}`), vc.SignCert(), time.Now(), func(di []byte) ([]byte, error) {
		return rsa.SignPKCS1v15(rand.Reader, other, crypto.Hash(0), di)
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(forged); !errors.Is(err, ErrBadSignedData) {
		t.Fatalf("another card's signature: %v", err)
	}
}
