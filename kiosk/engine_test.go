package kiosk_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/printer"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

func TestHappyPath(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.in(kiosk.InputStart, 0)
		r.want(kiosk.StateChoose)
		if v := r.view(); len(v.Certificates) != 6 || !v.Certificates[0].Available {
			t.Fatalf("certificates %+v", v.Certificates)
		}
		r.in(kiosk.InputSelect, 0) // 住民票の写し
		r.opt(kiosk.OptHousehold, true)
		r.opt(kiosk.OptRelationship, true)
		r.opt(kiosk.OptIndividual, true) // not an option of 住民票: ignored
		r.in(kiosk.InputCopies, +1)
		r.want(kiosk.StateOptions)
		v := r.view()
		if want := (center.Options{Household: true, Relationship: true}); v.Options != want || v.Copies != 2 {
			t.Fatalf("options %+v copies %d", v.Options, v.Copies)
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StatePlaceCard)
		r.insert()
		r.want(kiosk.StatePIN)
		if v := r.view(); v.TriesLeft != 3 || v.WrongPIN {
			t.Fatalf("tries %d wrong %v", v.TriesLeft, v.WrongPIN)
		}
		r.pin("1234")
		r.want(kiosk.StateFee)
		if v := r.view(); v.Fee != 400 || v.UnitFee != 200 {
			t.Fatalf("fee %d unit %d", v.Fee, v.UnitFee)
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateTake)
		if r.view().CardGone {
			t.Fatal("card reported gone while on the reader")
		}
		r.remove()
		r.want(kiosk.StateIdle)

		j := r.Store.Last()
		want := []string{"intent", "card_checked", "request_sent", "document_received", "print_started", "printed", "closed"}
		if got := j.Steps(); !slices.Equal(got, want) {
			t.Errorf("journal %v, want %v", got, want)
		}
		if got := r.Store.Kinds(j.ID()); !slices.Equal(got, []string{"completed"}) {
			t.Errorf("outbox %v", got)
		}
		jobs := r.Printer.Jobs()
		if len(jobs) != 1 || jobs[0].Document.Key != j.Key() || jobs[0].Session != j.ID() ||
			jobs[0].Document.CardFingerprint != center.Fingerprint(r.Card.AuthCert().Raw) {
			t.Errorf("print jobs %+v", jobs)
		}
		if iss := r.Center.Issues(); len(iss) != 1 || iss[0].Request.Copies != 2 || !iss[0].Request.Options.Household {
			t.Errorf("center saw %+v", iss)
		}
		if j.Intent != (kiosk.Intent{CertType: "juminhyo", Copies: 2}) {
			t.Errorf("intent %+v", j.Intent)
		}
	})
}

func TestWrongPINThenSuccess(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.toPIN()
		r.pin("9999")
		r.want(kiosk.StatePIN)
		v := r.view()
		if v.TriesLeft != 2 || !v.WrongPIN || v.PINLength != 0 {
			t.Fatalf("after a wrong pin: tries %d wrong %v length %d", v.TriesLeft, v.WrongPIN, v.PINLength)
		}
		if n := r.Card.TriesLeft(readertest.PINAuth); n != 2 {
			t.Fatalf("card has %d tries", n)
		}
		r.pin("1234")
		r.want(kiosk.StateFee)
		if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 {
			t.Fatalf("a right pin should reset the counter; card has %d", n)
		}
		audits := r.Store.Last().Audits()
		if len(audits) == 0 || audits[0]["event"] != "pin_wrong" {
			t.Errorf("audits %v", audits)
		}
	})
}

func TestPINPad(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.toPIN()
		r.in(kiosk.InputDigit, 1)
		r.in(kiosk.InputDigit, 2)
		r.in(kiosk.InputNext, 0) // only 2 digits: nothing reaches the card
		if v := r.view(); v.State != kiosk.StatePIN || v.Note != kiosk.NoteNeed4Digits || v.PINLength != 2 {
			t.Fatalf("view %+v", v)
		}
		r.in(kiosk.InputDelete, 0)
		if r.view().PINLength != 1 {
			t.Fatal("delete")
		}
		r.in(kiosk.InputClear, 0)
		if r.view().PINLength != 0 {
			t.Fatal("clear")
		}
		for range 6 {
			r.in(kiosk.InputDigit, 5)
		}
		if r.view().PINLength != 4 {
			t.Fatal("more than 4 digits kept")
		}
		if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 {
			t.Fatalf("tries spent without OK: %d", n)
		}
	})
}

func TestLastTryAndLockout(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.Card.SetTriesLeft(readertest.PINAuth, 2)
		r.toPIN()
		if r.view().TriesLeft != 2 {
			t.Fatalf("tries %d", r.view().TriesLeft)
		}
		r.pin("0000")
		r.want(kiosk.StatePIN)
		if r.view().TriesLeft != 1 {
			t.Fatalf("tries %d, want the last-try warning", r.view().TriesLeft)
		}
		r.pin("0000")
		r.wantProblem(kiosk.ProblemPINLocked)
		if n := r.Card.TriesLeft(readertest.PINAuth); n != 0 {
			t.Fatalf("card tries %d", n)
		}
		if len(r.Center.Issues()) != 0 {
			t.Fatal("a request was sent")
		}
		// The same card again: locked before any PIN is asked, no try spent.
		r.in(kiosk.InputDone, 0)
		r.remove()
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
		r.in(kiosk.InputNext, 0)
		r.Card.ClearLog()
		r.insert()
		r.wantProblem(kiosk.ProblemPINLocked)
		for _, l := range r.Card.Log() {
			if l.Cmd[1] == reader.INSVerify && len(l.Cmd) > 5 {
				t.Errorf("a PIN was presented to a locked card: %s", l)
			}
		}
	})
}

