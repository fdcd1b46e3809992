package screens

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func TestMain(m *testing.M) { os.Exit(kiosktest.Main(m)) }

// urig runs a kiosktest.Rig with the UI on a simulation screen, inside a synctest
// bubble. Residents' taps are mouse events at the centre of the button on screen; the
// card is placed and taken through the technician bar.
type urig struct {
	*kiosktest.Rig
	t      *testing.T
	w, h   int
	sim    tcell.SimulationScreen
	tech   []TechAction
	cancel context.CancelFunc
	done   chan struct{}
	tapped uint64 // the screen of the last tap (View.Screen)
}

// newURig builds and starts the engine and the UI on a w×h screen; call it inside the
// bubble.
func newURig(t *testing.T, w, h int, opts ...kiosktest.RigOption) *urig {
	t.Helper()
	return newURigVoice(t, w, h, nil, opts...)
}

// newURigVoice is newURig with a spoken guide (nil: none).
func newURigVoice(t *testing.T, w, h int, vo Voice, opts ...kiosktest.RigOption) *urig {
	t.Helper()
	r := &urig{Rig: kiosktest.NewRig(t, opts...), t: t, w: w, h: h}
	r.tech = cardActions(r.Rig)
	r.sim = newSim(t, w, h)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	r.Start(ctx)
	go func() { Run(ctx, r.sim, r.Engine, Options{Technician: r.tech, Voice: vo}); close(r.done) }()
	synctest.Wait()
	return r
}

// cardActions are the technician bar's buttons that place (F5) and take (F6) the rig's
// virtual card.
func cardActions(r *kiosktest.Rig) []TechAction {
	return []TechAction{
		{Label: "カードを置く", Key: tcell.KeyF5, Do: r.InsertCard},
		{Label: "カードを取る", Key: tcell.KeyF6, Do: r.RemoveCard},
	}
}

// close stops the UI and the engine and checks the invariants every test shares.
func (r *urig) close() {
	r.t.Helper()
	r.cancel()
	<-r.done
	r.Stop()
	r.sim.Fini()
	synctest.Wait()
	r.Check(r.t)
}

// buttons lays out the current view as the UI did (Targets), to find where to tap.
func (r *urig) buttons() []button {
	var bs []button
	for _, t := range Targets(r.w, r.h, r.Engine.View(), r.tech) {
		bs = append(bs, button{r: rect{t.X, t.Y, t.W, t.H}, in: t.Input, label: t.Label, tech: t.Tech, bg: t.Background})
	}
	return bs
}

// tapAt taps the middle of b. On a screen it has not tapped yet it first waits out the
// tap guard, as a resident reading the screen does (a whole second, which keeps the
// countdown's once-a-second ticks where the tests expect them).
func (r *urig) tapAt(b button) {
	if v := r.Engine.View(); v.Screen != r.tapped {
		time.Sleep(time.Second)
		r.tapped = v.Screen
	}
	x, y := b.r.x+b.r.w/2, b.r.y+b.r.h/2
	r.sim.InjectMouse(x, y, tcell.Button1, tcell.ModNone)
	r.sim.InjectMouse(x, y, tcell.ButtonNone, tcell.ModNone)
	synctest.Wait()
}

// tap touches the button that sends in; the label must be on the screen there.
func (r *urig) tap(in kiosk.Input) {
	r.t.Helper()
	for _, b := range r.buttons() {
		if b.in == in && b.tech == 0 {
			if b.label != "" && !strings.Contains(r.row(b.r.y+b.r.h/2), b.label) && !strings.Contains(r.row(b.r.y+(b.r.h-2)/2), b.label) {
				r.t.Fatalf("button %q not drawn where it is hit-tested:\n%s", b.label, r.screen())
			}
			r.tapAt(b)
			return
		}
	}
	r.t.Fatalf("no button for %+v on %s:\n%s", in, r.Engine.View().State, r.screen())
}

// pick chooses l in the language picker, opened from the header.
func (r *urig) pick(l kiosk.Lang) {
	r.t.Helper()
	r.tap(kiosk.Input{Kind: kiosk.InputPickLanguage})
	r.shows(strings.SplitN(l.Name(), " (", 2)[0])
	r.tap(kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: slices.Index(kiosk.Langs, l) + 1})
}

