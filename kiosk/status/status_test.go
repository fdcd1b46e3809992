package status_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/kiosk/status"
	"madoguchi/offline"
	"madoguchi/printer"
)

// The secret marker sits in the queue's payload: no answer may contain it.
const payloadSecret = "PAYLOAD-MUST-NOT-SHOW"

// newQueue writes a queue holding one pending message and returns the kiosk it serves.
func newQueue(t *testing.T) status.Kiosk {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kiosk.db")
	st, err := offline.Open(context.Background(), path, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Enqueue(context.Background(), offline.KindAudit, map[string]any{"secret": payloadSecret}); err != nil {
		t.Fatal(err)
	}
	return status.Kiosk{ID: "q-kiosk", Location: "bench", Version: "test", QueuePath: path}
}

// fakePinger is an engine loop whose heartbeat answers err (nil: it answers).
type fakePinger struct{ err atomic.Pointer[error] }

func (f *fakePinger) Ping(context.Context) error {
	if e := f.err.Load(); e != nil {
		return *e
	}
	return nil
}

type fakeStore struct{ err error }

func (f fakeStore) Err() error { return f.err }

type fakeEngine struct {
	view kiosk.View
	fakePinger
}

func (f *fakeEngine) View() kiosk.View { return f.view }

type fakePrinter struct{ err error }

func (f fakePrinter) Check(context.Context) error { return f.err }

func TestStatusEndpoint(t *testing.T) {
	k := newQueue(t)
	stuck := error(context.DeadlineExceeded)
	tests := []struct {
		name     string
		engine   *fakeEngine
		store    status.Store
		printer  status.Printer
		diskFree uint64
		method   string
		path     string
		code     int
		problems []string
		check    func(t *testing.T, a status.Answer)
	}{
		{name: "healthy idle kiosk", engine: &fakeEngine{view: kiosk.View{State: kiosk.StateIdle}}, store: fakeStore{}, printer: fakePrinter{},
			code: 200, check: func(t *testing.T, a status.Answer) {
				if a.Screen != "idle" || a.Printer != "ok" || a.Queue == nil || a.Queue.Pending != 1 || a.Queue.Parked != 0 ||
					a.KioskID != "q-kiosk" || a.Answering == nil || !*a.Answering {
					t.Errorf("answer %+v", a)
				}
			}},
		{name: "status path", engine: &fakeEngine{}, path: "/status", code: 200},
		{name: "paper out", engine: &fakeEngine{}, printer: fakePrinter{printer.ErrPaperOut}, code: 503, problems: []string{"printer: printer: paper out"}},
		{name: "out of service", engine: &fakeEngine{view: kiosk.View{State: kiosk.StateProblem, Problem: kiosk.ProblemOutOfService}},
			code: 503, problems: []string{"out of service"},
			check: func(t *testing.T, a status.Answer) {
				if a.Problem != "out-of-service" {
					t.Errorf("problem %q", a.Problem)
				}
			}},
		{name: "engine stuck", engine: func() *fakeEngine { e := &fakeEngine{}; e.err.Store(&stuck); return e }(), code: 503,
			problems: []string{"engine loop not answering"}},
		{name: "queue fatal", store: fakeStore{errors.New("offline: fatal storage error")}, code: 503, problems: []string{"queue: offline: fatal storage error"}},
		{name: "disk nearly full", diskFree: 1 << 20, code: 503, problems: []string{"disk nearly full"}},
		{name: "read-only", method: http.MethodPost, code: 405},
		{name: "unknown path", path: "/queue/retry", code: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			free := tt.diskFree
			if free == 0 {
				free = 1 << 30
			}
			src := status.Sources{Printer: tt.printer, Store: tt.store}
			if tt.engine != nil {
				src.Engine = tt.engine
			}
			s := status.NewServer(k, src)
			s.Statfs = func(string) (uint64, uint64, error) { return free, 8 << 30, nil }
			srv := httptest.NewServer(s)
			defer srv.Close()
			method, path := tt.method, tt.path
			if method == "" {
				method = http.MethodGet
			}
			if path == "" {
				path = "/"
			}
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("HTTP %d, want %d\n%s", resp.StatusCode, tt.code, body)
			}
			if strings.Contains(string(body), payloadSecret) {
				t.Fatalf("status shows a payload:\n%s", body)
			}
			if tt.code != 200 && tt.code != 503 {
				return
			}
			var a status.Answer
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, body)
			}
			if a.Healthy != (tt.code == 200) {
				t.Errorf("healthy %v with HTTP %d", a.Healthy, tt.code)
			}
			if strings.Join(a.Problems, "|") != strings.Join(tt.problems, "|") {
				t.Errorf("problems %q, want %q", a.Problems, tt.problems)
			}
			if tt.check != nil {
				tt.check(t, a)
			}
		})
	}
}

// TestStatusCache: answers within CacheFor are computed once (a polling laptop does not
// hammer the printer or the database).
func TestStatusCache(t *testing.T) {
	k := newQueue(t)
	var checks atomic.Int32
	s := status.NewServer(k, status.Sources{Printer: countingPrinter{&checks}})
	now := time.Now()
	s.Now = func() time.Time { return now }
	s.Answer(context.Background())
	s.Answer(context.Background())
	if checks.Load() != 1 {
		t.Fatalf("printer checked %d times within the cache period", checks.Load())
	}
	now = now.Add(3 * time.Second)
	s.Answer(context.Background())
	if checks.Load() != 2 {
		t.Fatalf("printer checked %d times after the cache period", checks.Load())
	}
}

type countingPrinter struct{ n *atomic.Int32 }

func (c countingPrinter) Check(context.Context) error { c.n.Add(1); return nil }

// TestServe listens on a loopback port and stops with ctx; it has shut down when it
// returns.
func TestServe(t *testing.T) {
	k := newQueue(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- status.Serve(ctx, addr, status.NewServer(k, status.Sources{}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err = http.Get("http://" + addr + "/status"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("still listening after Serve returned")
	}
	if err := status.Serve(context.Background(), "", nil, nil); err != nil {
		t.Fatalf("disabled endpoint: %v", err)
	}
}