func TestCardRejected(t *testing.T) {
	past := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
	future := time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC) // the bubble's clock starts 2000-01-01
	tests := []struct {
		name string
		opt  func(*readertest.Options)
		arm  func(*readertest.Card)
		want kiosk.Problem
	}{
		{"not a my number card", func(o *readertest.Options) { o.Token = "SOMEOTHERTOKEN" }, nil, kiosk.ProblemNotMyNumberCard},
		{"juki card", func(o *readertest.Options) { o.Token, o.ATR = reader.TokenJukiCard, readertest.ATRJuki }, nil, kiosk.ProblemJukiCard},
		{"certificate expired", func(o *readertest.Options) {
			o.Now, o.NotBefore, o.NotAfter = past, past, past.Add(24*time.Hour)
		}, nil, kiosk.ProblemCertExpired},
		{"certificate not yet valid (issued today, usable tomorrow)", func(o *readertest.Options) {
			o.Now, o.NotBefore, o.NotAfter = future, future, future.AddDate(5, 0, 0)
		}, nil, kiosk.ProblemCertNotYetValid},
		{"face-authentication card (no pin)", func(o *readertest.Options) { o.NoPIN = true }, nil, kiosk.ProblemNoPIN},
		// A card without PIN that answers 69 84 cannot be told from a locked one: the locked
		// screen explains face-authentication cards too.
		{"face-authentication card answering 6984", func(o *readertest.Options) { o.NoPIN, o.NoPINSW = true, reader.SWPINBlocked }, nil, kiosk.ProblemPINLocked},
		{"pin locked", nil, func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 0) }, kiosk.ProblemPINLocked},
		{"garbage answer", nil, func(c *readertest.Card) {
			c.InjectFault(readertest.Fault{Kind: readertest.FaultGarbage, Match: readertest.MatchINS(reader.INSReadBinary), Repeat: true})
		}, kiosk.ProblemCardUnreadable},
		{"pulled while reading", nil, func(c *readertest.Card) {
			c.InjectFault(readertest.Fault{Kind: readertest.FaultRemove, Match: readertest.MatchINS(reader.INSReadBinary), After: 1})
		}, kiosk.ProblemCardRemoved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(_ *kiosk.Options, o *readertest.Options) {
					if tt.opt != nil {
						tt.opt(o)
					}
				})
				defer r.close()
				if tt.arm != nil {
					tt.arm(r.Card)
				}
				r.in(kiosk.InputStart, 0)
				r.in(kiosk.InputSelect, 0)
				r.in(kiosk.InputNext, 0)
				r.insert()
				r.wantProblem(tt.want)
				if len(r.Center.Issues()) != 0 {
					t.Fatal("a request was sent")
				}
				if n := r.Card.TriesLeft(readertest.PINAuth); n != 3 && tt.want != kiosk.ProblemPINLocked {
					t.Fatalf("tries spent: %d left", n)
				}
				if verifies(r.Card) != 0 {
					t.Fatal("a PIN was presented")
				}
				// The journal says why, for the technician.
				var reason string
				for _, a := range r.Store.Last().Audits() {
					if d, ok := a["detail"].(map[string]any); ok && a["event"] == "problem" {
						reason, _ = d["reason"].(string)
					}
				}
				if reason == "" {
					t.Errorf("no technician reason in the journal: %v", r.Store.Last().Audits())
				}
				if v := r.view(); v.CardPresent && !v.CardLeftover {
					t.Errorf("card on the reader not marked as leftover: %+v", v)
				}
			})
		})
	}
}

// at drives a fresh rig to a state and leaves it there, with the center, payer or
// printer held where the state needs it.
func (r *rig) at(st kiosk.State) {
	r.t.Helper()
	switch st {
	case kiosk.StateIdle:
		return
	case kiosk.StateMunicipality, kiosk.StateChoose:
		r.in(kiosk.InputStart, 0)
	case kiosk.StateOptions:
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
	case kiosk.StatePlaceCard:
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
		r.in(kiosk.InputNext, 0)
	case kiosk.StateReadingCard:
		r.Card.InjectFault(readertest.Fault{Kind: readertest.FaultDelay, Delay: time.Hour})
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
		r.in(kiosk.InputNext, 0)
		r.insert()
	case kiosk.StatePIN:
		r.toPIN()
	case kiosk.StateCenter:
		r.Center.Hold()
		r.toPIN()
		r.pin("1234")
	case kiosk.StateFee:
		r.toFee()
	case kiosk.StatePaying:
		r.Payer.Hold()
		r.toFee()
		r.in(kiosk.InputNext, 0)
	case kiosk.StatePrinting:
		r.Printer.Hold()
		r.toFee()
		r.in(kiosk.InputNext, 0)
	case kiosk.StateTake:
		r.toFee()
		r.in(kiosk.InputNext, 0)
	case kiosk.StateProblem:
		r.toPIN()
		r.in(kiosk.InputCancel, 0)
	}
	r.want(st)
}

