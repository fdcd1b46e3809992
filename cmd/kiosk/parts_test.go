package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/config"
	"madoguchi/internal/systemd"
	"madoguchi/internal/systemd/systemdtest"
	"madoguchi/kiosk"
)

// partsTrace records the goroutines run starts and which of them are still running.
type partsTrace struct {
	mu      sync.Mutex
	started []string
	running map[string]int
}

func (p *partsTrace) trace(part string, running bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if running {
		p.started = append(p.started, part)
		p.running[part]++
	} else {
		p.running[part]--
	}
}

func (p *partsTrace) still() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for part, n := range p.running {
		if n != 0 {
			out = append(out, part)
		}
	}
	return out
}

// TestPartsRunJoinsEverything runs the kiosk's parts as `kiosk run` (card watcher, status
// endpoint, systemd notifier) and as `kiosk demo` (neither) and ends them: run must
// return only after every goroutine it started has returned, so that nothing touches the
// engine, the queue or the printer once the caller closes them.
func TestPartsRunJoinsEverything(t *testing.T) {
	tests := []struct {
		name  string
		appl  bool // the appliance's goroutines too
		parts []string
	}{
		{"run", true, []string{"cards", "engine", "fatal", "screen", "status", "sync", "systemd"}},
		{"demo", false, []string{"engine", "fatal", "screen", "sync"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, c := newKioskDir(t, "parts-kiosk")
			cfg := config.Demo(dir)
			cfg.Kiosk.ID, cfg.Center.URL = "parts-kiosk", c.URL()
			cfg.Status.Listen = freeLoopbackAddr(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			parts, err := assemble(ctx, cfg, assembleOptions{Log: log})
			if err != nil {
				t.Fatal(err)
			}
			tr := &partsTrace{running: map[string]int{}}
			parts.trace = tr.trace
			scr := tcell.NewSimulationScreen("UTF-8")
			if err := scr.Init(); err != nil {
				t.Fatal(err)
			}
			scr.SetSize(100, 30)

			o := runOptions{Screen: scr, Log: log}
			var cardsReturned atomic.Bool
			var notify <-chan string
			if tt.appl {
				sock := filepath.Join(t.TempDir(), "notify.sock")
				notify = systemdtest.Listen(t, sock)
				t.Setenv("NOTIFY_SOCKET", sock)
				t.Setenv("WATCHDOG_USEC", "200000")
				o.Status, o.Systemd = cfg, true
				o.Cards = func(ctx context.Context, _ engineCards) error {
					<-ctx.Done()
					time.Sleep(100 * time.Millisecond) // a watcher slow to let go of the card
					cardsReturned.Store(true)
					return nil
				}
			}
			done := make(chan error, 1)
			go func() { done <- parts.run(ctx, o) }()
			waitState(t, parts.engine, kiosk.StateIdle) // the engine loop runs
			if tt.appl {
				getStatus(t, cfg.Status.Listen, http.StatusOK)
				if got := systemdtest.Next(t, notify); !strings.Contains(got, "READY=1") {
					t.Fatalf("first notification %q", got)
				}
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("run did not return after cancel")
			}
			// Everything run started has returned by now, before the parts are closed.
			if still := tr.still(); len(still) > 0 {
				t.Fatalf("still running after run returned: %v", still)
			}
			started := slices.Clone(tr.started)
			slices.Sort(started)
			if !slices.Equal(started, tt.parts) {
				t.Errorf("run started %v, want %v", started, tt.parts)
			}
			if tt.appl {
				if !cardsReturned.Load() {
					t.Error("run returned before the card watcher")
				}
				if conn, err := net.Dial("tcp", cfg.Status.Listen); err == nil {
					conn.Close()
					t.Error("the status endpoint still listens after run returned")
				}
				for got := ""; !strings.Contains(got, "STOPPING=1"); {
					got = systemdtest.Next(t, notify)
				}
			}
			parts.close()
			pctx, pcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer pcancel()
			if parts.engine.Ping(pctx) == nil {
				t.Error("the engine loop still answers after run returned")
			}
		})
	}
}

// fakePinger is an engine loop whose heartbeat answers err (nil: it answers).
type fakePinger struct{ err atomic.Pointer[error] }

func (f *fakePinger) Ping(context.Context) error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

func stuckPinger(err error) *fakePinger {
	p := &fakePinger{}
	p.err.Store(&err)
	return p
}

type fakeStore struct{ err error }

func (f fakeStore) Err() error { return f.err }

// TestKioskHealth: the watchdog is fed only while the queue has no fatal error and the
// engine loop answers.
func TestKioskHealth(t *testing.T) {
	for _, tt := range []struct {
		name    string
		eng     *fakePinger
		store   fakeStore
		healthy bool
		says    string
	}{
		{"healthy", &fakePinger{}, fakeStore{}, true, ""},
		{"queue failed", &fakePinger{}, fakeStore{errors.New("fsync failed")}, false, "queue: fsync failed"},
		{"engine loop stuck", stuckPinger(context.DeadlineExceeded), fakeStore{}, false, "engine loop"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := kioskHealth(tt.eng, tt.store)(context.Background())
			if (err == nil) != tt.healthy || (err != nil && (!errors.Is(err, systemd.ErrUnhealthy) || !strings.Contains(err.Error(), tt.says))) {
				t.Fatalf("health %v, want healthy %v (%q)", err, tt.healthy, tt.says)
			}
		})
	}
}
