package kiosk_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func TestMain(m *testing.M) {
	// Generate the virtual cards' keys once, outside any bubble.
	if _, err := readertest.DefaultPKI(); err != nil {
		panic(err)
	}
	for i := 1000; i < 1004; i++ {
		readertest.Key(i)
	}
	os.Exit(m.Run())
}

// allDay is a municipality open around the clock, every day, with every certificate.
func allDay() config.Municipality {
	return config.Municipality{Code: config.DemoMunicipalityCode, Name: "見本市", Hours: config.Hours{Open: 0, Close: 24 * 60},
		Certificates: []config.Certificate{
			{Type: center.ResidentRecord, FeeYen: 200},
			{Type: center.ResidentRecordItems, FeeYen: 200},
			{Type: center.SealRegistration, FeeYen: 200},
			{Type: center.FamilyRegister, FeeYen: 350},
			{Type: center.FamilyRegisterAnnex, FeeYen: 200},
			{Type: center.TaxIncome, FeeYen: 200},
		}}
}

var testTimeouts = config.DefaultTimeouts

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rig is an engine with the kiosktest doubles and a virtual card, run inside a synctest
// bubble: every step waits until the engine and its work are idle.
type rig struct {
	t       testing.TB
	e       *kiosk.Engine
	center  *kiosktest.Center
	store   *kiosktest.Store
	printer *kiosktest.Printer
	payer   *kiosktest.Payer
	vc      *readertest.Card
	card    kiosk.Card
	logs    *syncBuf
	wrap    func(kiosk.Card) kiosk.Card
	cancel  context.CancelFunc
	done    chan error
}

type rigOpt func(*kiosk.Options, *readertest.Options)

func withPayer(o *kiosk.Options, _ *readertest.Options) { o.Payer = &kiosktest.Payer{} }

func newRig(t testing.TB, mods ...rigOpt) *rig {
	t.Helper()
	r := &rig{t: t, center: &kiosktest.Center{}, store: &kiosktest.Store{}, printer: &kiosktest.Printer{}, logs: &syncBuf{}}
	opts := kiosk.Options{Center: r.center, Store: r.store, Printer: r.printer,
		Municipalities: []config.Municipality{allDay()}, Timeouts: testTimeouts,
		Logger: slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	var copts readertest.Options
	for _, m := range mods {
		m(&opts, &copts)
	}
	if p, ok := opts.Payer.(*kiosktest.Payer); ok {
		r.payer = p
	}
	var err error
	r.vc, r.card, err = kiosktest.NewCard(copts)
	if err != nil {
		t.Fatal(err)
	}
	r.e, err = kiosk.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.e.Run(ctx) }()
	synctest.Wait()
	return r
}

// close stops the engine and checks the invariants every test shares.
func (r *rig) close() {
	r.t.Helper()
	r.cancel()
	<-r.done
	if n := r.vc.MyNumberAccesses(); n != 0 {
		r.t.Errorf("the engine touched the My Number %d times", n)
	}
	for _, l := range r.vc.Log() {
		if len(l.Cmd) > 4 && l.Cmd[1] == reader.INSSelect && l.Cmd[2] == 0x04 && bytes.Equal(l.Cmd[5:], reader.AIDText) {
			r.t.Errorf("the engine selected the text AP: %s", l)
		}
	}
	for _, j := range r.store.Sessions() {
		if st := j.Steps(); st[len(st)-1] != "closed" {
			r.t.Errorf("session %s left open: %v", j.ID(), st)
		}
	}
}

func (r *rig) in(k kiosk.InputKind, arg int) {
	r.e.Input(kiosk.Input{Kind: k, Arg: arg})
	synctest.Wait()
}

func (r *rig) opt(o kiosk.Option, on bool) {
	r.e.Input(kiosk.Input{Kind: kiosk.InputOption, Arg: int(o), On: on})
	synctest.Wait()
}

// insert places the virtual card: a fresh card session, as the reader layer makes on
// every insertion.
func (r *rig) insert() {
	r.vc.Insert()
	r.card = reader.New(r.vc)
	if r.wrap != nil {
		r.card = r.wrap(r.card)
	}
	r.e.CardInserted(r.card)
	synctest.Wait()
}

func (r *rig) remove() {
	r.vc.Remove()
	r.e.CardRemoved()
	synctest.Wait()
}

func (r *rig) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func (r *rig) view() kiosk.View { return r.e.View() }

func (r *rig) want(st kiosk.State) {
	r.t.Helper()
	if v := r.view(); v.State != st {
		r.t.Fatalf("state %s (problem %s), want %s", v.State, v.Problem, st)
	}
}

func (r *rig) wantProblem(p kiosk.Problem) {
	r.t.Helper()
	if v := r.view(); v.State != kiosk.StateProblem || v.Problem != p {
		r.t.Fatalf("state %s problem %s, want problem %s", v.State, v.Problem, p)
	}
}

func (r *rig) pin(s string) {
	for _, c := range s {
		r.e.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(c - '0')})
	}
	r.in(kiosk.InputNext, 0)
}

// toPIN walks from idle to the PIN pad: 住民票, 1 copy, card placed.
func (r *rig) toPIN() {
	r.t.Helper()
	r.in(kiosk.InputStart, 0)
	r.want(kiosk.StateChoose)
	r.in(kiosk.InputSelect, 0)
	r.want(kiosk.StateOptions)
	r.in(kiosk.InputNext, 0)
	r.want(kiosk.StatePlaceCard)
	r.insert()
	r.want(kiosk.StatePIN)
}

func (r *rig) toFee() {
	r.t.Helper()
	r.toPIN()
	r.pin("1234")
	r.want(kiosk.StateFee)
}

func bubble(t *testing.T, f func(t *testing.T)) {
	synctest.Test(t, f)
}