func TestCardRemovedAtEachStep(t *testing.T) {
	tests := []struct {
		at      kiosk.State
		want    kiosk.State
		problem kiosk.Problem
		voided  bool // the request had reached the center
	}{
		{kiosk.StateIdle, kiosk.StateIdle, 0, false},
		{kiosk.StateChoose, kiosk.StateChoose, 0, false},
		{kiosk.StateOptions, kiosk.StateOptions, 0, false},
		{kiosk.StatePlaceCard, kiosk.StatePlaceCard, 0, false},
		{kiosk.StateReadingCard, kiosk.StateProblem, kiosk.ProblemCardRemoved, false},
		{kiosk.StatePIN, kiosk.StateProblem, kiosk.ProblemCardRemoved, false},
		{kiosk.StateCenter, kiosk.StateProblem, kiosk.ProblemCardRemoved, true},
		{kiosk.StateFee, kiosk.StateProblem, kiosk.ProblemCardRemoved, true},
		{kiosk.StatePaying, kiosk.StateProblem, kiosk.ProblemCardRemoved, true},
		{kiosk.StatePrinting, kiosk.StatePrinting, 0, false}, // the paper is on its way
		{kiosk.StateTake, kiosk.StateTake, 0, false},         // it offers the receipt for the fee (TestReceipt)
		{kiosk.StateProblem, kiosk.StateProblem, kiosk.ProblemCancelled, false},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, withPayer)
				defer r.close()
				r.at(tt.at)
				r.remove()
				v := r.view()
				if v.State != tt.want || v.Problem != tt.problem {
					t.Fatalf("after removal: %s/%s, want %s/%s", v.State, v.Problem, tt.want, tt.problem)
				}
				if v.CardPresent {
					t.Fatal("card still shown present")
				}
				if tt.at == kiosk.StateCenter {
					r.Center.Release()
					r.sleep(time.Second)
					r.wantProblem(kiosk.ProblemCardRemoved) // the late answer is dropped
				}
				if tt.at == kiosk.StatePrinting {
					r.Printer.Release()
					r.sleep(time.Second)
					r.want(kiosk.StateTake)
					if !r.view().CardGone {
						t.Error("take screen asks for the card that is gone")
					}
				}
				j := r.Store.Last()
				if j == nil {
					return
				}
				voided := slices.Contains(r.Store.Kinds(j.ID()), "voided")
				if voided != tt.voided {
					t.Errorf("voided %v, want %v (outbox %v)", voided, tt.voided, r.Store.Kinds(j.ID()))
				}
				if tt.at == kiosk.StatePaying && len(r.Payer.Paid()) != 0 {
					t.Error("payment taken after the card was removed")
				}
			})
		})
	}
}

func TestTimeoutAtEachStep(t *testing.T) {
	to := config.DefaultTimeouts
	tests := []struct {
		at      kiosk.State
		after   time.Duration
		problem kiosk.Problem // 0: back to idle
		voided  bool
	}{
		{kiosk.StateChoose, to.Choose, kiosk.ProblemTimedOut, false},
		{kiosk.StateOptions, to.Choose, kiosk.ProblemTimedOut, false},
		{kiosk.StatePlaceCard, to.Card, kiosk.ProblemTimedOut, false},
		{kiosk.StateReadingCard, to.Card, kiosk.ProblemCardUnreadable, false},
		{kiosk.StatePIN, to.PIN, kiosk.ProblemTimedOut, false},
		{kiosk.StateCenter, to.Center, kiosk.ProblemCenterUnreachable, true},
		{kiosk.StateFee, to.Fee, kiosk.ProblemTimedOut, true},
		{kiosk.StatePaying, to.Fee, kiosk.ProblemPaymentFailed, true},
		{kiosk.StatePrinting, to.Print, kiosk.ProblemPrinterFailed, true},
		{kiosk.StateTake, to.Take, 0, false},
		{kiosk.StateProblem, to.Take, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, withPayer)
				defer r.close()
				r.at(tt.at)
				r.sleep(tt.after - time.Second)
				r.want(tt.at) // not yet
				r.sleep(2 * time.Second)
				v := r.view()
				if tt.problem == 0 && v.State != kiosk.StateIdle || tt.problem != 0 && (v.State != kiosk.StateProblem || v.Problem != tt.problem) {
					t.Fatalf("after the timeout: %s/%s, want problem %s", v.State, v.Problem, tt.problem)
				}
				if tt.problem != 0 {
					r.sleep(to.Take + time.Second)
					r.want(kiosk.StateIdle)
				}
				if j := r.Store.Last(); j != nil {
					if voided := slices.Contains(r.Store.Kinds(j.ID()), "voided"); voided != tt.voided {
						t.Errorf("voided %v, want %v: %v", voided, tt.voided, r.Store.Kinds(j.ID()))
					}
				}
				if len(r.Printer.Jobs()) > 0 && tt.at != kiosk.StatePrinting && tt.at != kiosk.StateTake {
					t.Error("printed after a timeout")
				}
			})
		})
	}
}

