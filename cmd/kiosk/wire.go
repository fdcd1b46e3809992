package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"os"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/internal/i18n"
	"madoguchi/kiosk"
	"madoguchi/offline"
	"madoguchi/offline/centerlink"
	"madoguchi/printer"
	"madoguchi/reader"
)

// newCenterClient builds the center client from the files the configuration names: the
// kiosk's TLS identity, the pinned center CA and the pinned document-signing key; the
// kiosk and `kiosk diag` build it only here, so diag checks exactly what the kiosk will
// present and trust. clock is the kiosk's wall clock (nil: the system clock); tests
// inject one that starts unset.
func newCenterClient(cfg *config.Config, clock center.Clock) (*center.Client, error) {
	c := cfg.Center
	opts, err := center.ClientFiles{Cert: c.ClientCert, Key: c.ClientKey, CA: c.CAFile, DocumentKey: c.DocumentKey}.Load()
	if err != nil {
		return nil, fmt.Errorf("center client: %w", err)
	}
	opts.BaseURL, opts.Fallbacks, opts.KioskID, opts.Clock = c.URL, c.Fallbacks, cfg.Kiosk.ID, clock
	opts.ConnectTimeout, opts.RequestTimeout = c.ConnectTimeout, c.RequestTimeout
	cl, err := center.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("center client: %w", err)
	}
	return cl, nil
}

// kioskParts are one kiosk's parts wired from its configuration: the center client, the
// durable queue (already recovered), the printer and the engine. `kiosk run`, `kiosk demo`
// and the tests that stand in for them all build them with assemble.
type kioskParts struct {
	client  *center.Client
	link    centerlink.Link
	store   *offline.Store
	printer *enginePrinter
	engine  *kiosk.Engine
	tray    trayWatcher // nil: no paper-present sensor

	trace func(part string, running bool) // tests: each goroutine of run as it starts and returns
}

// assembleOptions are what differs between run, demo and tests.
type assembleOptions struct {
	Sensors    printer.Sensors // the GPIO panel's sensors and indicators; nil: none wired
	Technician bool            // technician mode on the screen (when a technician PIN is set)
	Clock      offline.Clock   // nil: the system clock (tests start one in 1970)
	Payer      kiosk.Payer     // nil: no payment at the kiosk (the demo simulates one)
	Indicator  kiosk.Indicator // the card LED and buzzer of the reminders; nil: none wired
	Tray       trayWatcher     // the output tray's paper-present sensor; nil: none wired
	Log        *slog.Logger
}

// trayWatcher is the output tray's paper-present sensor (printer/gpio.Panel).
type trayWatcher interface {
	WatchTray(ctx context.Context, f func(paper bool)) error
}

// assemble wires cfg's parts. The caller runs them (run, in parts.go) and calls close
// once run has returned.
func assemble(ctx context.Context, cfg *config.Config, o assembleOptions) (*kioskParts, error) {
	p := &kioskParts{}
	var err error
	if p.client, err = newCenterClient(cfg, o.Clock); err != nil {
		return nil, err
	}
	p.link = centerlink.Link{Client: p.client}
	if p.store, err = openQueue(ctx, cfg, p.link, o.Log, o.Clock); err != nil {
		p.close()
		return nil, err
	}
	if p.printer, err = newPrinter(cfg, o.Sensors); err != nil {
		p.close()
		return nil, err
	}
	applyTranslations(cfg, o.Log)
	warnReceiptFonts(o.Log, p.printer.Printer().Layout())
	opts := engineOptions(cfg, p.client)
	if opts.TextIssuerKey, err = textIssuerKey(cfg); err != nil {
		p.close()
		return nil, err
	}
	opts.Store, opts.Printer, opts.Logger = queueStore{p.store}, p.printer, o.Log.With("part", "engine")
	opts.Payer, opts.Indicator = o.Payer, o.Indicator
	p.tray = o.Tray
	if o.Technician {
		opts.Technician = newTechnician(cfg, p.printer)
	}
	if p.engine, err = kiosk.New(opts); err != nil {
		p.close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	return p, nil
}

// close releases what assemble opened, in reverse order.
func (p *kioskParts) close() {
	if p.printer != nil {
		p.printer.Close()
	}
	if p.store != nil {
		p.store.Close()
	}
	if p.client != nil {
		p.client.Close()
	}
}

// offlineOptions maps the [queue] section onto the queue's options.
func offlineOptions(q config.Queue) offline.Options {
	return offline.Options{
		MaxPending: q.MaxMessages, MaxPendingBytes: q.MaxBytes, MaxPendingAge: q.MaxAge,
		Retention: q.Retention, BatchSize: q.BatchSize, BackoffBase: q.RetryMin, BackoffMax: q.RetryMax,
		ParkedApplicationRetention: q.ParkedApplicationRetention,
		ClockFloor:                 center.ClockFloor,
	}
}

// openQueue opens the durable queue and finishes what a previous run left open, asking
// the center what became of each interrupted request. Sessions that needed a decision are
// logged for the technician (they are also stored as alerts).
func openQueue(ctx context.Context, cfg *config.Config, link centerlink.Link, log *slog.Logger, clock offline.Clock) (*offline.Store, error) {
	opts := offlineOptions(cfg.Queue)
	opts.Clock = clock
	st, err := offline.Open(ctx, cfg.Queue.Path, opts)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	rec, err := st.Recover(ctx, link)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("queue recovery: %w", err)
	}
	for _, r := range rec {
		if r.Flag != "" {
			log.Warn("session recovered after restart", "session", r.Session, "flag", r.Flag)
		}
	}
	return st, nil
}

