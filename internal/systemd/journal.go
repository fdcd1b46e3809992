package systemd

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// NewLogHandler returns a log/slog handler writing one JSON object per line to w at
// level and above. With MADOGUCHI_LOG=journal (read through getenv) each line starts
// with its syslog priority "<N>", which journald's stream reader turns into the entry's
// PRIORITY, so `journalctl -p warning` works for a service whose stderr is the journal.
func NewLogHandler(w io.Writer, level slog.Leveler, getenv func(string) string) slog.Handler {
	if getenv("MADOGUCHI_LOG") != "journal" {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	}
	pw := &prefixWriter{w: w}
	return &journalHandler{inner: slog.NewJSONHandler(pw, &slog.HandlerOptions{Level: level}), pw: pw}
}

// journalHandler prefixes every JSON line with its syslog priority.
type journalHandler struct {
	inner slog.Handler
	pw    *prefixWriter
}

// prefixWriter writes the pending prefix before the next write (the JSON handler
// writes each record in one Write), under one lock shared by all derived handlers.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	// Called with p.mu held by journalHandler.Handle.
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

// syslogPriority maps slog levels onto syslog priorities (sd-daemon(3)).
func syslogPriority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "<3>"
	case l >= slog.LevelWarn:
		return "<4>"
	case l >= slog.LevelInfo:
		return "<6>"
	}
	return "<7>"
}

func (h *journalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	h.pw.mu.Lock()
	defer h.pw.mu.Unlock()
	h.pw.prefix = syslogPriority(r.Level)
	return h.inner.Handle(ctx, r)
}

func (h *journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &journalHandler{inner: h.inner.WithAttrs(as), pw: h.pw}
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	return &journalHandler{inner: h.inner.WithGroup(name), pw: h.pw}
}
