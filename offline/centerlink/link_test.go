package centerlink_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/reader/readertest"
)

const kioskID = "link-1"

var pki struct {
	once sync.Once
	p    *centertest.PKI
	err  error
}

// fixture is a reference center on loopback with one resident whose card is card, and
// a Link for kiosk kioskID. The PKI (an RSA root: seconds under qemu) is made once.
type fixture struct {
	c    *centertest.Center
	card *centertest.Card
	link centerlink.Link
}

func sharedPKI() (*centertest.PKI, error) {
	pki.once.Do(func() {
		go readertest.Key(0) // the card's key, made while NewPKI makes the root's (seconds under qemu)
		pki.p, pki.err = centertest.NewPKI(time.Now())
	})
	return pki.p, pki.err
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p, err := sharedPKI()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir(), PKI: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	now := time.Now()
	card, err := c.NewCard(0, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddDemoPerson(ctx, centertest.DemoPeople()[0], card.Cert); err != nil {
		t.Fatal(err)
	}
	cl, err := c.NewClient(kioskID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &fixture{c: c, card: card, link: centerlink.Link{Client: cl}}
}

// issue runs one real issuance for key and fails the test if the center refuses it.
func (f *fixture) issue(t *testing.T, key string) {
	t.Helper()
	_, err := centertest.IssueWith(context.Background(), f.link.Client, f.card, key, center.Request{Type: center.ResidentRecord, Copies: 1})
	if err != nil {
		t.Fatalf("issue: %v", err)
	}
}

func msg(seq int64, kind string, payload map[string]any) offline.Message {
	b, _ := json.Marshal(payload)
	return offline.Message{Seq: seq, Key: offline.NewKey(), Kind: kind, Payload: b}
}

func TestSendOutcomes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	issued := offline.NewKey()
	f.issue(t, issued)
	batch := []offline.Message{
		msg(1, offline.KindAudit, map[string]any{"event": "door_opened"}),
		msg(2, offline.KindCompleted, map[string]any{"issue_key": issued}),
		msg(3, offline.KindCompleted, map[string]any{"issue_key": offline.NewKey()}), // never issued
		msg(4, offline.KindVoided, map[string]any{"issue_key": offline.NewKey()}),    // a void may overtake its request
	}
	first := []offline.Outcome{offline.Accepted, offline.Accepted, offline.Refused, offline.Accepted}
	again := []offline.Outcome{offline.Duplicate, offline.Duplicate, offline.Refused, offline.Duplicate}
	for _, tc := range []struct {
		name string
		want []offline.Outcome
	}{{"first", first}, {"resent", again}} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := f.link.Send(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(batch) {
				t.Fatalf("%d results for %d messages", len(res), len(batch))
			}
			for i, r := range res {
				if r.Key != batch[i].Key || r.Seq != batch[i].Seq || r.Outcome != tc.want[i] {
					t.Errorf("result %d = %+v, want key %s seq %d outcome %s", i, r, batch[i].Key, batch[i].Seq, tc.want[i])
				}
				if (r.Outcome == offline.Refused) != (r.Error != "") {
					t.Errorf("result %d: outcome %s with reason %q", i, r.Outcome, r.Error)
				}
			}
		})
	}
}

func TestStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	completed, voided, unknown := offline.NewKey(), offline.NewKey(), offline.NewKey()
	f.issue(t, completed)
	f.issue(t, voided)
	before := map[string]offline.IssueStatus{completed: offline.IssueIssued, voided: offline.IssueIssued, unknown: offline.IssueUnknown}
	after := map[string]offline.IssueStatus{completed: offline.IssueCompleted, voided: offline.IssueVoided, unknown: offline.IssueUnknown}
	check := func(t *testing.T, want map[string]offline.IssueStatus) {
		t.Helper()
		for key, w := range want {
			got, err := f.link.Status(ctx, key)
			if err != nil || got != w {
				t.Errorf("Status(%s) = %q, %v; want %q", key, got, err, w)
			}
		}
	}
	t.Run("issued", func(t *testing.T) { check(t, before) })
	res, err := f.link.Send(ctx, []offline.Message{
		msg(1, offline.KindCompleted, map[string]any{"issue_key": completed}),
		msg(2, offline.KindVoided, map[string]any{"issue_key": voided}),
	})
	if err != nil || len(res) != 2 || res[0].Outcome != offline.Accepted || res[1].Outcome != offline.Accepted {
		t.Fatalf("send outcomes: %+v, %v", res, err)
	}
	t.Run("outcomes", func(t *testing.T) { check(t, after) })
}

