package centertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"madoguchi/center"
)

// Fault is what the center does with one upload (POST /v1/messages).
type Fault int

// Faults at the HTTP layer, one per upload (Faults.Inject).
const (
	FaultNone           Fault = iota
	FaultReset                // drop the request without applying anything (center down mid-request)
	Fault5xx                  // answer 503 without applying anything
	FaultSlow                 // apply, but answer only after the slow delay (the client has given up)
	FaultDropReply            // apply, then drop the connection without answering
	FaultGarbage              // apply, then answer 200 with a body that is not the reply format
	FaultGarbageNoApply       // answer 200 with garbage without applying
	FaultPartialReply         // apply, then answer with the results of the first half of the batch only
)

var faultNames = [...]string{"none", "reset", "5xx", "slow", "drop-reply", "garbage", "garbage-no-apply", "partial-reply"}

func (f Fault) String() string {
	if f < 0 || int(f) >= len(faultNames) {
		return fmt.Sprintf("fault(%d)", int(f))
	}
	return faultNames[f]
}

// DefaultSlowDelay is FaultSlow's delay unless SetSlowDelay changes it.
const DefaultSlowDelay = 2 * time.Second

// Stats is what the center answered to uploads, as seen in front of it.
type Stats struct {
	Uploads    int            // POST /v1/messages requests with a readable batch
	Accepted   int            // messages the center stored
	Duplicates int            // messages the center answered "duplicate"
	Refused    int            // messages refused, by the center or by the Refuse hook
	ByKind     map[string]int // accepted messages per kind
	// Conflicts are the center's own refusals of single messages: a key reused with
	// another message, a sequence number used twice, a second outcome for an issuance, a
	// malformed message — a double effect or a protocol error by the kiosk. Refusals by
	// the Refuse hook are not conflicts.
	Conflicts []string
}

// SortedKinds lists ByKind as "kind=n" in order, for stable test output.
func (s Stats) SortedKinds() string {
	var ks []string
	for k, v := range s.ByKind {
		ks = append(ks, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// Faults sits in front of a center's handler and injects faults into uploads: per
// request (Inject) and per message (Refuse). Every other request passes through
// untouched. It counts what the center answered (Stats) and which sequence numbers it
// accepted (Gaps). Make one with Wrap; every Center has one in front (Center.Faults).
type Faults struct {
	next http.Handler

	mu       sync.Mutex
	queue    []Fault
	refuse   func(kioskID string, m center.Message) string
	slow     time.Duration
	stats    Stats
	accepted map[string]map[int64]bool // kiosk id -> accepted sequence numbers
}

// Wrap puts a fault injector with no faults in front of next.
func Wrap(next http.Handler) *Faults {
	return &Faults{next: next, slow: DefaultSlowDelay, stats: Stats{ByKind: map[string]int{}},
		accepted: map[string]map[int64]bool{}}
}

// Inject queues faults for the next uploads, one per request.
func (f *Faults) Inject(faults ...Fault) {
	f.mu.Lock()
	f.queue = append(f.queue, faults...)
	f.mu.Unlock()
}

// Refuse sets the per-message hook: a non-empty reason refuses the message (the answer
// says "refused" with that reason) without the center seeing it; the rest of the batch
// goes to the center. nil removes the hook.
func (f *Faults) Refuse(hook func(kioskID string, m center.Message) string) {
	f.mu.Lock()
	f.refuse = hook
	f.mu.Unlock()
}

// SetSlowDelay sets how long FaultSlow holds its answer back.
func (f *Faults) SetSlowDelay(d time.Duration) {
	f.mu.Lock()
	f.slow = d
	f.mu.Unlock()
}

// Stats returns a copy of the counters.
func (f *Faults) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.ByKind = make(map[string]int, len(f.stats.ByKind))
	for k, v := range f.stats.ByKind {
		s.ByKind[k] = v
	}
	s.Conflicts = append([]string(nil), f.stats.Conflicts...)
	return s
}

// Gaps returns the sequence numbers in 1..highest that the center has not accepted
// from kioskID, and highest, the highest one it accepted.
func (f *Faults) Gaps(kioskID string) (missing []int64, highest int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := f.accepted[kioskID]
	for s := range seen {
		highest = max(highest, s)
	}
	for i := int64(1); i <= highest; i++ {
		if !seen[i] {
			missing = append(missing, i)
		}
	}
	return missing, highest
}

// ServeHTTP serves one request through the center, with the next fault applied to an
// upload.
func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != center.PathMessages {
		f.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, center.MaxBodyBytes+1))
	r.Body.Close()
	var batch center.MessageBatch
	if err != nil || json.Unmarshal(body, &batch) != nil || len(batch.Messages) == 0 {
		// Not a batch: the center answers it as it would.
		f.next.ServeHTTP(w, withBody(r, body))
		return
	}
	f.mu.Lock()
	f.stats.Uploads++
	fault := FaultNone
	if len(f.queue) > 0 {
		fault, f.queue = f.queue[0], f.queue[1:]
	}
	refuse, slow := f.refuse, f.slow
	f.mu.Unlock()

	switch fault {
	case FaultReset:
		panic(http.ErrAbortHandler) // net/http drops the connection (HTTP/2: the stream) unanswered
	case Fault5xx:
		writeAnswer(w, http.StatusServiceUnavailable, center.ErrorBody{Error: center.ErrorDetail{
			Code: center.CodeUnavailable, Message: "center busy (injected fault)"}})
		return
	case FaultGarbageNoApply:
		writeRaw(w, http.StatusOK, []byte("<html>gateway says hello</html>"))
		return
	}

	results, ok := f.apply(w, r, batch, refuse)
	if !ok {
		return
	}
	switch fault {
	case FaultSlow:
		t := time.NewTimer(slow)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	case FaultDropReply:
		panic(http.ErrAbortHandler)
	case FaultGarbage:
		writeRaw(w, http.StatusOK, []byte(`{"results": "sure"`))
		return
	case FaultPartialReply:
		results = results[:len(results)/2]
	}
	writeAnswer(w, http.StatusOK, center.MessageResults{Results: results})
}

