package centertest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

// The kiosk's whole exchange with an in-process center: register a demo resident for a
// card, get a challenge, have the card sign, issue, and act on typed refusals.
func Example() {
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	now := time.Now()
	card, _ := c.NewCard(0, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	people := centertest.DemoPeople()
	_ = c.AddDemoPerson(ctx, people[0], card.Cert) // 見本　花子

	cl, _ := c.NewClient("demo-0001")
	defer cl.Close()
	req := center.Request{Type: center.ResidentRecord, Copies: 2}
	ch, _ := cl.Challenge(ctx)
	sig, _ := card.Sign(ch.Challenge, cl.KioskID(), req) // the card signs Digest(challenge, kiosk, request)
	doc, err := cl.Issue(ctx, center.Issue{Key: centertest.NewKey(), Challenge: ch.Challenge,
		AuthCert: card.Cert.Raw, Signature: sig, Request: req})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Document.Content.Title, doc.Document.Fee, "yen")
	fmt.Println(doc.Document.Content.Sections[1].Heading)

	// The same signature cannot be used twice: the challenge is spent.
	_, err = cl.Issue(ctx, center.Issue{Key: centertest.NewKey(), Challenge: ch.Challenge,
		AuthCert: card.Cert.Raw, Signature: sig, Request: req})
	fmt.Println(errors.Is(err, center.ErrChallenge), errors.Is(err, center.ErrRefused))
	// Output:
	// 住民票の写し 400 yen
	// 見本　花子
	// true true
}
