package offlinetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"madoguchi/offline"
)

// Wire types of POST /v1/messages.
type (
	WireMessage struct {
		Seq     int64           `json:"seq"`
		Key     string          `json:"key"`
		Kind    string          `json:"kind"`
		Payload json.RawMessage `json:"payload"`
	}
	WireBatch struct {
		KioskID  string        `json:"kiosk_id"`
		Messages []WireMessage `json:"messages"`
	}
	WireResult struct {
		Key     string `json:"key"`
		Seq     int64  `json:"seq"`
		Outcome string `json:"outcome"`
		Error   string `json:"error,omitempty"`
	}
	WireReply struct {
		Results []WireResult `json:"results"`
	}
)

// Fault is what the center does with one upload.
type Fault int

// Faults at the HTTP layer.
const (
	FaultNone           Fault = iota
	FaultReset                // close the connection without applying anything (center down mid-request)
	Fault5xx                  // answer 503 without applying anything
	FaultSlow                 // apply, but answer only after SlowDelay (the client has given up)
	FaultDropReply            // apply, then close the connection without answering
	FaultGarbage              // apply, then answer 200 with a body that is not the reply format
	FaultGarbageNoApply       // answer 200 with garbage without applying
)

func (f Fault) String() string {
	names := [...]string{"none", "reset", "5xx", "slow", "drop-reply", "garbage", "garbage-no-apply"}
	if f < 0 || int(f) >= len(names) {
		return fmt.Sprintf("fault(%d)", int(f))
	}
	return names[f]
}

type record struct {
	seq     int64
	kind    string
	payload string
}

type kiosk struct {
	byKey map[string]*record
	bySeq map[int64]string
	max   int64
}

// Stats is what the center has seen.
type Stats struct {
	Uploads    int            // POST /v1/messages requests
	Accepted   int            // messages applied
	Duplicates int            // messages answered "duplicate"
	Refused    int            // messages answered "refused"
	ByKind     map[string]int // applied messages per kind
	Conflicts  []string       // anything that would be a double effect or a protocol error
}

// Center is the in-process receiver. The zero value is not usable; call NewCenter.
type Center struct {
	// Refuse, when set, decides per message: a non-empty reason refuses it permanently.
	Refuse func(kiosk string, m WireMessage) string
	// SlowDelay is FaultSlow's delay.
	SlowDelay time.Duration

	mu       sync.Mutex
	kiosks   map[string]*kiosk
	issues   map[string]offline.IssueStatus
	terminal map[string][]string // issue key -> message keys of completed/voided applied
	faults   []Fault
	stats    Stats

	addr string
	srv  *http.Server
	ln   net.Listener
}

// NewCenter returns a center with no faults. Start it with Start.
func NewCenter() *Center {
	return &Center{kiosks: map[string]*kiosk{}, issues: map[string]offline.IssueStatus{},
		terminal: map[string][]string{}, stats: Stats{ByKind: map[string]int{}}, SlowDelay: 2 * time.Second}
}

// Start listens on 127.0.0.1 (a fresh port the first time, the same port after Stop).
func (c *Center) Start() error {
	addr := c.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("offlinetest: listen: %w", err)
	}
	c.addr = ln.Addr().String()
	c.ln = ln
	c.srv = &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go c.srv.Serve(ln)
	return nil
}

// Stop closes the listener and every connection: the center is down.
func (c *Center) Stop() {
	if c.srv != nil {
		c.srv.Close()
		c.srv = nil
	}
}

// URL is the base URL, e.g. http://127.0.0.1:41234.
func (c *Center) URL() string { return "http://" + c.addr }

// Inject queues faults for the next uploads, one per request.
func (c *Center) Inject(f ...Fault) {
	c.mu.Lock()
	c.faults = append(c.faults, f...)
	c.mu.Unlock()
}

// Stats returns a copy of the counters.
func (c *Center) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.ByKind = map[string]int{}
	for k, v := range c.stats.ByKind {
		s.ByKind[k] = v
	}
	s.Conflicts = append([]string(nil), c.stats.Conflicts...)
	return s
}

// Gaps returns the sequence numbers in 1..max that kioskID never delivered, and max.
func (c *Center) Gaps(kioskID string) (missing []int64, max int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.kiosks[kioskID]
	if k == nil {
		return nil, 0
	}
	for i := int64(1); i <= k.max; i++ {
		if _, ok := k.bySeq[i]; !ok {
			missing = append(missing, i)
		}
	}
	return missing, k.max
}

