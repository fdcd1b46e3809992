package kiosk_test

import (
	"context"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader/readertest"
)

func TestMain(m *testing.M) { os.Exit(kiosktest.Main(m)) }

// rig is a kiosktest.Rig run inside a synctest bubble and driven by inputs: every step
// waits until the engine and its work are idle.
type rig struct {
	*kiosktest.Rig
	t testing.TB
}

func withPayer(o *kiosk.Options, _ *readertest.Options) { o.Payer = &kiosktest.Payer{} }

// newRig builds and starts the engine; call it inside the bubble.
func newRig(t testing.TB, opts ...kiosktest.RigOption) *rig {
	t.Helper()
	r := &rig{Rig: kiosktest.NewRig(t, opts...), t: t}
	r.Start(context.Background())
	synctest.Wait()
	return r
}

// close stops the engine and checks the invariants every test shares.
func (r *rig) close() {
	r.t.Helper()
	r.Stop()
	r.Check(r.t)
}

func (r *rig) in(k kiosk.InputKind, arg int) {
	r.Engine.Input(kiosk.Input{Kind: k, Arg: arg})
	r.settle()
}

// settle waits until the engine and its work are idle; on a slow reader, long enough for
// the card work a step starts (a step sends at most a few dozen APDUs).
func (r *rig) settle() {
	synctest.Wait()
	if d := r.Reader.Delay; d > 0 {
		time.Sleep(40 * d)
		synctest.Wait()
	}
}

func (r *rig) opt(o kiosk.Option, on bool) {
	r.Engine.Input(kiosk.Input{Kind: kiosk.InputOption, Arg: int(o), On: on})
	synctest.Wait()
}

// insert places the virtual card: a fresh card session, as the reader layer makes on
// every insertion.
func (r *rig) insert() {
	r.InsertCard()
	r.settle()
}

func (r *rig) remove() {
	r.RemoveCard()
	synctest.Wait()
}

func (r *rig) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func (r *rig) view() kiosk.View { return r.Engine.View() }

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
		r.Engine.Input(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(c - '0')})
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