func (r *urig) tapTech(i int) {
	r.t.Helper()
	for _, b := range r.buttons() {
		if b.tech == i+1 {
			r.tapAt(b)
			return
		}
	}
	r.t.Fatal("no technician bar")
}

func (r *urig) key(k tcell.Key, ch rune) {
	r.sim.InjectKey(k, ch, tcell.ModNone)
	synctest.Wait()
}

func (r *urig) keys(s string) {
	for _, c := range s {
		r.sim.InjectKey(tcell.KeyRune, c, tcell.ModNone)
	}
	synctest.Wait()
}

func (r *urig) row(y int) string {
	// GetContents hands out the screen's own buffer, which the UI goroutine redraws (the
	// countdown ticks): copy the row under the screen's lock.
	cells, w, _ := r.sim.GetContents()
	lk := r.sim.(sync.Locker)
	lk.Lock()
	rs := make([]string, w)
	for x := range w {
		rs[x] = string(cells[y*w+x].Runes)
	}
	lk.Unlock()
	var b strings.Builder
	for x := 0; x < w; x++ {
		b.WriteString(rs[x])
		if uniseg.StringWidth(rs[x]) == 2 {
			x++
		}
	}
	return b.String()
}

func (r *urig) screen() string {
	var rows []string
	for y := range r.h {
		rows = append(rows, r.row(y))
	}
	return strings.Join(rows, "\n")
}

// shows fails unless every text is on the screen.
func (r *urig) shows(texts ...string) {
	r.t.Helper()
	sc := strings.ReplaceAll(r.screen(), "\n", "")
	for _, s := range texts {
		if !strings.Contains(sc, s) {
			r.t.Fatalf("screen (%s) does not show %q:\n%s", r.Engine.View().State, s, r.screen())
		}
	}
}

func (r *urig) want(st kiosk.State) {
	r.t.Helper()
	if v := r.Engine.View(); v.State != st {
		r.t.Fatalf("state %s/%s, want %s:\n%s", v.State, v.Problem, st, r.screen())
	}
}

func (r *urig) pin(p string) {
	for _, c := range p {
		r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: int(c - '0')})
	}
	r.tap(kiosk.Input{Kind: kiosk.InputNext})
}

func (r *urig) toPIN() {
	r.t.Helper()
	r.tap(kiosk.Input{Kind: kiosk.InputStart})
	r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
	r.tap(kiosk.Input{Kind: kiosk.InputNext})
	r.shows(txtPlaceCard.in(r.Engine.View().Lang))
	r.tapTech(0)
	r.want(kiosk.StatePIN)
}

func TestFlowTouchSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 100, 30)
		defer r.close()
		r.shows(txtTouch.ja, "見本市", "06:30-23:00"[:0]+"00:00-24:00")
		r.tap(kiosk.Input{Kind: kiosk.InputStart})
		r.shows(txtChooseCert.ja, "住民票の写し", "200円")
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.shows("[x] 本人のみ", "[ ] 世帯全員")
		r.tap(kiosk.Input{Kind: kiosk.InputOption, Arg: int(kiosk.OptHousehold), On: true})
		r.shows("[ ] 本人のみ", "[x] 世帯全員")
		r.tap(kiosk.Input{Kind: kiosk.InputCopies, Arg: +1})
		r.shows("2通", "1通200円、合計400円")
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows(txtPlaceCard.ja)
		r.tapTech(0)
		r.shows(txtPINPrompt.ja, "入力できる残り回数：3回", "＿  ＿  ＿  ＿")
		for _, d := range []int{1, 2, 3} {
			r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: d})
		}
		r.shows("＊  ＊  ＊  ＿")
		r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: 4})
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows("手数料の合計  400円", "記載する方：", "1通あたり200円、2通", txtFeeAsk.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows(txtTakeBoth.ja)
		r.tapTech(1)
		r.shows(txtTouch.ja)
		if jobs := r.Printer.Jobs(); len(jobs) != 1 || jobs[0].Document.Request.Copies != 2 || !jobs[0].Document.Request.Options.Household {
			t.Fatalf("jobs %+v", jobs)
		}
		if got := r.Store.Kinds(r.Store.Last().ID()); !slices.Equal(got, []string{"completed"}) {
			t.Errorf("outbox %v", got)
		}
	})
}

func TestFlowKeyboardSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.key(tcell.KeyF1, 0)
		r.shows(txtTouch.en, langButton)
		r.key(tcell.KeyEnter, 0)
		r.shows(txtChooseCert.en)
		r.keys("3") // 印鑑登録証明書
		r.shows("Seal Registration Certificate", "1 copy")
		r.keys("+++-")
		r.shows("3 copies")
		r.key(tcell.KeyEnter, 0)
		r.shows(txtPlaceCard.en)
		r.key(tcell.KeyF5, 0)
		r.shows(txtPINPrompt.en)
		r.keys("129")
		r.key(tcell.KeyBackspace2, 0)
		r.keys("34")
		r.key(tcell.KeyEnter, 0)
		r.shows("Total fee  600 yen")
		// Tab to Cancel, then to Confirm: focus moves through the screen's buttons left
		// to right (the header's last).
		r.key(tcell.KeyTab, 0)
		r.key(tcell.KeyTab, 0)
		r.key(tcell.KeyEnter, 0)
		r.shows(txtTakeBoth.en)
		r.key(tcell.KeyF6, 0)
		r.want(kiosk.StateIdle)
		if jobs := r.Printer.Jobs(); len(jobs) != 1 || jobs[0].Document.Request.Type != center.SealRegistration {
			t.Fatalf("jobs %+v", jobs)
		}
	})
}

func TestFlowWrongPINThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 100, 30)
		defer r.close()
		r.toPIN()
		r.pin("4321")
		r.shows(txtPINWrong.ja, "入力できる残り回数：2回")
		r.pin("1234")
		r.shows("手数料の合計  200円")
	})
}

func TestFlowLockout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.Card.SetTriesLeft(readertest.PINAuth, 1)
		r.toPIN()
		r.shows("入力できる残り回数：1回", txtLastTry.ja)
		r.pin("0000")
		_, next := problemText(kiosk.ProblemPINLocked)
		r.shows("暗証番号がロックされています", "お住まいの市区町村の窓口でできます", txtTakeCard.ja)
		if !strings.Contains(next.ja, "このカードをお持ちください") || !strings.Contains(next.en, "bring this card") {
			t.Fatal("the lock-out guidance does not say to bring the card")
		}
		title, _ := problemText(kiosk.ProblemPINLocked)
		if strings.Contains(next.ja, title.ja) || strings.Contains(next.en, title.en) {
			t.Fatal("the lock-out guidance repeats its title")
		}
		r.tap(kiosk.Input{Kind: kiosk.InputDone})
		r.want(kiosk.StateIdle)
		r.shows(txtLeftover.ja)
	})
}

// drive takes the rig to a state through the screen.
func (r *urig) drive(st kiosk.State) {
	r.t.Helper()
	switch st {
	case kiosk.StateChoose:
		r.tap(kiosk.Input{Kind: kiosk.InputStart})
	case kiosk.StateOptions:
		r.tap(kiosk.Input{Kind: kiosk.InputStart})
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
	case kiosk.StatePlaceCard:
		r.tap(kiosk.Input{Kind: kiosk.InputStart})
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
	case kiosk.StateReadingCard:
		r.Card.InjectFault(readertest.Fault{Kind: readertest.FaultDelay, Delay: time.Hour})
		r.drive(kiosk.StatePlaceCard)
		r.tapTech(0)
	case kiosk.StatePIN:
		r.toPIN()
	case kiosk.StateCenter:
		r.Center.Hold()
		r.toPIN()
		r.pin("1234")
	case kiosk.StateFee:
		r.toPIN()
		r.pin("1234")
	case kiosk.StatePrinting:
		r.Printer.Hold()
		r.drive(kiosk.StateFee)
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
	case kiosk.StateTake:
		r.drive(kiosk.StateFee)
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
	}
	r.want(st)
}

var stateText = map[kiosk.State]msg{
	kiosk.StateChoose: txtChooseCert, kiosk.StatePlaceCard: txtPlaceCard, kiosk.StateReadingCard: txtReading,
	kiosk.StatePIN: txtPINPrompt, kiosk.StateCenter: txtCenter, kiosk.StateFee: txtFeeAsk, kiosk.StatePrinting: txtPrinting,
	kiosk.StateTake: txtTakeBoth,
}

