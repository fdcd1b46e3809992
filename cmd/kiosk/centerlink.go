package main

import (
	"context"
	"fmt"

	"madoguchi/center"
	"madoguchi/offline"
)

// centerLink lets the offline queue talk to the issuance center through the kiosk's
// center client: it is the queue's Sender (message uploads) and StatusChecker (recovery).
type centerLink struct{ c *center.Client }

var (
	_ offline.Sender        = centerLink{}
	_ offline.StatusChecker = centerLink{}
)

// Send uploads one batch. A transport failure or an answer the client cannot read is an
// error for the whole batch (retry later); per-message verdicts come back by key.
func (l centerLink) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	msgs := make([]center.Message, len(batch))
	for i, m := range batch {
		msgs[i] = center.Message{Seq: m.Seq, Key: m.Key, Kind: center.MessageKind(m.Kind), Payload: m.Payload}
	}
	res, err := l.c.SendMessages(ctx, msgs)
	if err != nil {
		return nil, fmt.Errorf("send %d messages: %w", len(batch), err)
	}
	out := make([]offline.Result, len(res))
	for i, r := range res {
		out[i] = offline.Result{Key: r.Key, Seq: r.Seq, Outcome: offline.Outcome(r.Outcome), Error: r.Error}
	}
	return out, nil
}

// Status asks the center what became of an issuance request, for crash recovery.
func (l centerLink) Status(ctx context.Context, issueKey string) (offline.IssueStatus, error) {
	st, err := l.c.Status(ctx, issueKey)
	if err != nil {
		return "", fmt.Errorf("issuance status: %w", err)
	}
	switch st.State {
	case center.StateUnknown:
		return offline.IssueUnknown, nil
	case center.StateIssued:
		return offline.IssueIssued, nil
	case center.StateCompleted:
		return offline.IssueCompleted, nil
	case center.StateVoided:
		return offline.IssueVoided, nil
	}
	return "", fmt.Errorf("issuance status: center answered unknown state %q", st.State)
}