func TestIdleTimeoutResetsLanguage(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.in(kiosk.InputLanguage, 0)
		if r.view().Lang != kiosk.LangEN {
			t.Fatal("language not switched")
		}
		r.sleep(config.DefaultTimeouts.Idle + time.Second)
		if r.view().Lang != kiosk.LangJA {
			t.Fatal("idle timeout kept English")
		}
		// A session in English returns to Japanese at its end.
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputLanguage, 0)
		r.in(kiosk.InputCancel, 0)
		if v := r.view(); v.State != kiosk.StateIdle || v.Lang != kiosk.LangJA {
			t.Fatalf("after cancel: %s %s", v.State, v.Lang)
		}
	})
}

func TestCenterRefusals(t *testing.T) {
	tests := []struct {
		code center.Code
		want kiosk.Problem
	}{
		{center.CodeRevoked, kiosk.ProblemCardSuspended},
		{center.CodeCertExpired, kiosk.ProblemCertExpired},
		{center.CodeCertNotYetValid, kiosk.ProblemCertNotYetValid},
		{center.CodeUntrustedCert, kiosk.ProblemCardNotAccepted},
		{center.CodeBadSignature, kiosk.ProblemCardNotAccepted},
		{center.CodeResidentNotFound, kiosk.ProblemResidentNotFound},
		{center.CodeNotEligible, kiosk.ProblemNotEligible},
		{center.CodeMovedOut, kiosk.ProblemMovedOut},
		{center.CodeClosed, kiosk.ProblemClosed},
		{center.CodeChallengeExpired, kiosk.ProblemCenterError},
		{center.CodeKioskUnknown, kiosk.ProblemCenterError},
		{center.CodeUnavailable, kiosk.ProblemCenterUnreachable},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t)
				defer r.close()
				r.Center.RefuseCode(tt.code)
				r.toPIN()
				r.pin("1234")
				if tt.code == center.CodeUnavailable { // retried with backoff first
					r.sleep(10 * time.Second)
				}
				r.wantProblem(tt.want)
				j := r.Store.Last()
				if got := r.Store.Kinds(j.ID()); !slices.Equal(got, []string{"voided"}) {
					t.Errorf("outbox %v, want one voided", got)
				}
				if len(r.Printer.Jobs()) != 0 {
					t.Error("printed")
				}
				wantTries := 1
				if tt.code == center.CodeUnavailable {
					wantTries = 1 + kiosk.DefaultIssueRetries
				}
				iss := r.Center.Issues()
				if len(iss) != wantTries {
					t.Fatalf("%d attempts, want %d", len(iss), wantTries)
				}
				for _, in := range iss {
					if in.Key != j.Key() {
						t.Errorf("attempt with key %q, journal has %q", in.Key, j.Key())
					}
				}
			})
		})
	}
}

func TestCenterRetryLaterThenIssued(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.Center.RefuseTimes(kiosktest.CodeError(center.CodeUnavailable), 2)
		r.toPIN()
		r.pin("1234")
		r.sleep(5 * time.Second)
		r.want(kiosk.StateFee)
		iss := r.Center.Issues()
		if len(iss) != 3 || iss[0].Key != iss[2].Key {
			t.Fatalf("attempts %d, keys must be the same", len(iss))
		}
	})
}

func TestChallengeFails(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.Center.FailChallenge(fmt.Errorf("center: challenge: %w", center.ErrRetryLater))
		r.toPIN()
		r.pin("1234")
		r.wantProblem(kiosk.ProblemCenterUnreachable)
		if got := r.Store.Kinds(r.Store.Last().ID()); len(got) != 0 {
			t.Errorf("nothing was sent, yet outbox %v", got)
		}
	})
}

func TestPrinterFailure(t *testing.T) {
	tests := []struct {
		name string
		arm  func(*kiosktest.Printer)
		want kiosk.Problem
	}{
		{"paper out", func(p *kiosktest.Printer) { p.PaperOut(true) }, kiosk.ProblemPaperOut},
		{"jam", func(p *kiosktest.Printer) { p.Fail(fmt.Errorf("escpos: %w", printer.ErrPaperJam)) }, kiosk.ProblemPrinterFailed},
		{"paper out mid-job", func(p *kiosktest.Printer) {
			p.Fail(&printer.JobError{Stage: printer.StageDuring, Pages: 1, Err: printer.ErrPaperOut})
		}, kiosk.ProblemPaperOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t)
				defer r.close()
				r.toFee()
				tt.arm(r.Printer)
				r.in(kiosk.InputNext, 0)
				r.wantProblem(tt.want)
				j := r.Store.Last()
				want := []string{"intent", "card_checked", "request_sent", "document_received", "print_started", "print_failed", "closed"}
				if got := j.Steps(); !slices.Equal(got, want) {
					t.Errorf("journal %v", got)
				}
				if got := r.Store.Kinds(j.ID()); !slices.Equal(got, []string{"voided"}) {
					t.Errorf("outbox %v, want one voided", got)
				}
				for _, m := range r.Store.Outbox() {
					if m.Kind == "voided" {
						want := string(printer.ReasonPaperOut)
						if tt.want == kiosk.ProblemPrinterFailed {
							want = string(printer.ReasonPaperJam)
						}
						if m.Detail["reason"] != want {
							t.Errorf("void reason %v, want %s", m.Detail["reason"], want)
						}
					}
				}
			})
		})
	}
}