func TestFlowCardPulled(t *testing.T) {
	tests := []struct {
		at   kiosk.State
		want string
	}{
		{kiosk.StatePlaceCard, txtPlaceCard.ja},
		{kiosk.StateReadingCard, "カードが取り外されました"},
		{kiosk.StatePIN, "カードが取り外されました"},
		{kiosk.StateCenter, "カードが取り外されました"},
		{kiosk.StateFee, "カードが取り外されました"},
		{kiosk.StatePrinting, txtPrinting.ja},
		{kiosk.StateTake, txtTouch.ja},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newURig(t, 100, 30)
				defer r.close()
				r.drive(tt.at)
				r.shows(stateText[tt.at].ja)
				r.tapTech(1)
				r.shows(tt.want)
				if tt.at == kiosk.StatePrinting {
					r.Printer.Release()
					synctest.Wait()
					r.shows(txtTakeCert.ja)
				}
			})
		})
	}
}

func TestFlowTimeouts(t *testing.T) {
	to := config.DefaultTimeouts
	tests := []struct {
		at    kiosk.State
		after time.Duration
		want  string
	}{
		{kiosk.StateChoose, to.Choose, "時間切れのため中止しました"},
		{kiosk.StateOptions, to.Choose, "時間切れのため中止しました"},
		{kiosk.StatePlaceCard, to.Card, "時間切れのため中止しました"},
		{kiosk.StateReadingCard, to.Card, "カードを読み取れませんでした"},
		{kiosk.StatePIN, to.PIN, "時間切れのため中止しました"},
		{kiosk.StateCenter, to.Center, "通信ができませんでした"},
		{kiosk.StateFee, to.Fee, "時間切れのため中止しました"},
		{kiosk.StatePrinting, to.Print, "印刷できませんでした"},
		{kiosk.StateTake, to.Take, txtLeftover.ja},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newURig(t, 80, 24)
				defer r.close()
				r.drive(tt.at)
				time.Sleep(tt.after + time.Second)
				synctest.Wait()
				r.shows(tt.want)
				if tt.at == kiosk.StatePrinting {
					r.shows(txtNoCharge.ja)
					if got := r.Store.Kinds(r.Store.Last().ID()); !slices.Equal(got, []string{"voided"}) {
						t.Errorf("outbox %v", got)
					}
				}
			})
		})
	}
}

func TestFlowCenterRefusals(t *testing.T) {
	codes := map[center.Code]kiosk.Problem{
		center.CodeRevoked: kiosk.ProblemCardSuspended, center.CodeCertExpired: kiosk.ProblemCertExpired,
		center.CodeCertNotYetValid: kiosk.ProblemCertNotYetValid, center.CodeUntrustedCert: kiosk.ProblemCardNotAccepted,
		center.CodeBadSignature: kiosk.ProblemCardNotAccepted, center.CodeResidentNotFound: kiosk.ProblemResidentNotFound,
		center.CodeNotEligible: kiosk.ProblemNotEligible, center.CodeMovedOut: kiosk.ProblemMovedOut,
		center.CodeClosed: kiosk.ProblemClosed, center.CodeChallenge: kiosk.ProblemCenterError,
		center.CodeUnavailable: kiosk.ProblemCenterUnreachable,
	}
	for code, p := range codes {
		for _, lang := range []kiosk.Lang{kiosk.LangJA, kiosk.LangEN} {
			t.Run(fmt.Sprintf("%s-%s", code, lang), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newURig(t, 100, 30, func(o *kiosk.Options, _ *readertest.Options) { o.Language = lang })
					defer r.close()
					r.Center.RefuseCode(code)
					r.toPIN()
					r.pin("1234")
					time.Sleep(10 * time.Second) // retries of "unavailable"
					synctest.Wait()
					title, next := problemText(p)
					r.shows(title.in(lang), next.in(lang)[:len(next.in(lang))/3])
					if got := r.Store.Kinds(r.Store.Last().ID()); !slices.Equal(got, []string{"voided"}) {
						t.Errorf("outbox %v", got)
					}
				})
			})
		}
	}
}

func TestFlowPrinterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.drive(kiosk.StateFee)
		r.Printer.PaperOut(true)
		r.tap(kiosk.Input{Kind: kiosk.InputNext})
		r.shows("用紙切れのため印刷できませんでした", txtNoCharge.ja, "係員にお知らせください")
		if got := r.Store.Kinds(r.Store.Last().ID()); !slices.Equal(got, []string{"voided"}) {
			t.Errorf("outbox %v, want a queued void", got)
		}
		r.tap(kiosk.Input{Kind: kiosk.InputDone})
		r.shows(txtLeftover.ja, txtNextWaits.ja)
		r.tapTech(1)                               // the card is taken
		r.tap(kiosk.Input{Kind: kiosk.InputStart}) // out of paper: out of service now
		r.shows("ただいまご利用いただけません")
	})
}

// The language switch is on every screen and works there.
func TestLanguageSwitchEverywhere(t *testing.T) {
	for _, st := range []kiosk.State{kiosk.StateIdle, kiosk.StateChoose, kiosk.StateOptions, kiosk.StatePlaceCard,
		kiosk.StatePIN, kiosk.StateCenter, kiosk.StateFee, kiosk.StatePrinting, kiosk.StateTake} {
		t.Run(st.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newURig(t, 80, 24)
				defer r.close()
				if st != kiosk.StateIdle {
					r.drive(st)
				}
				r.shows(langButton)
				r.tap(kiosk.Input{Kind: kiosk.InputPickLanguage})
				for _, l := range kiosk.Langs {
					r.shows(strings.SplitN(l.Name(), " (", 2)[0])
				}
				r.shows(txtJapaneseCerts.ja)
				if v := r.Engine.View(); v.State != st || !v.Picking {
					t.Fatalf("picker: %s %v", v.State, v.Picking)
				}
				r.tap(kiosk.Input{Kind: kiosk.InputPickLanguage, Arg: 2}) // English
				if m, ok := stateText[st]; ok {
					r.shows(m.en)
				}
				if v := r.Engine.View(); v.State != st || v.Lang != kiosk.LangEN {
					t.Fatalf("after switching: %s %s", v.State, v.Lang)
				}
				if st == kiosk.StatePrinting || st == kiosk.StateCenter {
					r.Printer.Release()
					r.Center.Release()
				}
			})
		})
	}
}

func TestTechBarFits(t *testing.T) {
	for _, sz := range sizes {
		s := newSim(t, sz.w, sz.h)
		tech := []TechAction{{Label: "カードを置く", Key: tcell.KeyF5}, {Label: "カードを取る", Key: tcell.KeyF6},
			{Label: "住民を選ぶ (demo)", Key: tcell.KeyF7}}
		for _, sm := range samples() {
			bs, over := render(s, sm.v, tech, -1, 0)
			if len(over) > 0 {
				t.Errorf("%s %dx%d: overflow %q", sm.name, sz.w, sz.h, over)
			}
			for _, b := range bs {
				if b.tech == 0 && !b.bg && b.r.y+b.r.h > sz.h-1 {
					t.Errorf("%s: %q under the technician bar", sm.name, b.label)
				}
			}
		}
		s.Fini()
	}
}

