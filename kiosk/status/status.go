package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"madoguchi/kiosk"
	"madoguchi/offline"
)

// Engine is what the endpoint reads from the engine (kiosk.Engine).
type Engine interface {
	View() kiosk.View
	Ping(ctx context.Context) error
}

// Printer is the printer's readiness.
type Printer interface {
	Check(ctx context.Context) error
}

// Store is the queue's fatal-error state (offline.Store.Err).
type Store interface {
	Err() error
}

// Sources are the running kiosk's parts the endpoint reads. Nil parts are left out of
// the answer.
type Sources struct {
	Engine  Engine
	Store   Store
	Printer Printer
}

// Kiosk names the kiosk in the answer and where its queue lives.
type Kiosk struct {
	ID, Location, Version string
	QueuePath             string
}

// Answer is the JSON body.
type Answer struct {
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

// Server answers status requests, each computed at most once per CacheFor.
type Server struct {
	kiosk    Kiosk
	src      Sources
	started  time.Time
	Now      func() time.Time
	CacheFor time.Duration
	// Statfs reads free and total bytes of the file system holding a path
	// (offline.Statfs); below offline.DefaultMinFreeDiskBytes the kiosk is unhealthy.
	Statfs func(path string) (free, total uint64, err error)

	mu     sync.Mutex
	last   Answer
	lastAt time.Time
}

// NewServer serves the status of k from src, started now.
func NewServer(k Kiosk, src Sources) *Server {
	return &Server{kiosk: k, src: src, started: time.Now(), Now: time.Now, CacheFor: 2 * time.Second, Statfs: offline.Statfs}
}

// Answer computes the status (or returns the one computed within CacheFor).
func (s *Server) Answer(ctx context.Context) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	if !s.lastAt.IsZero() && now.Sub(s.lastAt) < s.CacheFor {
		return s.last
	}
	a := Answer{KioskID: s.kiosk.ID, Location: s.kiosk.Location, Version: s.kiosk.Version,
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
	if q, err := offline.OpenReadOnly(ctx, s.kiosk.QueuePath); err != nil {
		a.QueueError = err.Error()
	} else {
		if st, err := q.Stats(ctx, now); err != nil {
			a.QueueError = err.Error()
		} else {
			a.Queue = &st
		}
		q.Close()
	}
	if free, _, err := s.Statfs(filepath.Dir(s.kiosk.QueuePath)); err == nil {
		a.DiskFree = free
		if free < offline.DefaultMinFreeDiskBytes {
			a.DiskFailure = true
			a.Problems = append(a.Problems, "disk nearly full")
		}
	}
	a.Healthy = len(a.Problems) == 0
	s.last, s.lastAt = a, now
	return a
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" && r.URL.Path != "/status" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: GET only", http.StatusMethodNotAllowed)
		return
	}
	a := s.Answer(r.Context())
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

// Serve serves h on listen until ctx ends, then shuts the server down (2 s for open
// requests) and returns once it has stopped; with listen "" it returns nil at once.
// Config validation already restricted the address to loopback unless allow_remote is
// set.
func Serve(ctx context.Context, listen string, h http.Handler, log *slog.Logger) error {
	if listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("status endpoint: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	log.Info("status endpoint", "listen", ln.Addr().String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
		err = <-served
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("status endpoint: %w", err)
	}
	return nil
}
