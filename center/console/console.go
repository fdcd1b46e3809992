package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"time"

	"madoguchi/center"
	"madoguchi/center/server"
	"madoguchi/config"
)

// Backend is what the console needs of the center (server.Server implements it).
type Backend interface {
	Login(ctx context.Context, name string, password []byte, source string) (string, server.Session, error)
	Session(ctx context.Context, token string) (server.Session, error)
	Logout(ctx context.Context, token string) error
	Fleet(ctx context.Context) ([]server.KioskSummary, error)
	DailyIssuances(ctx context.Context, days int) ([]server.DayCount, error)
	SequenceGaps(ctx context.Context, kiosk string) ([]server.Gap, error)
	Suspensions(ctx context.Context, limit int) ([]server.Suspension, error)
	SuspendCard(ctx context.Context, operator, issuer string, serial *big.Int, reason string) error
	ReinstateCard(ctx context.Context, operator, issuer string, serial *big.Int, reason string) error
	AuditLog(ctx context.Context, limit int) ([]server.AuditEntry, error)
	Verify(ctx context.Context, code string) (center.Verification, error)
	ImportResidents(ctx context.Context, in io.Reader, opts server.ImportOptions) (server.ImportReport, error)
	Applications(ctx context.Context) ([]server.Application, error)
}

// Defaults of Options.
const (
	// DefaultStaleAfter: a kiosk silent this long is highlighted on the fleet page. Kiosks
	// send a health message at least every few minutes while they run.
	DefaultStaleAfter = 15 * time.Minute
	// MaxFormBytes bounds every form's body.
	MaxFormBytes = 16 << 10
	// MaxUploadBytes bounds an uploaded residents CSV with its form (about 20,000
	// residents); a whole city's registry goes through `centerd import` on the center.
	MaxUploadBytes = 4 << 20
)

// Options configure the console.
type Options struct {
	Clock      center.Clock  // default center.SystemClock
	StaleAfter time.Duration // default DefaultStaleAfter
	Logger     *slog.Logger  // default: discard
}

// Console is the operators' web console and the public verification page.
type Console struct {
	b     Backend
	clock center.Clock
	stale time.Duration
	log   *slog.Logger
	pages *template.Template
}

//go:embed templates/*.html
var templateFiles embed.FS

// Cookie names.
const (
	sessionCookie = "madoguchi_console"
	loginCookie   = "madoguchi_login" // the login form's CSRF token (double submit)
)

// New builds the console over b.
func New(b Backend, opts Options) (*Console, error) {
	c := &Console{b: b, clock: opts.Clock, stale: opts.StaleAfter, log: opts.Logger}
	if c.clock == nil {
		c.clock = center.SystemClock
	}
	if c.stale <= 0 {
		c.stale = DefaultStaleAfter
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	funcs := template.FuncMap{
		"jst": func(t time.Time) string {
			if t.IsZero() || t.Unix() == 0 {
				return "—"
			}
			return t.In(config.JST).Format("2006-01-02 15:04:05")
		},
		"title":  func(t string) string { return center.CertType(t).Title() },
		"wareki": func(t time.Time) string { return server.Wareki(t) },
		"join":   strings.Join,
		"state":  stateText,
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("center/console: templates: %w", err)
	}
	c.pages = t
	return c, nil
}

// Handler serves the console: /login, /logout, / (fleet), /issuances, /cards,
// /cards/suspend, /cards/reinstate, /residents (import), /applications, /audit. Serve it over HTTPS only (its
// cookies are Secure).
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.login)
	mux.HandleFunc("POST /logout", c.operator(c.logout))
	mux.HandleFunc("GET /{$}", c.operator(c.fleet))
	mux.HandleFunc("GET /issuances", c.operator(c.issuances))
	mux.HandleFunc("GET /cards", c.operator(c.cards))
	mux.HandleFunc("POST /cards/suspend", c.operator(c.cardAction(true)))
	mux.HandleFunc("POST /cards/reinstate", c.operator(c.cardAction(false)))
	mux.HandleFunc("GET /applications", c.operator(c.applications))
	mux.HandleFunc("GET /residents", c.operator(c.residents))
	mux.HandleFunc("POST /residents", c.upload(c.importResidents))
	mux.HandleFunc("GET /audit", c.operator(c.audit))
	mux.HandleFunc("GET /verify/{code}", c.verify)
	return securityHeaders(mux)
}

