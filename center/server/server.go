package server

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"time"

	"madoguchi/center"
)

// Defaults of Options.
const (
	DefaultChallengeTTL  = 2 * time.Minute
	DefaultMaxChallenges = 100_000
	// DefaultMaxChallengesPerKiosk bounds one kiosk's share (1 %) of the outstanding
	// challenges: a kiosk asks for one per attempt and spends it within seconds, so a
	// thousand within the TTL is a bug or an attack, and it must not starve the others.
	DefaultMaxChallengesPerKiosk = 1_000
	// DefaultRetention is how long the center keeps each signed document (names,
	// addresses, household, income) for an idempotent replay. A kiosk retries an issuance
	// within the resident's session, minutes at most; three days cover a kiosk that lost
	// power mid-issuance and comes back after a weekend's outage with the same key. After
	// it, the facts stay (ids, type, state, times, fingerprint, fee) and a replay of the
	// key is refused with CodeReplayExpired.
	DefaultRetention = 72 * time.Hour
)

// Options configure a Server. JPKIRoots, KioskCAs, DocumentKey and one of DBPath or
// Postgres are required.
type Options struct {
	DBPath string // SQLite file (created if missing); the default store
	// Postgres is a PostgreSQL connection string (pgx: a postgres:// URL or key=value
	// pairs); when set, the center keeps everything there, DBPath is ignored, and any
	// number of instances may share the database.
	Postgres  string
	JPKIRoots []*x509.Certificate // trusted roots of card authentication certificates
	// SignRoots are the trusted roots of the cards' signing certificates (署名用), which
	// sign electronic applications; none: every application is refused.
	SignRoots      []*x509.Certificate
	KioskCAs       *x509.CertPool     // CAs of kiosk TLS client certificates
	DocumentKey    ed25519.PrivateKey // signs every document
	Municipalities []Municipality     // default: DemoMunicipality(); residents name theirs by Code
	Clock          center.Clock       // default center.SystemClock
	ChallengeTTL   time.Duration      // default DefaultChallengeTTL
	MaxChallenges  int                // outstanding challenges kept; default DefaultMaxChallenges
	// MaxChallengesPerKiosk caps one kiosk's outstanding challenges; default
	// DefaultMaxChallengesPerKiosk (at most MaxChallenges).
	MaxChallengesPerKiosk int
	Logger                *slog.Logger // default: discard
	// Retention: how long a stored answer (the signed document) is kept for replay;
	// default DefaultRetention. Purge removes older ones.
	Retention time.Duration
}

// Server is the reference center: an http.Handler over a SQLite or PostgreSQL database.
type Server struct {
	store    store
	db       *sql.DB
	roots    *x509.CertPool
	issuers  []*x509.Certificate // the JPKI roots, as given
	signers  []*x509.Certificate // the JPKI signing roots, as given
	signPool *x509.CertPool
	kiosks   *x509.CertPool
	key      ed25519.PrivateKey
	munis    map[string]Municipality
	clock    center.Clock
	ttl      time.Duration
	keep     time.Duration // retention of stored answers
	log      *slog.Logger

	maxCh    int // outstanding challenges, overall and per kiosk
	maxPerKh int
}

// beginWrite begins a write transaction, for kiosk ("" = none; see store.beginWrite);
// done must be called after Commit/Rollback.
func (s *Server) beginWrite(ctx context.Context, kiosk string) (*txn, func(), error) {
	return s.store.beginWrite(ctx, kiosk)
}

// q runs single statements written with ? placeholders on the server's database.
func (s *Server) q() dbq { return dbq{db: s.db, dollar: s.store.placeholders()} }