// apply refuses what the hook refuses, sends the rest to the center and returns one
// result per message of batch, in order, counting them. When the center does not answer
// with results (it refused the whole request, or failed), its answer is passed on and
// ok is false.
func (f *Faults) apply(w http.ResponseWriter, r *http.Request, batch center.MessageBatch,
	refuse func(string, center.Message) string) (results []center.MessageResult, ok bool) {
	results = make([]center.MessageResult, len(batch.Messages))
	hooked := make([]bool, len(batch.Messages))
	fwd := center.MessageBatch{KioskID: batch.KioskID}
	for i, m := range batch.Messages {
		if refuse != nil {
			if reason := refuse(batch.KioskID, m); reason != "" {
				results[i] = center.MessageResult{Key: m.Key, Seq: m.Seq, Outcome: center.OutcomeRefused, Error: reason}
				hooked[i] = true
				continue
			}
		}
		fwd.Messages = append(fwd.Messages, m)
	}
	if len(fwd.Messages) > 0 {
		b, err := json.Marshal(fwd)
		if err != nil {
			writeRaw(w, http.StatusInternalServerError, []byte("centertest: re-encode batch: "+err.Error()))
			return nil, false
		}
		rec := httptest.NewRecorder()
		f.next.ServeHTTP(rec, withBody(r, b))
		var got center.MessageResults
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || len(got.Results) != len(fwd.Messages) {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return nil, false
		}
		j := 0
		for i := range results {
			if !hooked[i] {
				results[i] = got.Results[j]
				j++
			}
		}
	}
	f.count(batch, results, hooked)
	return results, true
}

func (f *Faults) count(batch center.MessageBatch, results []center.MessageResult, hooked []bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, res := range results {
		m := batch.Messages[i]
		switch res.Outcome {
		case center.OutcomeAccepted:
			f.stats.Accepted++
			f.stats.ByKind[string(m.Kind)]++
			if f.accepted[batch.KioskID] == nil {
				f.accepted[batch.KioskID] = map[int64]bool{}
			}
			f.accepted[batch.KioskID][m.Seq] = true
		case center.OutcomeDuplicate:
			f.stats.Duplicates++
		case center.OutcomeRefused:
			f.stats.Refused++
			if !hooked[i] {
				f.stats.Conflicts = append(f.stats.Conflicts,
					fmt.Sprintf("kiosk %s seq %d (%s, key %s): %s", batch.KioskID, m.Seq, m.Kind, m.Key, res.Error))
			}
		}
	}
}

// withBody is r with body as its body.
func withBody(r *http.Request, body []byte) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return r2
}

func writeAnswer(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"encode answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