// queueStore adapts the offline queue to the engine's Store (the engine never imports
// the SQL driver).
type queueStore struct{ s *offline.Store }

var _ kiosk.Store = queueStore{}

func (q queueStore) CanStartSession(ctx context.Context) error { return q.s.CanStartSession(ctx) }

var _ kiosk.TechLockStore = queueStore{} // the technician lock-out survives a restart

func (q queueStore) TechLockout(ctx context.Context) (int, bool, error) { return q.s.TechLockout(ctx) }

func (q queueStore) SetTechLockout(ctx context.Context, failures int, locked bool) error {
	return q.s.SetTechLockout(ctx, failures, locked)
}

var _ kiosk.AlertStore = queueStore{} // a card or certificate left behind past the alert time

func (q queueStore) Alert(ctx context.Context, event string, detail map[string]any) error {
	return q.s.Alert(ctx, event, detail)
}

var _ kiosk.ApplicationStore = queueStore{} // a signed e-application, for the center

// QueueApplication queues a signed application in the outbox (store-and-forward to the
// center's application kind; the row is deleted once the center acknowledged it).
func (q queueStore) QueueApplication(ctx context.Context, number string, signedData []byte) error {
	return q.s.Enqueue(ctx, offline.KindApplication, center.ApplicationPayload{Number: number, SignedData: signedData})
}

var _ kiosk.AuditStore = queueStore{} // a printed form's audit event

// Audit queues an audit event outside a certificate session, in the shape of a session's.
func (q queueStore) Audit(ctx context.Context, event string, detail map[string]any) error {
	return q.s.Enqueue(ctx, offline.KindAudit, map[string]any{"event": event, "detail": detail})
}

func (q queueStore) BeginSession(ctx context.Context, in kiosk.Intent) (kiosk.Journal, error) {
	s, err := q.s.BeginSession(ctx, offline.Intent{CertType: in.CertType, Copies: in.Copies})
	if err != nil {
		return nil, err
	}
	return journal{s}, nil
}

// journal is an offline session seen as the engine's Journal.
type journal struct{ *offline.Session }

func (j journal) PrintStarted(ctx context.Context, p *kiosk.Payment) error {
	if p == nil {
		return j.Session.PrintStarted(ctx, nil)
	}
	return j.Session.PrintStarted(ctx, &offline.Payment{Method: p.Method, Amount: p.Amount, Ref: p.Ref})
}

// kioskClock is the time the engine trusts: the kiosk's own clock once it is set, before
// that the center's (carried forward on the monotonic clock), and zero — "unknown", the
// center then checks hours and certificate validity alone — before the center answered.
type kioskClock struct{ c *center.Client }

func (k kioskClock) Now() time.Time {
	t, ok := k.c.Now()
	if !ok {
		return time.Time{}
	}
	return t
}

// textIssuerKey loads the key the card's four facts are checked with when forms are
// offered; nil otherwise.
func textIssuerKey(cfg *config.Config) (*rsa.PublicKey, error) {
	offered := false
	for _, m := range cfg.Municipalities {
		offered = offered || len(m.Forms) > 0
	}
	if !offered {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.Reader.TextIssuerKey)
	if err != nil {
		return nil, fmt.Errorf("forms: %w", err)
	}
	k, err := reader.ParseIssuerKey(b)
	if err != nil {
		return nil, fmt.Errorf("forms: %s: %w", cfg.Reader.TextIssuerKey, err)
	}
	return k, nil
}

// engineOptions maps the configuration onto the engine's options; the engine's clock is
// the center client's trusted time.
func engineOptions(cfg *config.Config, client *center.Client) kiosk.Options {
	lang := kiosk.Lang(cfg.Kiosk.Language) // validated by config
	return kiosk.Options{
		Municipalities: cfg.Municipalities, Timeouts: cfg.Timeouts, Language: lang, MaxCopies: cfg.Kiosk.MaxCopies,
		Center: client, Clock: kioskClock{client}, Reminder: cfg.Reminder,
	}
}

// applyTranslations puts the [kiosk] translations folder's corrections over the built-in
// catalogs; a mistake is logged and the built-in texts are used.
func applyTranslations(cfg *config.Config, log *slog.Logger) {
	if cfg.Kiosk.Translations == "" {
		return
	}
	c, err := i18n.LoadCorrections(cfg.Kiosk.Translations)
	if err == nil {
		err = i18n.SetCorrections(c)
	}
	if err != nil {
		log.Error("translations: the built-in texts are used", "err", err)
		return
	}
	log.Info("translations: corrections in use", "languages", len(c))
}
