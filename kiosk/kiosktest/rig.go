package kiosktest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/offline/journal"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// Main is the body of a TestMain for tests that use virtual cards:
// os.Exit(kiosktest.Main(m)). Before m.Run, outside any synctest bubble, it makes the
// process-wide test PKI and the keys of the virtual card's defaults
// (readertest.DefaultPKI, readertest.Key 1000–1003): both are made once, on first use,
// and the PKI is dated by the clock of its first caller, which in a bubble is the
// bubble's fake one.
func Main(m *testing.M) int {
	if _, err := readertest.DefaultPKI(); err != nil {
		fmt.Fprintln(os.Stderr, "kiosktest:", err)
		return 2
	}
	for i := 1000; i < 1004; i++ {
		readertest.Key(i)
	}
	return m.Run()
}

// AllDay is a municipality (config.DemoMunicipalityCode, 見本市) open around the clock,
// every day, with every certificate in center.CertTypes order: 350 yen a copy for the
// family register, 200 for the others.
func AllDay() config.Municipality {
	m := config.Municipality{Code: config.DemoMunicipalityCode, Name: "見本市", Hours: config.Hours{Open: 0, Close: 24 * 60}}
	for _, t := range center.CertTypes {
		fee := 200
		if t == center.FamilyRegister {
			fee = 350
		}
		m.Certificates = append(m.Certificates, config.Certificate{Type: t, FeeYen: fee})
	}
	return m
}

// RigOption changes the engine's options or the virtual card's before NewRig builds them.
type RigOption func(*kiosk.Options, *readertest.Options)

// Rig is an engine wired to this package's doubles, with a virtual My Number Card that is
// not on the reader yet. The fields are set by NewRig; tests read and steer the doubles
// directly.
type Rig struct {
	Engine  *kiosk.Engine
	Center  *Center
	Store   *Store
	Printer *Printer
	Payer   *Payer           // Options.Payer when an option set it to a *Payer; else nil
	Card    *readertest.Card // the virtual card; InsertCard and RemoveCard move it
	Logs    *LogBuffer       // the engine's log at debug level, unless an option set Options.Logger

	// WrapCard, when set, wraps every card session InsertCard hands to the engine (a spy).
	WrapCard func(kiosk.Card) kiosk.Card
	// Reader is the reader the card sits on (readertest.ReaderVariants); the zero value
	// passes everything at once. RemoveCard tells the engine as late as it says.
	Reader readertest.ReaderVariant

	cancel context.CancelFunc
	done   chan error
	forms  bool // forms are offered: the text AP may be selected
}

// NewRig builds the doubles, the virtual card and the engine, serving AllDay with the
// default timeouts, and applies opts to the engine's and the card's options in order.
// It starts nothing: Start runs the engine. Under testing/synctest, call NewRig inside the
// bubble, like every step after it, so that the card's certificates are dated by the
// bubble's clock. A build error fails tb.
func NewRig(tb testing.TB, opts ...RigOption) *Rig {
	tb.Helper()
	r := &Rig{Center: &Center{}, Store: &Store{}, Printer: &Printer{}, Logs: &LogBuffer{}}
	ko := kiosk.Options{Center: r.Center, Store: r.Store, Printer: r.Printer,
		Municipalities: []config.Municipality{AllDay()}}
	var co readertest.Options
	for _, o := range opts {
		o(&ko, &co)
	}
	if ko.Logger == nil {
		ko.Logger = slog.New(slog.NewTextHandler(r.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	r.Payer, _ = ko.Payer.(*Payer)
	for _, m := range ko.Municipalities {
		r.forms = r.forms || len(m.Forms) > 0
	}
	var err error
	if r.Card, err = readertest.NewCard(co); err != nil {
		tb.Fatal(err)
	}
	r.Card.Remove()
	if r.Engine, err = kiosk.New(ko); err != nil {
		tb.Fatal(err)
	}
	return r
}

// Start runs the engine on a new goroutine until ctx ends or Stop is called. Under
// testing/synctest, call it inside the bubble, so that the engine and its timers belong
// to the bubble; Start does not wait for the engine to settle (synctest.Wait does).
func (r *Rig) Start(ctx context.Context) {
	ctx, r.cancel = context.WithCancel(ctx)
	r.done = make(chan error, 1)
	go func() { r.done <- r.Engine.Run(ctx) }()
}

// Stop ends the engine that Start runs and returns what its Run returned (the context's
// error after a normal stop). Without a running Start it returns nil.
func (r *Rig) Stop() error {
	if r.done == nil {
		return nil
	}
	r.cancel()
	err := <-r.done
	r.done = nil
	return err
}

// InsertCard places the virtual card (a power-on reset) and hands the engine a fresh
// session through the reader package's allow-list, as the card layer does on every
// insertion.
func (r *Rig) InsertCard() {
	r.Card.Insert()
	var c kiosk.Card = reader.New(readertest.NewReader(r.Card, r.Reader))
	if r.WrapCard != nil {
		c = r.WrapCard(c)
	}
	r.Engine.CardInserted(c)
}

// RemoveCard takes the virtual card off the reader and tells the engine: at once, or
// Reader.LateRemoval later (from a goroutine, part of a synctest bubble when called in
// one).
func (r *Rig) RemoveCard() {
	r.Card.Remove()
	if d := r.Reader.LateRemoval; d > 0 {
		time.AfterFunc(d, r.Engine.CardRemoved)
		return
	}
	r.Engine.CardRemoved()
}

// Check reports through tb every breach of the invariants all engine tests share: the
// engine never read the card's My Number, never selected the text application
// (券面事項入力補助AP) unless the rig offers forms (WithForms), and closed every journal it
// opened. Call it after Stop.
func (r *Rig) Check(tb testing.TB) {
	tb.Helper()
	if n := r.Card.MyNumberAccesses(); n != 0 {
		tb.Errorf("the engine touched the My Number %d times", n)
	}
	for _, l := range r.Card.Log() {
		if !r.forms && len(l.Cmd) > 4 && l.Cmd[1] == reader.INSSelect && l.Cmd[2] == 0x04 && bytes.Equal(l.Cmd[5:], reader.AIDText) {
			tb.Errorf("the engine selected the text AP: %s", l)
		}
	}
	for _, j := range r.Store.Sessions() {
		if st := j.Steps(); len(st) == 0 || st[len(st)-1] != string(journal.Closed) {
			tb.Errorf("session %s left open: %v", j.ID(), st)
		}
	}
}

// LogBuffer collects log output written from several goroutines.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