// Issues returns every issue key the center knows with its status and the number of
// outcome messages (completed/voided) applied for it.
func (c *Center) Issues() map[string]IssueRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]IssueRecord{}
	for k, st := range c.issues {
		out[k] = IssueRecord{Status: st, Outcomes: len(c.terminal[k])}
	}
	return out
}

// IssueRecord is one issuance request as the center sees it.
type IssueRecord struct {
	Status   offline.IssueStatus
	Outcomes int
}

// Handler serves POST /v1/messages, POST /v1/issues and GET /v1/issues/{key}.
func (c *Center) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", c.messages)
	mux.HandleFunc("POST /v1/issues", c.issue)
	mux.HandleFunc("GET /v1/issues/{key}", c.status)
	return mux
}

func (c *Center) issue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key string `json:"key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Key == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	st, ok := c.issues[req.Key]
	if !ok {
		st = offline.IssueIssued
		c.issues[req.Key] = st
	}
	c.mu.Unlock()
	writeJSON(w, map[string]any{"key": req.Key, "status": st})
}

func (c *Center) status(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	c.mu.Lock()
	st, ok := c.issues[key]
	c.mu.Unlock()
	if !ok {
		st = offline.IssueUnknown
	}
	writeJSON(w, map[string]any{"key": key, "status": st})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without a reply
}

func (c *Center) messages(w http.ResponseWriter, r *http.Request) {
	var b WireBatch
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.KioskID == "" {
		http.Error(w, "bad request: "+fmt.Sprint(err), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.stats.Uploads++
	f := FaultNone
	if len(c.faults) > 0 {
		f = c.faults[0]
		c.faults = c.faults[1:]
	}
	c.mu.Unlock()
	switch f {
	case FaultReset:
		hijackClose(w)
		return
	case Fault5xx:
		http.Error(w, "center busy", http.StatusServiceUnavailable)
		return
	case FaultGarbageNoApply:
		w.Write([]byte("<html>gateway says hello</html>"))
		return
	}
	reply := c.apply(b)
	switch f {
	case FaultSlow:
		select {
		case <-time.After(c.SlowDelay):
		case <-r.Context().Done():
			return
		}
	case FaultDropReply:
		hijackClose(w)
		return
	case FaultGarbage:
		w.Write([]byte(`{"results": "sure"`))
		return
	}
	writeJSON(w, reply)
}

// apply dedups by key and records effects atomically (under the lock).
func (c *Center) apply(b WireBatch) WireReply {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.kiosks[b.KioskID]
	if k == nil {
		k = &kiosk{byKey: map[string]*record{}, bySeq: map[int64]string{}}
		c.kiosks[b.KioskID] = k
	}
	var reply WireReply
	for _, m := range b.Messages {
		res := WireResult{Key: m.Key, Seq: m.Seq}
		var canon bytes.Buffer
		json.Compact(&canon, m.Payload)
		if prev, ok := k.byKey[m.Key]; ok {
			switch {
			case prev.payload != canon.String() || prev.kind != m.Kind || prev.seq != m.Seq:
				res.Outcome, res.Error = "refused", "key reused with a different message"
				c.stats.Refused++
				c.stats.Conflicts = append(c.stats.Conflicts, fmt.Sprintf("key %s reused with a different message", m.Key))
			default:
				res.Outcome = "duplicate"
				c.stats.Duplicates++
			}
			reply.Results = append(reply.Results, res)
			continue
		}
		if other, ok := k.bySeq[m.Seq]; ok && other != m.Key {
			res.Outcome, res.Error = "refused", "sequence number already used by another key"
			c.stats.Refused++
			c.stats.Conflicts = append(c.stats.Conflicts, fmt.Sprintf("seq %d: keys %s and %s", m.Seq, other, m.Key))
			reply.Results = append(reply.Results, res)
			continue
		}
		// A refused message is not recorded by key (a resend after the cause was fixed
		// is judged again), but its sequence number counts as seen: no gap.
		k.bySeq[m.Seq] = m.Key
		if m.Seq > k.max {
			k.max = m.Seq
		}
		if c.Refuse != nil {
			if reason := c.Refuse(b.KioskID, m); reason != "" {
				res.Outcome, res.Error = "refused", reason
				c.stats.Refused++
				reply.Results = append(reply.Results, res)
				continue
			}
		}
		k.byKey[m.Key] = &record{seq: m.Seq, kind: m.Kind, payload: canon.String()}
		c.stats.Accepted++
		c.stats.ByKind[m.Kind]++
		c.effect(m)
		res.Outcome = "accepted"
		reply.Results = append(reply.Results, res)
	}
	return reply
}

func (c *Center) effect(m WireMessage) {
	if m.Kind != offline.KindCompleted && m.Kind != offline.KindVoided {
		return
	}
	var p struct {
		IssueKey string `json:"issue_key"`
	}
	if json.Unmarshal(m.Payload, &p) != nil || p.IssueKey == "" {
		c.stats.Conflicts = append(c.stats.Conflicts, fmt.Sprintf("%s message %s without issue_key", m.Kind, m.Key))
		return
	}
	if prev := c.terminal[p.IssueKey]; len(prev) > 0 {
		c.stats.Conflicts = append(c.stats.Conflicts, fmt.Sprintf("issue %s got a second outcome %s (first by %s)", p.IssueKey, m.Kind, prev[0]))
	}
	c.terminal[p.IssueKey] = append(c.terminal[p.IssueKey], m.Key)
	if m.Kind == offline.KindCompleted {
		c.issues[p.IssueKey] = offline.IssueCompleted
	} else {
		c.issues[p.IssueKey] = offline.IssueVoided
	}
}

// Client speaks the wire format; it implements offline.Sender and
// offline.StatusChecker (what cmd/kiosk's adapter onto the center client must do).
type Client struct {
	BaseURL string
	KioskID string
	HTTP    *http.Client // nil: a client with a 5 s timeout
}

var (
	_ offline.Sender        = (*Client)(nil)
	_ offline.StatusChecker = (*Client)(nil)
)

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 5 * time.Second}
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("offlinetest: %s %s: status %s", method, path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("offlinetest: %s %s: bad reply: %w", method, path, err)
	}
	return nil
}

// Send posts a batch. Any transport error, non-200 status or malformed reply is an
// error (the whole batch is retried).
func (c *Client) Send(ctx context.Context, batch []offline.Message) ([]offline.Result, error) {
	wb := WireBatch{KioskID: c.KioskID}
	for _, m := range batch {
		wb.Messages = append(wb.Messages, WireMessage{Seq: m.Seq, Key: m.Key, Kind: m.Kind, Payload: m.Payload})
	}
	var rep WireReply
	if err := c.do(ctx, http.MethodPost, "/v1/messages", wb, &rep); err != nil {
		return nil, err
	}
	out := make([]offline.Result, 0, len(rep.Results))
	for _, r := range rep.Results {
		switch o := offline.Outcome(r.Outcome); o {
		case offline.Accepted, offline.Duplicate, offline.Refused:
			out = append(out, offline.Result{Key: r.Key, Seq: r.Seq, Outcome: o, Error: r.Error})
		default:
			return nil, fmt.Errorf("offlinetest: bad reply: outcome %q for %s", r.Outcome, r.Key)
		}
	}
	return out, nil
}

// Status asks for an issuance request's status by key.
func (c *Client) Status(ctx context.Context, issueKey string) (offline.IssueStatus, error) {
	var rep struct {
		Status offline.IssueStatus `json:"status"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/issues/"+issueKey, nil, &rep); err != nil {
		return "", err
	}
	switch rep.Status {
	case offline.IssueUnknown, offline.IssueIssued, offline.IssueCompleted, offline.IssueVoided:
		return rep.Status, nil
	}
	return "", fmt.Errorf("offlinetest: bad status %q", rep.Status)
}

// Issue is the stand-in for the issuance request: the center records the key as issued
// (unless it already has an outcome for it) and returns the status.
func (c *Client) Issue(ctx context.Context, issueKey string) (offline.IssueStatus, error) {
	var rep struct {
		Status offline.IssueStatus `json:"status"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/issues", map[string]string{"key": issueKey}, &rep); err != nil {
		return "", err
	}
	return rep.Status, nil
}

// SortedKinds lists kinds in s.ByKind, for stable test output.
func (s Stats) SortedKinds() string {
	var ks []string
	for k, v := range s.ByKind {
		ks = append(ks, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}