// Open opens (and creates or migrates) the database and checks the options.
func Open(ctx context.Context, opts Options) (*Server, error) {
	if opts.DBPath == "" && opts.Postgres == "" {
		return nil, errors.New("center/server: open: no database path or PostgreSQL connection string")
	}
	if len(opts.JPKIRoots) == 0 {
		return nil, errors.New("center/server: open: no JPKI root")
	}
	if opts.KioskCAs == nil {
		return nil, errors.New("center/server: open: no kiosk CA")
	}
	if len(opts.DocumentKey) != ed25519.PrivateKeySize {
		return nil, errors.New("center/server: open: no document-signing key")
	}
	s := &Server{
		roots: x509.NewCertPool(), kiosks: opts.KioskCAs, key: opts.DocumentKey,
		munis: map[string]Municipality{}, clock: opts.Clock, ttl: opts.ChallengeTTL, keep: opts.Retention,
		log: opts.Logger, maxCh: opts.MaxChallenges, maxPerKh: opts.MaxChallengesPerKiosk,
	}
	s.signPool = x509.NewCertPool()
	for _, r := range opts.SignRoots {
		s.signPool.AddCert(r)
		s.signers = append(s.signers, r)
	}
	for _, r := range opts.JPKIRoots {
		s.roots.AddCert(r)
		s.issuers = append(s.issuers, r)
	}
	if s.clock == nil {
		s.clock = center.SystemClock
	}
	if s.ttl <= 0 {
		s.ttl = DefaultChallengeTTL
	}
	if s.maxCh <= 0 {
		s.maxCh = DefaultMaxChallenges
	}
	if s.keep <= 0 {
		s.keep = DefaultRetention
	}
	if s.maxPerKh <= 0 {
		s.maxPerKh = DefaultMaxChallengesPerKiosk
	}
	s.maxPerKh = min(s.maxPerKh, s.maxCh)
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	munis := opts.Municipalities
	if len(munis) == 0 {
		munis = []Municipality{DemoMunicipality()}
	}
	for _, m := range munis {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("center/server: open: %w", err)
		}
		if _, dup := s.munis[m.Code]; dup {
			return nil, fmt.Errorf("center/server: open: municipality %s twice", m.Code)
		}
		s.munis[m.Code] = m
	}
	var err error
	if opts.Postgres != "" {
		s.store, err = openPostgres(ctx, opts.Postgres)
	} else {
		s.store, err = openSQLite(ctx, opts.DBPath)
	}
	if err != nil {
		return nil, err
	}
	s.db = s.store.sql()
	ids := make([]string, len(s.issuers))
	for i, ca := range s.issuers {
		ids[i] = IssuerID(ca)
	}
	if err := s.store.migrate(ctx, ids, s.log); err != nil {
		s.store.close()
		return nil, fmt.Errorf("center/server: open: %w", err)
	}
	return s, nil
}

// Purge removes the stored answers (the signed documents: the personal content) of
// issuances older than the retention window and keeps their facts: kiosk, key, request
// hash, issue id, verification code, type, municipality, state, card fingerprint,
// resident id, fee, times. With secure_delete the old bytes are zeroed; the WAL is then
// checkpointed and truncated so that no copy stays there either. It returns the number of
// answers removed. A serving center runs it at start and periodically (RunPurge).
func (s *Server) Purge(ctx context.Context) (int, error) {
	now := s.clock.Now()
	cutoff := now.Add(-s.keep).UnixNano()
	if err := s.store.dropExpiredChallenges(ctx, now); err != nil {
		return 0, fmt.Errorf("purge: challenges: %w", err)
	}
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("purge: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE issuances SET response = NULL WHERE response IS NOT NULL AND created_at < ?`, cutoff)
	if err != nil {
		tx.Rollback()
		done()
		return 0, fmt.Errorf("purge: %w", err)
	}
	err = tx.Commit()
	done()
	if err != nil {
		return 0, fmt.Errorf("purge: commit: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if err := s.store.afterPurge(ctx); err != nil {
			return int(n), fmt.Errorf("purge: after: %w", err)
		}
	}
	return int(n), nil
}

// RunPurge calls Purge now and then every interval until ctx ends, logging failures.
func (s *Server) RunPurge(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("center: purge", "err", err)
		} else if n > 0 {
			s.log.Info("center: purged stored documents past retention", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close closes the database.
func (s *Server) Close() error { return s.store.close() }

// DB exposes the database for administration commands and tests.
func (s *Server) DB() *sql.DB { return s.db }

// TLSConfig returns the server-side TLS configuration: TLS 1.3, the center's certificate,
// and client certificates requested but verified by the handler (so that a wrong client
// gets a clear 401 JSON answer instead of a bare handshake failure).
func (s *Server) TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
	}
}

// Handler returns the HTTP handler of protocol v1.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+center.PathChallenges, s.kiosk(s.handleChallenge))
	mux.HandleFunc("POST "+center.PathIssuances, s.kiosk(s.handleIssue))
	mux.HandleFunc("GET "+center.PathIssuances+"/{key}", s.kiosk(s.handleStatus))
	mux.HandleFunc("POST "+center.PathMessages, s.kiosk(s.handleMessages))
	mux.HandleFunc("GET "+center.PathVerify+"/{code}", s.handleVerify) // public: no kiosk certificate
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !canonicalPath(r.URL.Path) {
			// The mux would answer a bodiless redirect to the cleaned path; the protocol's
			// paths are written in one form only, and every error answer is JSON.
			writeError(w, http.StatusNotFound, center.CodeNotFound, "no such endpoint "+r.URL.Path+" (not a canonical path)")
			return
		}
		if _, pattern := mux.Handler(r); pattern == "" {
			// Distinguish 404 from 405 ourselves so that both answer in JSON.
			probe := r.Clone(r.Context())
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				probe.Method = m
				if _, p := mux.Handler(probe); p != "" {
					writeError(w, http.StatusMethodNotAllowed, center.CodeMethod, "method "+r.Method+" not allowed on "+r.URL.Path)
					return
				}
			}
			writeError(w, http.StatusNotFound, center.CodeNotFound, "no such endpoint "+r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// canonicalPath reports whether p is in the form the mux serves without redirecting:
// absolute, no empty, "." or ".." segments (a trailing slash is allowed: it is a 404).
func canonicalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	return c == p || c+"/" == p && c != "/"
}

type kioskHandler func(w http.ResponseWriter, r *http.Request, kiosk string)

// kiosk authenticates the TLS client: a certificate chaining to a kiosk CA, for client
// authentication, whose CN is a valid kiosk id.
func (s *Server) kiosk(h kioskHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			writeError(w, http.StatusUnauthorized, center.CodeKioskUnknown, "a kiosk TLS client certificate is required")
			return
		}
		leaf := r.TLS.PeerCertificates[0]
		inter := x509.NewCertPool()
		for _, c := range r.TLS.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: s.kiosks, Intermediates: inter, CurrentTime: s.clock.Now(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if err != nil {
			writeError(w, http.StatusUnauthorized, center.CodeKioskUnknown, "kiosk certificate not accepted")
			return
		}
		id := leaf.Subject.CommonName
		if !center.ValidKioskID(id) {
			writeError(w, http.StatusUnauthorized, center.CodeKioskUnknown, "kiosk certificate has no valid kiosk id")
			return
		}
		h(w, r, id)
	}
}

