package centerlink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"madoguchi/center"
	"madoguchi/offline"
)

// Link is the offline queue's Sender and StatusChecker over a center client. The zero
// value has no client and returns an error from every call.
type Link struct {
	Client *center.Client
}

var (
	_ offline.Sender        = Link{}
	_ offline.StatusChecker = Link{}
)

// errNoClient is returned by a Link without a client.
var errNoClient = errors.New("centerlink: no center client")

// bodyReserve is what the batch's envelope ({"kiosk_id":…,"messages":[…]}) may take of
// center.MaxBodyBytes besides the messages.
const bodyReserve = 1 << 10

// fit returns the longest head of msgs that the center takes in one request: at most
// center.MaxBatch messages whose encoded size stays under center.MaxBodyBytes. It keeps
// at least one message (one message with the largest payload allowed fits).
func fit(msgs []center.Message) []center.Message {
	size := bodyReserve
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return msgs[:max(i, 1)]
		}
		size += len(b) + 1 // and its comma
		if i >= center.MaxBatch || i > 0 && size > center.MaxBodyBytes {
			return msgs[:i]
		}
	}
	return msgs
}

// Send uploads one batch: its head that fits one request (at most center.MaxBatch
// messages and center.MaxBodyBytes); the rest stay pending for the next upload.
// A non-nil error means nothing is known to be delivered: the queue retries the batch
// with the same keys. Per-message verdicts come back by key.
func (l Link) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	if l.Client == nil {
		return nil, errNoClient
	}
	msgs := make([]center.Message, len(batch))
	for i, m := range batch {
		msgs[i] = center.Message{Seq: m.Seq, Key: m.Key, Kind: center.MessageKind(m.Kind), Payload: m.Payload}
	}
	msgs = fit(msgs)
	batch = batch[:len(msgs)]
	res, err := l.Client.SendMessages(ctx, msgs)
	if errors.Is(err, center.ErrRefused) {
		// No message count here: the queue alerts once per distinct refusal text, and a
		// batch that grows between retries is still the same refusal.
		return nil, fmt.Errorf("centerlink: upload: %w: %w", offline.ErrUploadRefused, err)
	}
	if err != nil {
		return nil, fmt.Errorf("centerlink: upload %d messages: %w", len(batch), err)
	}
	out := make([]offline.Result, len(res))
	for i, r := range res {
		out[i] = offline.Result{Key: r.Key, Seq: r.Seq, Outcome: offline.Outcome(r.Outcome), Error: r.Error}
	}
	return out, nil
}

// Status asks the center what became of an issuance request, for crash recovery.
func (l Link) Status(ctx context.Context, issueKey string) (offline.IssueStatus, error) {
	if l.Client == nil {
		return "", errNoClient
	}
	st, err := l.Client.Status(ctx, issueKey)
	if err != nil {
		return "", fmt.Errorf("centerlink: issuance status: %w", err)
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
	return "", fmt.Errorf("centerlink: issuance status: the center answered the unknown state %q", st.State)
}