func TestOutOfService(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.Store.Refuse(errors.New("offline: queue full"))
		r.in(kiosk.InputStart, 0)
		r.wantProblem(kiosk.ProblemOutOfService)
		r.in(kiosk.InputDone, 0)
		r.Store.Refuse(nil)
		r.Printer.PaperOut(true)
		r.in(kiosk.InputStart, 0)
		r.wantProblem(kiosk.ProblemOutOfService)
		r.in(kiosk.InputDone, 0)
		r.Printer.PaperOut(false)
		// A journal that fails when the request is about to be sent: nothing is sent.
		r.Store.FailStep("request_sent", errors.New("offline: disk full"))
		r.toPIN()
		r.pin("1234")
		r.wantProblem(kiosk.ProblemStoreFailed)
		if len(r.Center.Issues()) != 0 {
			t.Error("request sent without a journal entry")
		}
	})
}

func TestPayment(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t, withPayer)
		defer r.close()
		r.toFee()
		if !r.view().Pays {
			t.Fatal("view does not say the kiosk takes money")
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateTake)
		if got := r.Payer.Paid(); !slices.Equal(got, []int64{200}) {
			t.Fatalf("paid %v", got)
		}
		if got := r.Store.Kinds(r.Store.Last().ID()); !slices.Equal(got, []string{"payment", "completed"}) {
			t.Errorf("outbox %v", got)
		}
	})
	bubble(t, func(t *testing.T) {
		r := newRig(t, withPayer)
		defer r.close()
		r.Payer.Fail(kiosk.ErrPaymentCancelled)
		r.toFee()
		r.in(kiosk.InputNext, 0)
		r.wantProblem(kiosk.ProblemPaymentFailed)
		if len(r.Printer.Jobs()) != 0 {
			t.Error("printed without payment")
		}
	})
}

func TestCancel(t *testing.T) {
	for _, st := range []kiosk.State{kiosk.StateChoose, kiosk.StateOptions, kiosk.StatePlaceCard, kiosk.StatePIN, kiosk.StateFee} {
		t.Run(st.String(), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t)
				defer r.close()
				r.at(st)
				r.in(kiosk.InputCancel, 0)
				v := r.view()
				if st == kiosk.StatePIN || st == kiosk.StateFee {
					r.wantProblem(kiosk.ProblemCancelled)
				} else if v.State != kiosk.StateIdle {
					t.Fatalf("cancel at %s went to %s", st, v.State)
				}
				if st == kiosk.StateFee && !slices.Equal(r.Store.Kinds(r.Store.Last().ID()), []string{"voided"}) {
					t.Error("cancel at the fee did not void")
				}
			})
		})
	}
}

func TestBackNavigation(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.at(kiosk.StatePlaceCard)
		r.in(kiosk.InputBack, 0)
		r.want(kiosk.StateOptions)
		r.in(kiosk.InputBack, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputSelect, 3) // 戸籍
		r.opt(kiosk.OptIndividual, true)
		r.in(kiosk.InputNext, 0)
		r.insert()
		r.pin("1234")
		r.want(kiosk.StateFee)
		if iss := r.Center.Issues(); iss[0].Request.Type != center.FamilyRegister || !iss[0].Request.Options.Individual {
			t.Fatalf("request %+v", iss[0].Request)
		}
		if n := len(r.Store.Sessions()); n != 2 {
			t.Fatalf("%d journals", n)
		}
	})
}

// A session's late answer never reaches the next session.
func TestNoCrossSession(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.Center.Hold()
		r.toPIN()
		r.pin("1234")
		r.want(kiosk.StateCenter)
		r.remove()
		r.wantProblem(kiosk.ProblemCardRemoved)
		r.in(kiosk.InputDone, 0)
		first := r.Store.Last()

		// The next resident, with another card.
		vc2, card2, err := kiosktest.NewCard(readertest.Options{AuthKey: readertest.Key(1002), AuthPIN: "5678"})
		if err != nil {
			t.Fatal(err)
		}
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 2)
		r.in(kiosk.InputNext, 0)
		r.Engine.CardInserted(card2)
		r.sleep(0)
		r.want(kiosk.StatePIN)
		r.Center.Release() // the first session's request completes now
		r.sleep(time.Second)
		r.want(kiosk.StatePIN)
		if v := r.view(); v.Fee != 0 || v.Cert != center.SealRegistration {
			t.Fatalf("second session sees %+v", v)
		}
		r.pin("5678")
		r.want(kiosk.StateFee)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateTake)
		jobs := r.Printer.Jobs()
		second := r.Store.Last()
		if len(jobs) != 1 || jobs[0].Document.Key != second.Key() || jobs[0].Document.Request.Type != center.SealRegistration ||
			jobs[0].Document.CardFingerprint != center.Fingerprint(vc2.AuthCert().Raw) {
			t.Fatalf("jobs %+v", jobs)
		}
		if !slices.Equal(r.Store.Kinds(first.ID()), []string{"voided"}) {
			t.Errorf("first session %v", r.Store.Kinds(first.ID()))
		}
	})
}