// decode reads a JSON body strictly: application/json, at most MaxBodyBytes, no unknown
// fields, one value. It writes the error answer itself and reports false on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, center.CodeUnsupportedMedia, "Content-Type must be application/json")
		return false
	}
	body := http.MaxBytesReader(w, r.Body, center.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, center.CodeTooLarge, fmt.Sprintf("body over %d bytes", center.MaxBodyBytes))
			return false
		}
		writeError(w, http.StatusBadRequest, center.CodeBadRequest, "malformed JSON: "+err.Error())
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, center.CodeTooLarge, fmt.Sprintf("body over %d bytes", center.MaxBodyBytes))
			return false
		}
		writeError(w, http.StatusBadRequest, center.CodeBadRequest, "trailing data after the JSON value")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeValue(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, center.CodeInternal, "encode answer")
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func writeError(w http.ResponseWriter, status int, code center.Code, msg string) {
	writeErrorDetail(w, status, center.ErrorDetail{Code: code, Message: msg})
}

func writeErrorDetail(w http.ResponseWriter, status int, d center.ErrorDetail) {
	b, _ := json.Marshal(center.ErrorBody{Error: d})
	writeJSON(w, status, b)
}

// refusal is an error that becomes a 4xx answer with a code (and, for not_eligible, a
// reason).
type refusal struct {
	status int
	code   center.Code
	reason center.Reason
	msg    string
}

func (e *refusal) Error() string { return string(e.code) + ": " + e.msg }

func refuse(code center.Code, format string, args ...any) error {
	return &refusal{status: http.StatusUnprocessableEntity, code: code, msg: fmt.Sprintf(format, args...)}
}

// notEligible refuses with CodeNotEligible and a reason the kiosk can explain.
func notEligible(reason center.Reason, format string, args ...any) error {
	return &refusal{status: http.StatusUnprocessableEntity, code: center.CodeNotEligible, reason: reason, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &refusal{status: http.StatusBadRequest, code: center.CodeBadRequest, msg: fmt.Sprintf(format, args...)}
}

// writeErr answers err: a refusal with its status, anything else as 500 (logged; the
// body says nothing about internals) or 503 for a cancelled/busy database.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var rf *refusal
	if errors.As(err, &rf) {
		writeErrorDetail(w, rf.status, center.ErrorDetail{Code: rf.code, Reason: rf.reason, Message: rf.msg})
		return
	}
	s.log.Error("center: internal error", "path", r.URL.Path, "err", err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || s.store.unavailable(err) {
		writeError(w, http.StatusServiceUnavailable, center.CodeUnavailable, "center busy, retry later")
		return
	}
	writeError(w, http.StatusInternalServerError, center.CodeInternal, "internal error, retry later")
}

// Refused reports whether err is the center's refusal of a request (bad input, not
// found, not eligible, ...), as opposed to an internal or database failure.
func Refused(err error) bool {
	var rf *refusal
	return errors.As(err, &rf)
}