// On the idle screen a touch anywhere in the body starts, like the real attract screens.
func TestIdleTouchAnywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 100, 30)
		defer r.close()
		time.Sleep(TapGuard)
		r.sim.InjectMouse(3, 20, tcell.Button1, tcell.ModNone)
		r.sim.InjectMouse(3, 20, tcell.ButtonNone, tcell.ModNone)
		synctest.Wait()
		r.want(kiosk.StateChoose)
		time.Sleep(TapGuard)
		// A tap is taken on release, by the button the finger went down on: a finger
		// that slides from one certificate to another and lifts there chooses nothing.
		find := func(in kiosk.Input) button {
			for _, b := range r.buttons() {
				if b.in == in {
					return b
				}
			}
			t.Fatalf("no button %+v", in)
			return button{}
		}
		first, second := find(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0}), find(kiosk.Input{Kind: kiosk.InputSelect, Arg: 1})
		r.sim.InjectMouse(first.r.x+1, first.r.y+1, tcell.Button1, tcell.ModNone)
		synctest.Wait()
		r.want(kiosk.StateChoose) // nothing on the press
		r.sim.InjectMouse(second.r.x+1, second.r.y+1, tcell.Button1, tcell.ModNone)
		r.sim.InjectMouse(second.r.x+1, second.r.y+1, tcell.ButtonNone, tcell.ModNone)
		synctest.Wait()
		r.want(kiosk.StateChoose)
		// A long press on "+" with the finger moving on it is one tap.
		r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
		r.want(kiosk.StateOptions)
		time.Sleep(time.Second)
		plus := find(kiosk.Input{Kind: kiosk.InputCopies, Arg: 1})
		r.sim.InjectMouse(plus.r.x+1, plus.r.y+1, tcell.Button1, tcell.ModNone)
		synctest.Wait()
		time.Sleep(2 * time.Second)
		r.sim.InjectMouse(plus.r.x+2, plus.r.y+1, tcell.Button1, tcell.ModNone)
		r.sim.InjectMouse(plus.r.x+2, plus.r.y+1, tcell.ButtonNone, tcell.ModNone)
		synctest.Wait()
		if v := r.Engine.View(); v.Copies != 2 {
			t.Fatalf("a long press with motion: copies %d, want 2", v.Copies)
		}
	})
}

func TestFocusAndEnter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.drive(kiosk.StateOptions)
		r.key(tcell.KeyTab, 0) // 本人のみ (the header's buttons come last)
		r.key(tcell.KeyTab, 0) // 世帯全員
		r.key(tcell.KeyEnter, 0)
		if !r.Engine.View().Options.Household {
			t.Fatal("Enter did not press the focused button")
		}
		r.key(tcell.KeyEsc, 0)
		r.want(kiosk.StateIdle)
	})
}

func TestCountdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.drive(kiosk.StatePIN)
		time.Sleep(config.DefaultTimeouts.PIN - 5*time.Second)
		synctest.Wait()
		r.shows("あと5秒で終了します")
		r.tap(kiosk.Input{Kind: kiosk.InputDigit, Arg: 1}) // a touch restarts the timeout
		if strings.Contains(r.screen(), "秒で終了します") {
			t.Fatalf("countdown still shown after a touch:\n%s", r.screen())
		}
		time.Sleep(config.DefaultTimeouts.PIN - 3*time.Second)
		synctest.Wait()
		r.shows("あと3秒で終了します", btnContinue.ja)
		r.tap(kiosk.Input{Kind: kiosk.InputContinue}) // 続ける extends the time
		if strings.Contains(r.screen(), "秒で終了します") || r.Engine.View().PINLength != 1 {
			t.Fatalf("countdown still shown after 続ける, or the PIN changed:\n%s", r.screen())
		}
		time.Sleep(config.DefaultTimeouts.PIN - 2*time.Second)
		synctest.Wait()
		r.shows("あと2秒で終了します")
		for _, b := range r.buttons() { // a touch beside the buttons extends it too
			if b.r.contains(1, r.h/2) {
				t.Fatalf("(1,%d) is on a button", r.h/2)
			}
		}
		r.sim.InjectMouse(1, r.h/2, tcell.Button1, tcell.ModNone)
		r.sim.InjectMouse(1, r.h/2, tcell.ButtonNone, tcell.ModNone)
		synctest.Wait()
		if strings.Contains(r.screen(), "秒で終了します") {
			t.Fatalf("countdown still shown after a touch beside the buttons:\n%s", r.screen())
		}
		time.Sleep(config.DefaultTimeouts.PIN + time.Second)
		synctest.Wait()
		r.want(kiosk.StateProblem)
		r.shows("時間切れのため中止しました", "証明書は交付されていません")
		time.Sleep(config.DefaultTimeouts.Take + time.Second)
		synctest.Wait()
		r.want(kiosk.StateIdle)
	})
}