// Public serves the public verification page, GET /verify/{code}, and passes every other
// request to next (the kiosks' protocol on the same listener).
func (c *Console) Public(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /verify/{code}", securityHeaders(http.HandlerFunc(c.verify)))
	mux.Handle("/", next)
	return mux
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Strict-Transport-Security", "max-age=31536000")
		next.ServeHTTP(w, r)
	})
}

// page is what every console template gets.
type page struct {
	Title    string
	Operator string
	CSRF     string
	Nav      string
	Flash    string
	Error    string
	Data     any
}

func (c *Console) render(w http.ResponseWriter, status int, name string, p page) {
	var b strings.Builder
	if err := c.pages.ExecuteTemplate(&b, name, p); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (c *Console) fail(w http.ResponseWriter, status int, msg string, p page) {
	p.Error = msg
	if p.Title == "" {
		p.Title = http.StatusText(status)
	}
	c.render(w, status, "error.html", p)
}

type operatorHandler func(w http.ResponseWriter, r *http.Request, s server.Session)

// operator requires a session; a POST also requires the session's CSRF token in its
// form (at most MaxFormBytes).
func (c *Console) operator(h operatorHandler) http.HandlerFunc {
	return c.guard(MaxFormBytes, h)
}

// upload is operator for a multipart form of at most MaxUploadBytes.
func (c *Console) upload(h operatorHandler) http.HandlerFunc {
	return c.guard(MaxUploadBytes, h)
}

func (c *Console) guard(limit int64, h operatorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		var s server.Session
		if err == nil {
			s, err = c.b.Session(r.Context(), ck.Value)
		}
		if err != nil {
			if !errors.Is(err, http.ErrNoCookie) && !errors.Is(err, server.ErrNoSession) {
				c.log.Error("console: session", "err", err)
				c.fail(w, http.StatusServiceUnavailable, "The center's database does not answer; try again in a moment.", page{})
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			c.fail(w, http.StatusUnauthorized, "Your session has ended (expired or logged out). Log in again; nothing was changed.", page{})
			return
		}
		if r.Method == http.MethodPost {
			if err := parseForm(w, r, limit); err != nil {
				status := http.StatusBadRequest
				msg := "The form could not be read (" + http.StatusText(status) + "); nothing was changed."
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					status = http.StatusRequestEntityTooLarge
					msg = fmt.Sprintf("The form could not be read (%s: more than %s); nothing was changed.", http.StatusText(status), byteSize(limit))
					if limit == MaxUploadBytes {
						msg += " Split the file, or import it with `centerd import` on the center."
					}
				}
				c.fail(w, status, msg, page{Operator: s.Operator, CSRF: s.CSRF})
				return
			}
			defer func() {
				if r.MultipartForm != nil {
					_ = r.MultipartForm.RemoveAll()
				}
			}()
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF)) != 1 {
				c.fail(w, http.StatusForbidden, "This form was not sent from this console session (missing or wrong CSRF token); nothing was changed. Reload the page and try again.",
					page{Operator: s.Operator, CSRF: s.CSRF})
				return
			}
		}
		h(w, r, s)
	}
}

// parseForm reads a POST's form (urlencoded, or multipart when limit allows uploads) of
// at most limit bytes, all in memory (an upload never lands in a temporary file). An
// oversized body is read on, up to a bound, so that a browser still sending it sees the
// answer instead of a reset connection.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	body := r.Body
	r.Body = http.MaxBytesReader(w, body, limit)
	var err error
	if limit > MaxFormBytes && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 4*MaxUploadBytes))
	}
	return err
}

func byteSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

func newToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.renderLogin(w, r, http.StatusOK, "")
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	tok := newToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/login", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: 600})
	c.render(w, status, "login.html", page{Title: "Log in", CSRF: tok, Error: msg})
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		c.renderLogin(w, r, http.StatusForbidden, "This login form was not sent from this console (missing or wrong CSRF token). Try again.")
		return
	}
	pw := []byte(r.PostForm.Get("password"))
	// The lock-out counts by the TCP peer's address: the console is served directly
	// (no proxy header is trusted, it could be forged).
	token, s, err := c.b.Login(r.Context(), r.PostForm.Get("name"), pw, r.RemoteAddr) // Login zeroes pw
	switch {
	case errors.Is(err, server.ErrLocked):
		c.renderLogin(w, r, http.StatusTooManyRequests, fmt.Sprintf("Too many wrong passwords from this computer: this name is locked here for %d minutes.", int(server.LoginLockout.Minutes())))
		return
	case errors.Is(err, server.ErrLogin):
		c.renderLogin(w, r, http.StatusUnauthorized, "Wrong name or password.")
		return
	case err != nil:
		c.log.Error("console: login", "err", err)
		c.renderLogin(w, r, http.StatusServiceUnavailable, "The center's database does not answer; try again in a moment.")
		return
	}
	// A browser-session cookie: the center ends the session (idle and maximum age).
	_ = s
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1, Secure: true, HttpOnly: true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s server.Session) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.b.Logout(r.Context(), ck.Value); err != nil {
			c.log.Error("console: logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, Secure: true, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// kioskRow is one line of the fleet page.
type kioskRow struct {
	server.KioskSummary
	Stale bool
	Gaps  string
}

func (c *Console) fleet(w http.ResponseWriter, r *http.Request, s server.Session) {
	p := page{Title: "Fleet", Operator: s.Operator, CSRF: s.CSRF, Nav: "fleet"}
	ks, err := c.b.Fleet(r.Context())
	if err != nil {
		c.backendFailed(w, err, p)
		return
	}
	now := c.clock.Now()
	rows := make([]kioskRow, 0, len(ks))
	stale := 0
	for _, k := range ks {
		row := kioskRow{KioskSummary: k, Stale: now.Sub(k.LastContact) > c.stale}
		if row.Stale {
			stale++
		}
		if k.Missing > 0 {
			gaps, err := c.b.SequenceGaps(r.Context(), k.ID)
			if err != nil {
				c.backendFailed(w, err, p)
				return
			}
			var parts []string
			for i, g := range gaps {
				if i == 5 {
					parts = append(parts, fmt.Sprintf("… %d more", len(gaps)-5))
					break
				}
				if g.From == g.To {
					parts = append(parts, fmt.Sprint(g.From))
				} else {
					parts = append(parts, fmt.Sprintf("%d–%d", g.From, g.To))
				}
			}
			row.Gaps = strings.Join(parts, ", ")
		}
		rows = append(rows, row)
	}
	p.Data = struct {
		Kiosks     []kioskRow
		Stale      int
		StaleAfter time.Duration
	}{rows, stale, c.stale}
	c.render(w, http.StatusOK, "fleet.html", p)
}

func (c *Console) issuances(w http.ResponseWriter, r *http.Request, s server.Session) {
	p := page{Title: "Issuances", Operator: s.Operator, CSRF: s.CSRF, Nav: "issuances"}
	days, err := c.b.DailyIssuances(r.Context(), 14)
	if err != nil {
		c.backendFailed(w, err, p)
		return
	}
	// One row per day, one column per type seen.
	types := map[string]bool{}
	byDay := map[string]map[string]int{}
	for _, d := range days {
		types[d.Type] = true
		if byDay[d.Day] == nil {
			byDay[d.Day] = map[string]int{}
		}
		byDay[d.Day][d.Type] += d.Count
	}
	var cols []string
	for t := range types {
		cols = append(cols, t)
	}
	sort.Strings(cols)
	type dayRow struct {
		Day    string
		Counts []int
		Total  int
	}
	var rows []dayRow
	for day, m := range byDay {
		row := dayRow{Day: day}
		for _, t := range cols {
			row.Counts = append(row.Counts, m[t])
			row.Total += m[t]
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Day > rows[j].Day })
	p.Data = struct {
		Types []string
		Days  []dayRow
	}{cols, rows}
	c.render(w, http.StatusOK, "issuances.html", p)
}

func (c *Console) cards(w http.ResponseWriter, r *http.Request, s server.Session) {
	c.renderCards(w, r, s, http.StatusOK, "", "")
}

func (c *Console) renderCards(w http.ResponseWriter, r *http.Request, s server.Session, status int, flash, msg string) {
	p := page{Title: "Cards", Operator: s.Operator, CSRF: s.CSRF, Nav: "cards", Flash: flash, Error: msg}
	sus, err := c.b.Suspensions(r.Context(), 200)
	if err != nil {
		c.backendFailed(w, err, p)
		return
	}
	p.Data = sus
	c.render(w, status, "cards.html", p)
}

func (c *Console) cardAction(suspend bool) operatorHandler {
	return func(w http.ResponseWriter, r *http.Request, s server.Session) {
		serial, err := server.ParseSerial(r.PostForm.Get("serial"))
		if err != nil || len(r.PostForm.Get("serial")) > 80 {
			c.renderCards(w, r, s, http.StatusBadRequest, "", "The serial must be the certificate's serial number in hexadecimal (colons allowed). Nothing was changed.")
			return
		}
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if reason == "" || len(reason) > 500 {
			c.renderCards(w, r, s, http.StatusBadRequest, "", "A reason of 1 to 500 bytes is required (it goes into the audit log). Nothing was changed.")
			return
		}
		f, what := c.b.ReinstateCard, "reinstated"
		if suspend {
			f, what = c.b.SuspendCard, "suspended"
		}
		if err := f(r.Context(), s.Operator, r.PostForm.Get("issuer"), serial, reason); err != nil {
			c.log.Error("console: card action", "err", err)
			c.renderCards(w, r, s, http.StatusUnprocessableEntity, "", "Not done: "+err.Error())
			return
		}
		c.renderCards(w, r, s, http.StatusOK, fmt.Sprintf("Certificate serial %s %s.", serial.Text(16), what), "")
	}
}

func (c *Console) applications(w http.ResponseWriter, r *http.Request, s server.Session) {
	p := page{Title: "Applications", Operator: s.Operator, CSRF: s.CSRF, Nav: "applications"}
	apps, err := c.b.Applications(r.Context())
	if err != nil {
		c.backendFailed(w, err, p)
		return
	}
	// The list shows what staff need to find an application, never what it says: the
	// content (names, addresses, what the resident typed) is read with `centerd
	// applications` on the center, where access is the municipality's own.
	type appRow struct {
		Received, Signed                  string
		Kiosk, Number, Municipality, Form string
		Signer                            string
	}
	rows := make([]appRow, 0, len(apps))
	for i := len(apps) - 1; i >= 0; i-- { // newest first
		a := apps[i]
		rows = append(rows, appRow{Received: a.Received.In(config.JST).Format("2006-01-02 15:04"), Signed: a.Signed.In(config.JST).Format("2006-01-02 15:04"),
			Kiosk: a.Kiosk, Number: a.Number, Municipality: a.Municipality, Form: a.Form, Signer: a.SignerSerial})
	}
	p.Data = rows
	c.render(w, http.StatusOK, "applications.html", p)
}

func (c *Console) residents(w http.ResponseWriter, r *http.Request, s server.Session) {
	c.renderResidents(w, s, http.StatusOK, nil, "")
}

func (c *Console) renderResidents(w http.ResponseWriter, s server.Session, status int, rep *server.ImportReport, msg string) {
	p := page{Title: "Residents", Operator: s.Operator, CSRF: s.CSRF, Nav: "residents", Error: msg}
	if rep != nil && len(rep.Errors) == 0 {
		if rep.Checked {
			p.Flash = fmt.Sprintf("Checked: the file is good; importing it would store %d residents (%d new, %d replaced) and %d card bindings. Nothing was changed yet.",
				rep.Rows, rep.New, rep.Replaced, rep.Cards)
		} else {
			p.Flash = fmt.Sprintf("Imported %d residents (%d new, %d replaced) and %d card bindings.", rep.Rows, rep.New, rep.Replaced, rep.Cards)
		}
	}
	var lines []server.ImportRow
	more := 0
	if rep != nil {
		lines = rep.Lines[:min(len(rep.Lines), maxShownLines)]
		more = len(rep.Lines) - len(lines)
	}
	p.Data = struct {
		Report    *server.ImportReport
		Lines     []server.ImportRow
		MoreLines int
		Columns   []string
		Max       string
	}{rep, lines, more, server.CSVColumns, byteSize(MaxUploadBytes)}
	c.render(w, status, "residents.html", p)
}

// maxShownLines: the result page lists this many of the file's rows.
const maxShownLines = 200

// importResidents checks or imports an uploaded residents CSV with the same reading and
// validation as `centerd import`: all or nothing, every line's problems listed.
func (c *Console) importResidents(w http.ResponseWriter, r *http.Request, s server.Session) {
	check := r.PostForm.Get("action") != "import"
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["csv"]
	}
	if len(files) != 1 || files[0].Size == 0 {
		c.renderResidents(w, s, http.StatusBadRequest, nil, "Choose one CSV file (not empty) to check or import. Nothing was changed.")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		c.renderResidents(w, s, http.StatusBadRequest, nil, "The uploaded file could not be read. Nothing was changed.")
		return
	}
	defer f.Close()
	rep, err := c.b.ImportResidents(r.Context(), f, server.ImportOptions{Check: check, Operator: s.Operator, Source: files[0].Filename})
	switch {
	case errors.Is(err, server.ErrImportRefused):
		msg := fmt.Sprintf("The file has %d problem(s) listed below; nothing was imported. Correct them and check again.", len(rep.Errors))
		if rep.MoreErrors {
			msg = fmt.Sprintf("The file has more than %d problems (the first are listed below); nothing was imported.", len(rep.Errors))
		}
		c.renderResidents(w, s, http.StatusUnprocessableEntity, &rep, msg)
	case err != nil:
		c.backendFailed(w, err, page{Title: "Residents", Operator: s.Operator, CSRF: s.CSRF, Nav: "residents"})
	default:
		c.renderResidents(w, s, http.StatusOK, &rep, "")
	}
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request, s server.Session) {
	p := page{Title: "Audit", Operator: s.Operator, CSRF: s.CSRF, Nav: "audit"}
	log, err := c.b.AuditLog(r.Context(), 500)
	if err != nil {
		c.backendFailed(w, err, p)
		return
	}
	p.Data = log
	c.render(w, http.StatusOK, "audit.html", p)
}

func (c *Console) backendFailed(w http.ResponseWriter, err error, p page) {
	c.log.Error("console: backend", "err", err)
	c.fail(w, http.StatusServiceUnavailable, "The center's database does not answer; try again in a moment.", p)
}

// verify is the public page behind a printed certificate's verification code: what the
// paper should say, nothing personal.
func (c *Console) verify(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	v, err := c.b.Verify(r.Context(), code)
	p := page{Title: "証明書の確認 Certificate check"}
	if err != nil {
		if server.Refused(err) {
			c.fail(w, http.StatusNotFound, "この確認コードの証明書はありません。No certificate has this verification code.", p)
			return
		}
		c.log.Error("console: verify", "err", err)
		c.fail(w, http.StatusServiceUnavailable, "ただいま確認できません。しばらくしてからお試しください。The check is unavailable now; try again later.", p)
		return
	}
	p.Data = v
	c.render(w, http.StatusOK, "verify.html", p)
}

func stateText(s center.IssuanceState) string {
	switch s {
	case center.StateIssued:
		return "交付処理中 being issued"
	case center.StateCompleted:
		return "有効（交付済み） valid, issued"
	case center.StateVoided:
		return "無効（取消し） void, cancelled"
	}
	return "不明 unknown"
}