func TestCardPlacedEarly(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.insert() // placed on the idle screen: used when the kiosk asks for it
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StatePIN)
	})
}

func TestLeftoverCard(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.toPIN()
		r.sleep(config.DefaultTimeouts.PIN + time.Second)
		r.wantProblem(kiosk.ProblemTimedOut)
		r.sleep(config.DefaultTimeouts.Take + time.Second)
		r.want(kiosk.StateIdle)
		if v := r.view(); !v.CardLeftover || !v.CardPresent {
			t.Fatalf("leftover card not flagged: %+v", v)
		}
		r.in(kiosk.InputStart, 0)
		r.want(kiosk.StateIdle) // no session beside a card left by someone else (TestNextResidentWaits)
		r.remove()
		r.toPIN()
	})
}

func TestServiceHours(t *testing.T) {
	sat := time.Date(2026, 11, 28, 10, 0, 0, 0, config.JST) // a Saturday
	night := time.Date(2026, 11, 26, 23, 30, 0, 0, config.JST)
	newYear := time.Date(2027, 1, 2, 10, 0, 0, 0, config.JST)
	m := config.Municipality{Code: "139998", Name: "見本市", Hours: config.DefaultHours, Closed: config.DefaultClosures,
		Certificates: []config.Certificate{{Type: center.ResidentRecord, FeeYen: 300},
			{Type: center.FamilyRegister, FeeYen: 450, Hours: config.Hours{Open: 9 * 60, Close: 17 * 60}, WeekdaysOnly: true}}}
	monday9 := time.Date(2026, 11, 30, 9, 0, 0, 0, config.JST)
	for _, tc := range []struct {
		name      string
		now       time.Time
		closed    bool
		kosekiNow bool
		from      time.Time // the 戸籍's next opening shown
		today     bool
	}{{"saturday", sat, false, false, monday9, false}, {"night", night, true, false, time.Time{}, false},
		{"new year", newYear, true, false, time.Time{}, false},
		{"weekday", time.Date(2026, 11, 26, 10, 0, 0, 0, config.JST), false, true, time.Time{}, false},
		{"weekday morning", time.Date(2026, 11, 26, 7, 0, 0, 0, config.JST), false, false,
			time.Date(2026, 11, 26, 9, 0, 0, 0, config.JST), true}} {
		t.Run(tc.name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) {
					o.Municipalities = []config.Municipality{m}
					o.Clock = fixedClock(tc.now)
				})
				defer r.close()
				if open := r.view().Municipalities[0].Open; open == tc.closed {
					t.Fatalf("idle says open=%v", open)
				}
				r.in(kiosk.InputStart, 0)
				if tc.closed {
					r.wantProblem(kiosk.ProblemClosed)
					return
				}
				v := r.view()
				if v.Certificates[1].Available != tc.kosekiNow || !v.Certificates[0].Available {
					t.Fatalf("availability %+v", v.Certificates)
				}
				if c := v.Certificates[1]; !c.From.Equal(tc.from) || c.FromToday != tc.today || !v.Certificates[0].From.IsZero() {
					t.Fatalf("戸籍 available from %v (today %v), want %v (%v)", c.From, c.FromToday, tc.from, tc.today)
				}
				r.in(kiosk.InputSelect, 1)
				if tc.kosekiNow {
					r.want(kiosk.StateOptions)
				} else if v := r.view(); v.State != kiosk.StateChoose || v.Note != kiosk.NoteUnavailable {
					t.Fatalf("unavailable certificate chosen: %s %v", v.State, v.Note)
				}
			})
		})
	}
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func TestSeveralMunicipalities(t *testing.T) {
	bubble(t, func(t *testing.T) {
		other := kiosktest.AllDay()
		other.Code, other.Name = "131016", "千代田区"
		other.Certificates = other.Certificates[:1]
		other.Certificates[0].FeeYen = 300
		r := newRig(t, func(o *kiosk.Options, _ *readertest.Options) {
			o.Municipalities = []config.Municipality{kiosktest.AllDay(), other}
		})
		defer r.close()
		r.in(kiosk.InputStart, 0)
		r.want(kiosk.StateMunicipality)
		r.in(kiosk.InputSelect, 1)
		r.want(kiosk.StateChoose)
		if v := r.view(); len(v.Certificates) != 1 || v.Certificates[0].FeeYen != 300 {
			t.Fatalf("certificates %+v", v.Certificates)
		}
		r.in(kiosk.InputBack, 0)
		r.want(kiosk.StateMunicipality)
		r.sleep(config.DefaultTimeouts.Choose + time.Second)
		r.wantProblem(kiosk.ProblemTimedOut)
	})
}

