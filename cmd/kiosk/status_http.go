package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/offline"
)

// The status endpoint: read-only JSON for the technician's laptop (or a monitoring
// probe) on [status] listen — loopback unless allow_remote. GET / or /status answers
// 200 when the kiosk can serve residents and 503 when not. It shows what the screen
// and the queue are doing, never a session's contents: no PIN, no My Number, no name,
// no certificate, no payload. Nothing it does writes anything.

// statusEngine is what the endpoint reads from the engine.
type statusEngine interface {
	View() kiosk.View
	Ping(ctx context.Context) error
}

// statusPrinter is the printer's readiness (enginePrinter.Check).
type statusPrinter interface {
	Check(ctx context.Context) error
}

// statusSources are the running kiosk's parts the endpoint reads. Nil parts are left
// out of the answer.
type statusSources struct {
	Engine  statusEngine
	Store   fatalErr
	Printer statusPrinter
}

// statusAnswer is the JSON body.
type statusAnswer struct {
	Healthy  bool      `json:"healthy"`
	KioskID  string    `json:"kiosk_id"`
	Location string    `json:"location"`
	Version  string    `json:"version"`
	Time     time.Time `json:"time"`
	UptimeS  float64   `json:"uptime_seconds"`
	Problems []string  `json:"problems,omitempty"`

	Screen    string `json:"screen,omitempty"`  // engine state, e.g. "idle", "printing"
	Problem   string `json:"problem,omitempty"` // the problem screen shown, e.g. "out-of-service"
	Answering *bool  `json:"engine_answering,omitempty"`

	Printer     string         `json:"printer,omitempty"` // "ok" or what stops it
	Queue       *offline.Stats `json:"queue,omitempty"`
	QueueError  string         `json:"queue_error,omitempty"`
	DiskFree    uint64         `json:"disk_free_bytes"`
	DiskFailure bool           `json:"disk_nearly_full"`
}

// statusServer answers status requests, each computed at most once per cacheFor.
type statusServer struct {
	cfg      *config.Config
	src      statusSources
	started  time.Time
	now      func() time.Time
	cacheFor time.Duration

	mu     sync.Mutex
	last   statusAnswer
	lastAt time.Time
}

func newStatusServer(cfg *config.Config, src statusSources) *statusServer {
	return &statusServer{cfg: cfg, src: src, started: time.Now(), now: time.Now, cacheFor: 2 * time.Second}
}

func (s *statusServer) answer(ctx context.Context) statusAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !s.lastAt.IsZero() && now.Sub(s.lastAt) < s.cacheFor {
		return s.last
	}
	a := statusAnswer{KioskID: s.cfg.Kiosk.ID, Location: s.cfg.Kiosk.Location, Version: version + " (" + commit + ")",
		Time: now.UTC(), UptimeS: now.Sub(s.started).Round(time.Second).Seconds()}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if e := s.src.Engine; e != nil {
		v := e.View()
		a.Screen = v.State.String()
		if v.State == kiosk.StateProblem {
			a.Problem = v.Problem.String()
		}
		ok := e.Ping(ctx) == nil
		a.Answering = &ok
		if !ok {
			a.Problems = append(a.Problems, "engine loop not answering")
		}
		if v.State == kiosk.StateProblem && v.Problem == kiosk.ProblemOutOfService {
			a.Problems = append(a.Problems, "out of service")
		}
	}
	if st := s.src.Store; st != nil {
		if err := st.Err(); err != nil {
			a.Problems = append(a.Problems, "queue: "+err.Error())
		}
	}
	if p := s.src.Printer; p != nil {
		a.Printer = "ok"
		if err := p.Check(ctx); err != nil {
			a.Printer = err.Error()
			a.Problems = append(a.Problems, "printer: "+err.Error())
		}
	}
	if q, err := offline.OpenReadOnly(ctx, s.cfg.Queue.Path); err != nil {
		a.QueueError = err.Error()
	} else {
		if st, err := q.Stats(ctx, now); err != nil {
			a.QueueError = err.Error()
		} else {
			a.Queue = &st
		}
		q.Close()
	}
	if free, _, err := diskStatfs(diagDir(s.cfg)); err == nil {
		a.DiskFree = free
		if free < diskFailBelow {
			a.DiskFailure = true
			a.Problems = append(a.Problems, "disk nearly full")
		}
	}
	a.Healthy = len(a.Problems) == 0
	s.last, s.lastAt = a, now
	return a
}

func (s *statusServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/status" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: GET only", http.StatusMethodNotAllowed)
		return
	}
	a := s.answer(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !a.Healthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if r.Method == http.MethodGet {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(a)
	}
}

// serveStatus serves the endpoint on cfg.Status.Listen until ctx ends; with listen ""
// it returns nil at once. Config validation already restricted the address to
// loopback unless allow_remote is set.
func serveStatus(ctx context.Context, cfg *config.Config, src statusSources, log *slog.Logger) error {
	if cfg.Status.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Status.Listen)
	if err != nil {
		return fmt.Errorf("status endpoint: %w", err)
	}
	srv := &http.Server{Handler: newStatusServer(cfg, src), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("status endpoint", "listen", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("status endpoint: %w", err)
	}
	return nil
}
