package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// Logs on the appliance: `kiosk run` writes one JSON object per line (log/slog) to
// stderr. The systemd unit runs it under systemd-cat, so the lines reach the journal
// (identifier madoguchi-kiosk) while the screen, which tcell draws on /dev/tty, stays
// clean. With MADOGUCHI_LOG=journal each line starts with the syslog priority "<N>",
// which journald's stream reader turns into the entry's PRIORITY (so
// `journalctl -p warning -u madoguchi-kiosk` works). Nothing personal is logged at any
// level: no PIN, no My Number, no name, no certificate; sessions appear by random id.

// newLogHandler returns the handler `kiosk run` should log with.
func newLogHandler(w io.Writer, level slog.Leveler, getenv func(string) string) slog.Handler {
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