func TestOptionsValidation(t *testing.T) {
	if _, err := kiosk.New(kiosk.Options{}); err == nil {
		t.Error("empty options accepted")
	}
	base := kiosk.Options{Center: &kiosktest.Center{}, Store: &kiosktest.Store{}, Printer: &kiosktest.Printer{}}
	if _, err := kiosk.New(base); err == nil || !strings.Contains(err.Error(), "municipality") {
		t.Errorf("no municipality: %v", err)
	}
	base.Municipalities = []config.Municipality{kiosktest.AllDay()}
	base.Language = "fr"
	if _, err := kiosk.New(base); err == nil {
		t.Error("language fr accepted")
	}
	base.Language = ""
	e, err := kiosk.New(base)
	if err != nil {
		t.Fatal(err)
	}
	if v := e.View(); v.Lang != kiosk.LangJA || v.MaxCopies != center.MaxCopies {
		t.Errorf("defaults %+v", v)
	}
}

// An input stamped with a screen the engine has left is dropped: the second tap of a
// double tap on the PIN's 確認 never confirms the fee.
func TestInputForALeftScreenDropped(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.toPIN()
		for _, d := range "1234" {
			r.in(kiosk.InputDigit, int(d-'0'))
		}
		pin := r.view().Screen
		if pin == 0 {
			t.Fatal("no screen generation in the view")
		}
		next := kiosk.Input{Kind: kiosk.InputNext, Screen: pin}
		r.Engine.Input(next)
		synctest.Wait()
		r.want(kiosk.StateFee)
		r.Engine.Input(next) // the ghost
		synctest.Wait()
		r.want(kiosk.StateFee)
		if n := len(r.Printer.Jobs()); n != 0 {
			t.Fatalf("%d print jobs from a tap on the PIN screen", n)
		}
		next.Screen = r.view().Screen
		r.Engine.Input(next)
		synctest.Wait()
		r.want(kiosk.StateTake)
	})
}

// The session's language stays until the resident's card is taken from the idle screen.
func TestLanguageKeptUntilCardTaken(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.in(kiosk.InputLanguage, 0)
		r.toPIN()
		r.in(kiosk.InputCancel, 0)
		r.wantProblem(kiosk.ProblemCancelled)
		r.in(kiosk.InputDone, 0)
		r.want(kiosk.StateIdle)
		if v := r.view(); v.Lang != kiosk.LangEN || !v.CardLeftover {
			t.Fatalf("idle with the card left: lang %s leftover %v, want en and true", v.Lang, v.CardLeftover)
		}
		r.remove()
		if v := r.view(); v.Lang != kiosk.LangJA {
			t.Fatalf("after the card was taken: lang %s, want ja", v.Lang)
		}
		// Without a card left, the end of the session restores the default at once.
		r.in(kiosk.InputLanguage, 0)
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputCancel, 0)
		r.want(kiosk.StateIdle)
		if v := r.view(); v.Lang != kiosk.LangJA {
			t.Fatalf("after a cancel without a card: lang %s, want ja", v.Lang)
		}
	})
}

// Back from the options screen to the same certificate keeps what was chosen; another
// certificate starts afresh. + at the maximum says why nothing happens.
func TestOptionsKeptAndMaxCopiesSaid(t *testing.T) {
	bubble(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		r.in(kiosk.InputStart, 0)
		r.in(kiosk.InputSelect, 0)
		r.opt(kiosk.OptHousehold, true)
		r.in(kiosk.InputCopies, +1)
		r.in(kiosk.InputBack, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputSelect, 0)
		if v := r.view(); !v.Options.Household || v.Copies != 2 {
			t.Fatalf("back and the same certificate: options %+v copies %d", v.Options, v.Copies)
		}
		r.in(kiosk.InputBack, 0)
		r.in(kiosk.InputSelect, 2)
		if v := r.view(); v.Options.Household || v.Copies != 1 {
			t.Fatalf("another certificate: options %+v copies %d", v.Options, v.Copies)
		}
		for range 20 {
			r.in(kiosk.InputCopies, +1)
		}
		if v := r.view(); v.Copies != v.MaxCopies || v.Note != kiosk.NoteMaxCopies {
			t.Fatalf("at the maximum: copies %d/%d note %v", v.Copies, v.MaxCopies, v.Note)
		}
		r.in(kiosk.InputCopies, -1)
		if v := r.view(); v.Note != kiosk.NoteNone {
			t.Fatalf("note %v after going down", v.Note)
		}
	})
}

// verifies counts the VERIFY commands with a PIN that reached the card.
func verifies(c *readertest.Card) int {
	n := 0
	for _, l := range c.Log() {
		if len(l.Cmd) > 5 && l.Cmd[1] == 0x20 {
			n++
		}
	}
	return n
}