// A resident who cancels with the card on the reader and starts again is asked to lift
// and replace it, in words that do not call it someone else's; once replaced, the card
// is read.
func TestFlowOwnCardLeftAfterCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.drive(kiosk.StatePIN)
		r.tap(kiosk.Input{Kind: kiosk.InputCancel})
		r.want(kiosk.StateProblem)
		r.tap(kiosk.Input{Kind: kiosk.InputDone})
		r.want(kiosk.StateIdle)
		r.shows(txtLeftover.ja, txtNextWaits.ja) // no Start: nothing begins beside a card left behind
		for _, bad := range []string{"前の方", "earlier session", "someone"} {
			if strings.Contains(r.screen(), bad) || strings.Contains(txtLeftover.en+txtNextWaits.en, bad) {
				t.Fatalf("the leftover words accuse (%q):\n%s", bad, r.screen())
			}
		}
		r.tapTech(1) // lift
		r.drive(kiosk.StatePlaceCard)
		r.tapTech(0) // and place again
		r.want(kiosk.StatePIN)
	})
}

// TestFlowRefusedCards: every card the kiosk refuses gets its own screen, in both
// languages, saying what happened and what to do, and no try is spent. An iPhone not
// authorised with Face ID says how to authorise it.
func TestFlowRefusedCards(t *testing.T) {
	day2 := time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC) // the bubble starts 2000-01-01
	past := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		opts func(*readertest.Options)
		arm  func(*readertest.Card)
		want kiosk.Problem
	}{
		{"juki card", func(o *readertest.Options) { o.Token = reader.TokenJukiCard }, nil, kiosk.ProblemJukiCard},
		{"not a my number card", func(o *readertest.Options) { o.Token = "SOMETRANSITCARD" }, nil, kiosk.ProblemNotMyNumberCard},
		{"face-authentication card", func(o *readertest.Options) { o.NoPIN = true }, nil, kiosk.ProblemNoPIN},
		{"expired", func(o *readertest.Options) { o.Now, o.NotBefore, o.NotAfter = past, past, past.AddDate(0, 1, 0) }, nil, kiosk.ProblemCertExpired},
		{"not yet valid", func(o *readertest.Options) { o.Now, o.NotBefore, o.NotAfter = day2, day2, day2.AddDate(5, 0, 0) }, nil, kiosk.ProblemCertNotYetValid},
		{"pin locked", nil, func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 0) }, kiosk.ProblemPINLocked},
		{"iphone not authorised", func(o *readertest.Options) { o.Device = reader.DeviceIPhone }, nil, kiosk.ProblemPhoneNotReady},
	} {
		for _, lang := range []kiosk.Lang{kiosk.LangJA, kiosk.LangEN} {
			t.Run(tc.name+"-"+string(lang), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newURig(t, 100, 30, func(o *kiosk.Options, co *readertest.Options) {
						o.Language = lang
						if tc.opts != nil {
							tc.opts(co)
						}
					})
					defer r.close()
					if tc.arm != nil {
						tc.arm(r.Card)
					}
					r.tap(kiosk.Input{Kind: kiosk.InputStart})
					r.tap(kiosk.Input{Kind: kiosk.InputSelect, Arg: 0})
					r.tap(kiosk.Input{Kind: kiosk.InputNext})
					r.tapTech(0)
					r.want(kiosk.StateProblem)
					if p := r.Engine.View().Problem; p != tc.want {
						t.Fatalf("problem %s, want %s", p, tc.want)
					}
					title, next := problemText(tc.want)
					r.shows(title.in(lang), next.in(lang)[:len(next.in(lang))/4], txtTakeCard.in(lang))
					if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 && tc.want != kiosk.ProblemPINLocked {
						t.Errorf("%d tries left", n)
					}
				})
			})
		}
	}
}

// TestFlowInChinese: a resident picks 简体中文 on the idle screen and the screens speak
// it from then on; the idle timeout returns to Japanese.
func TestFlowInChinese(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newURig(t, 80, 24)
		defer r.close()
		r.pick(kiosk.LangZhHans)
		r.shows(txtTouch.in(kiosk.LangZhHans), "证明书发行服务")
		r.tap(kiosk.Input{Kind: kiosk.InputStart})
		r.shows(txtChooseCert.in(kiosk.LangZhHans), "住民票副本", "200日元")
		if v := r.Engine.View(); v.Lang != kiosk.LangZhHans {
			t.Fatalf("language %s", v.Lang)
		}
		r.tap(kiosk.Input{Kind: kiosk.InputCancel})
		time.Sleep(config.DefaultTimeouts.Idle + time.Second)
		synctest.Wait()
		r.shows(txtTouch.ja)
	})
}
