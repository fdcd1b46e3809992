package center_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
)

// TestIssueRefusesBadDocuments: a center (or anything in between) that answers with a
// document that is not exactly the one for this transaction never gets it printed: the
// client returns ErrBadDocument.
func TestIssueRefusesBadDocuments(t *testing.T) {
	ctx := context.Background()
	pki := sharedPKI(t)
	req := center.Request{Type: center.ResidentRecord, Copies: 1}
	key := strings.Repeat("k", 32)
	card := []byte("card certificate DER (the client only hashes it)")
	good := center.Document{Version: 1, IssueID: "ID-1", Key: key, KioskID: "kiosk-1", CardFingerprint: center.Fingerprint(card),
		Request: req, UnitFee: 200, Fee: 200, IssuedAt: time.Now().UTC(),
		Content: center.Content{Type: center.ResidentRecord, Title: "住民票の写し", IssuanceNumber: "ID-1",
			Sections: []center.Section{{Heading: "見本　花子"}}}}
	sign := func(d center.Document, k ed25519.PrivateKey) center.IssueResponse {
		p, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return center.IssueResponse{Payload: p, Signature: ed25519.Sign(k, center.DocumentSigningInput(p))}
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)
	tampered := sign(good, pki.DocumentKey)
	tampered.Payload = []byte(strings.Replace(string(tampered.Payload), "見本　花子", "桜井　一郎", 1))
	otherCard := good
	otherCard.CardFingerprint = center.Fingerprint([]byte("someone else's card"))
	otherKiosk := good
	otherKiosk.KioskID = "kiosk-2"
	otherKey2 := good
	otherKey2.Key = strings.Repeat("x", 32)
	moreCopies := good
	moreCopies.Request.Copies = 2
	wrongFee := good
	wrongFee.Fee = 0
	for _, tc := range []struct {
		name string
		resp center.IssueResponse
		ok   bool
	}{
		{"genuine", sign(good, pki.DocumentKey), true},
		{"payload tampered in flight", tampered, false},
		{"signed by another key", sign(good, otherKey), false},
		{"another card's document", sign(otherCard, pki.DocumentKey), false},
		{"another kiosk's document", sign(otherKiosk, pki.DocumentKey), false},
		{"another transaction's document", sign(otherKey2, pki.DocumentKey), false},
		{"another request", sign(moreCopies, pki.DocumentKey), false},
		{"fee inconsistent", sign(wrongFee, pki.DocumentKey), false},
		{"no signature", center.IssueResponse{Payload: sign(good, pki.DocumentKey).Payload}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(tc.resp)
			cl := fakeCenter(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
			}, 5*time.Second)
			got, err := cl.Issue(ctx, center.Issue{Key: key, Challenge: strings.Repeat("c", 43), AuthCert: card,
				Signature: []byte{1}, Request: req})
			if tc.ok {
				if err != nil || got.Document.Content.Sections[0].Heading != "見本　花子" {
					t.Fatalf("genuine document refused: %v", err)
				}
				return
			}
			if !errors.Is(err, center.ErrBadDocument) || got != nil {
				t.Fatalf("err = %v, doc %v", err, got)
			}
		})
	}
}