// After a refusal of one certificate the resident may choose another while the card
// stays on the reader: a new session, a new challenge signed by the card, no second PIN.
// Taking the card, leaving, waiting past AnotherWindow, or a card that forgot the PIN
// each end that.
func TestAnotherCertificateAfterRefusal(t *testing.T) {
	// after runs f on a fresh rig whose first request was just refused.
	after := func(name string, f func(t *testing.T, r *rig), opts ...kiosktest.RigOption) {
		t.Run(name, func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t, opts...)
				defer r.close()
				r.Center.RefuseTimes(kiosktest.CodeError(center.CodeNotEligible), 1)
				r.toPIN()
				r.pin("1234")
				r.wantProblem(kiosk.ProblemNotEligible)
				f(t, r)
			})
		})
	}
	after("no second PIN", func(t *testing.T, r *rig) {
		if !r.view().Another {
			t.Fatal("no 'another certificate' after a refusal with the card in place")
		}
		first := r.Store.Last()
		before := verifies(r.Card)
		r.in(kiosk.InputAnother, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputSelect, 2)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateFee)
		if n := verifies(r.Card) - before; n != 0 {
			t.Fatalf("%d PIN verifications for the second certificate", n)
		}
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StateTake)
		second := r.Store.Last()
		if second.ID() == first.ID() {
			t.Fatal("the second certificate reused the refused session's journal")
		}
		if got := r.Store.Kinds(first.ID()); !slices.Equal(got, []string{"voided"}) {
			t.Errorf("refused session: outbox %v", got)
		}
		if got := r.Store.Kinds(second.ID()); !slices.Equal(got, []string{"completed"}) {
			t.Errorf("second session: outbox %v", got)
		}
		iss := r.Center.Issues()
		if len(iss) != 2 || iss[0].Challenge == iss[1].Challenge || iss[1].Request.Type != center.SealRegistration {
			t.Errorf("center saw %+v", iss)
		}
		jobs := r.Printer.Jobs()
		if len(jobs) != 1 || jobs[0].Session != second.ID() {
			t.Errorf("print jobs %+v", jobs)
		}
	})
	after("card taken", func(t *testing.T, r *rig) {
		r.remove()
		if r.view().Another {
			t.Fatal("another certificate offered without the card")
		}
		r.in(kiosk.InputAnother, 0)
		r.want(kiosk.StateProblem)
	})
	after("window over", func(t *testing.T, r *rig) {
		r.in(kiosk.InputAnother, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputSelect, 2)
		r.sleep(kiosk.AnotherWindow / 2)
		r.in(kiosk.InputContinue, 0)
		r.sleep(kiosk.AnotherWindow/2 + time.Second)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StatePIN) // the card is read again and the PIN asked for
	})
	after("card forgot the PIN", func(t *testing.T, r *rig) {
		r.in(kiosk.InputAnother, 0)
		r.in(kiosk.InputSelect, 2)
		r.in(kiosk.InputNext, 0)
		r.want(kiosk.StatePIN)
		if v := r.view(); v.Note != kiosk.NotePINAgain || v.TriesLeft != 3 {
			t.Fatalf("note %v tries %d", v.Note, v.TriesLeft)
		}
		r.pin("1234")
		r.want(kiosk.StateFee)
	}, func(_ *kiosk.Options, co *readertest.Options) { co.AuthPINPerSignature = true })
	after("done", func(t *testing.T, r *rig) {
		r.in(kiosk.InputDone, 0)
		r.want(kiosk.StateIdle)
		r.in(kiosk.InputAnother, 0)
		r.want(kiosk.StateIdle)
		if v := r.view(); !v.CardLeftover {
			t.Fatal("the refused resident's card is not a leftover after Done")
		}
	})
}

// TestLanguagePicker: the picker opens over any screen, chooses any of the eleven
// languages, drops what was meant for the screen under it, closes on a new screen, and
// the idle timeout returns to the default language.
func TestLanguagePicker(t *testing.T) {
	for i, l := range kiosk.Langs {
		t.Run(string(l), func(t *testing.T) {
			bubble(t, func(t *testing.T) {
				r := newRig(t)
				defer r.close()
				r.in(kiosk.InputStart, 0)
				st := r.view().State
				r.in(kiosk.InputPickLanguage, 0)
				if v := r.view(); !v.Picking || v.State != st {
					t.Fatalf("picker: %v in %s", v.Picking, v.State)
				}
				r.in(kiosk.InputBack, 0) // for the screen under the picker
				if v := r.view(); !v.Picking || v.State != st {
					t.Fatalf("input under the picker acted: %v in %s", v.Picking, v.State)
				}
				r.in(kiosk.InputPickLanguage, i+1)
				if v := r.view(); v.Picking || v.Lang != l || v.State != st {
					t.Fatalf("after choosing %s: picking %v, %s in %s", l, v.Picking, v.Lang, v.State)
				}
				r.in(kiosk.InputPickLanguage, 0)
				r.in(kiosk.InputPickLanguage, -1)
				if v := r.view(); v.Picking || v.Lang != l {
					t.Fatalf("closing changed the language: %v %s", v.Picking, v.Lang)
				}
				r.in(kiosk.InputPickLanguage, 0)
				r.in(kiosk.InputCancel, 0)
				if v := r.view(); v.Picking || v.State != kiosk.StateIdle {
					t.Fatalf("cancel under the picker: %v in %s", v.Picking, v.State)
				}
				r.in(kiosk.InputPickLanguage, i+1)
				r.sleep(config.DefaultTimeouts.Idle + time.Second)
				if v := r.view(); v.Lang != kiosk.LangJA {
					t.Fatalf("idle timeout kept %s", v.Lang)
				}
			})
		})
	}
}