// A batch larger than one request may carry still drains, over several uploads, with no
// sequence gap: one above center.MaxBatch messages (the link sends the first MaxBatch,
// the rest stay pending), and one of 100 audit events of 2 KB each, about 200 KB against
// the center's 64 KiB body limit (sent as far as it fits, instead of a 413 forever).
func TestBatchAboveProtocolLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int
		n     int
		pad   string
	}{
		{"count", center.MaxBatch + 50, center.MaxBatch + 7, ""},
		{"bytes", center.MaxBatch, center.MaxBatch, strings.Repeat("x", 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			s, err := offline.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), offline.Options{BatchSize: tc.batch, MinFreeDiskBytes: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Recover(ctx, f.link); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tc.n; i++ {
				if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "bulk", "n": i, "pad": tc.pad}); err != nil {
					t.Fatal(err)
				}
			}
			delivered, parked, err := s.SyncOnce(ctx, f.link)
			if err != nil || delivered != tc.n || parked != 0 {
				t.Fatalf("SyncOnce = %d delivered, %d parked, %v; want %d, 0, nil", delivered, parked, err, tc.n)
			}
			if gaps, err := f.c.Server().SequenceGaps(ctx, kioskID); err != nil || len(gaps) != 0 {
				t.Fatalf("sequence gaps %v, %v", gaps, err)
			}
			var got int
			if err := f.c.Server().DB().QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE kiosk_id = ?`, kioskID).Scan(&got); err != nil || got != tc.n {
				t.Fatalf("center holds %d messages (%v), want %d", got, err, tc.n)
			}
		})
	}
}

// Recovery through the link: a session interrupted after the center issued is voided
// at the center, once.
func TestRecoverThroughLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s, err := offline.Open(ctx, path, offline.Options{MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recover(ctx, f.link); err != nil {
		t.Fatal(err)
	}
	x, err := s.BeginSession(ctx, offline.Intent{CertType: string(center.ResidentRecord), Copies: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.CardChecked(); err != nil {
		t.Fatal(err)
	}
	key, err := x.RequestSent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.issue(t, key)
	s.Close() // the kiosk stops here: issued, nothing printed, no outcome

	s, err = offline.Open(ctx, path, offline.Options{MinFreeDiskBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.Recover(ctx, f.link)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 1 || rec[0].Center != offline.IssueIssued || rec[0].Outcome != "voided" || !rec[0].Queued {
		t.Fatalf("recovered %+v, want one session the center had issued, voided", rec)
	}
	if _, _, err := s.SyncOnce(ctx, f.link); err != nil {
		t.Fatal(err)
	}
	if st, err := f.link.Status(ctx, key); err != nil || st != offline.IssueVoided {
		t.Fatalf("center status after sync = %q, %v; want voided", st, err)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	batch := []offline.Message{msg(1, offline.KindAudit, map[string]any{"event": "x"})}
	tests := []struct {
		name  string
		link  func() centerlink.Link
		class error // nil: any error
	}{
		{"zero link", func() centerlink.Link { return centerlink.Link{} }, nil},
		{"center down", func() centerlink.Link {
			if err := f.c.Close(); err != nil {
				t.Fatal(err)
			}
			return f.link
		}, center.ErrRetryLater},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.link()
			if _, err := l.Send(ctx, batch); err == nil || tc.class != nil && !errors.Is(err, tc.class) {
				t.Errorf("Send: %v, want an error matching %v", err, tc.class)
			}
			if _, err := l.Status(ctx, offline.NewKey()); err == nil || tc.class != nil && !errors.Is(err, tc.class) {
				t.Errorf("Status: %v, want an error matching %v", err, tc.class)
			}
		})
	}
}

// The kiosk's wiring: the queue recovers and delivers through a Link.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "centerlink-example")
	defer os.RemoveAll(dir)
	p, err := sharedPKI() // centertest.NewPKI(time.Now()), made once for this package's tests
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := centertest.New(ctx, centertest.Options{Dir: dir, PKI: p}) // the reference center on 127.0.0.1
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	cl, _ := c.NewClient("kiosk-1") // cmd/kiosk builds it from the configured files
	defer cl.Close()
	link := centerlink.Link{Client: cl}

	s, err := offline.Open(ctx, filepath.Join(dir, "kiosk.db"), offline.Options{MinFreeDiskBytes: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	s.Recover(ctx, link) // asks the center about sessions a crash left open
	s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "door_opened"})
	delivered, _, err := s.SyncOnce(ctx, link) // normally: go s.Sync(ctx, link, status)
	fmt.Println(delivered, err)
	// Output: 1 <nil>
}

// TestWholeUploadRefused: a center that refuses every upload as a whole (here one of
// another protocol version, answering 400 bad_request) is reported by the Link with
// offline.ErrUploadRefused, and the queue, which keeps retrying (the center may be
// fixed), raises one alert for it however often it retries.
func TestWholeUploadRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"code":"bad_request","message":"unknown field \"messages\""}}`))
	}))
	other.TLS = &tls.Config{Certificates: []tls.Certificate{f.c.PKI().Server}, ClientAuth: tls.RequireAnyClientCert}
	other.StartTLS()
	defer other.Close()
	o, err := f.c.ClientOptions(kioskID)
	if err != nil {
		t.Fatal(err)
	}
	o.BaseURL = other.URL
	cl, err := center.NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	link := centerlink.Link{Client: cl}
	_, err = link.Send(ctx, []offline.Message{msg(1, offline.KindAudit, map[string]any{"event": "x"})})
	if !errors.Is(err, offline.ErrUploadRefused) || !errors.Is(err, center.ErrRefused) {
		t.Fatalf("Send: %v, want ErrUploadRefused and center.ErrRefused", err)
	}

	s, err := offline.Open(ctx, filepath.Join(t.TempDir(), "kiosk.db"), offline.Options{MinFreeDiskBytes: 1,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Recover(ctx, link); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "door_opened"}); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	attempts := make(chan offline.SyncStatus, 100)
	done := make(chan error, 1)
	go func() {
		done <- s.Sync(sctx, link, func(st offline.SyncStatus) {
			select {
			case attempts <- st:
			default:
			}
		})
	}()
	for n := 0; n < 6; n++ {
		select {
		case st := <-attempts:
			if st.LastError == "" {
				t.Fatalf("attempt %d succeeded", n)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the queue stopped retrying")
		}
		if n == 2 { // the batch grows between retries: still the same refusal
			if err := s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": "door_closed"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancel()
	<-done
	alerts, err := s.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, a := range alerts {
		if a.Kind == "upload_refused" {
			refused = append(refused, a.Detail)
		}
	}
	if len(refused) != 1 || !strings.Contains(refused[0], "bad_request") {
		t.Fatalf("upload_refused alerts %q, want one naming bad_request", refused)
	}
	if b, _ := s.Backlog(ctx); b.Count != 2 || b.Parked != 0 {
		t.Fatalf("backlog %+v: the message must stay pending for the next try", b)
	}
}
