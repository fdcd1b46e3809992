package kiosk_test

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/kiosk/kiosktest"
	"madoguchi/reader/readertest"
)

// fakeTech is a technician back office with PIN 246813.
type fakeTech struct {
	mu        sync.Mutex
	pins      []string // every PIN it was asked about (to check the buffer was whole)
	pages     int
	pageErr   error
	queueText []string
}

func (f *fakeTech) CheckPIN(pin []byte) bool {
	f.mu.Lock()
	f.pins = append(f.pins, string(pin))
	f.mu.Unlock()
	return subtle.ConstantTimeCompare(pin, []byte("246813")) == 1
}
func (f *fakeTech) Diagnostics(context.Context) []string {
	return []string{"printer: ok", "center: ok"}
}
func (f *fakeTech) Queue(context.Context) []string { return f.queueText }
func (f *fakeTech) TestPage(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pages++
	return f.pageErr
}

func withTech(ft *fakeTech) kiosktest.RigOption {
	return func(o *kiosk.Options, _ *readertest.Options) { o.Technician = ft }
}

func (r *rig) digits(s string) {
	for _, c := range s {
		r.in(kiosk.InputDigit, int(c-'0'))
	}
}

func TestTechnicianMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTech{queueText: []string{"pending 0"}}
		r := newRig(t, withTech(ft))
		defer r.close()
		if !r.view().TechEnabled {
			t.Fatal("TechEnabled false with a Technician")
		}
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateTechPIN)
		r.digits("2468")
		if v := r.view(); v.PINLength != 4 {
			t.Fatalf("pin length %d", v.PINLength)
		}
		r.in(kiosk.InputDelete, 0)
		r.digits("813")
		r.in(kiosk.InputNext, 0) // 246813
		r.want(kiosk.StateTech)
		if v := r.view(); strings.Join(v.TechLines, "|") != "printer: ok|center: ok" || v.PINLength != 0 {
			t.Fatalf("menu view %+v", v)
		}
		r.in(kiosk.InputSelect, kiosk.TechQueue)
		if v := r.view(); strings.Join(v.TechLines, "|") != "pending 0" {
			t.Fatalf("queue lines %q", v.TechLines)
		}
		r.in(kiosk.InputSelect, kiosk.TechTestPage)
		if v := r.view(); v.TechMessage != "test page printed" || ft.pages != 1 {
			t.Fatalf("test page: %q, pages %d", v.TechMessage, ft.pages)
		}
		ft.pageErr = errors.New("printer: paper out")
		r.in(kiosk.InputSelect, kiosk.TechTestPage)
		if v := r.view(); v.TechMessage != "test page failed: printer: paper out" {
			t.Fatalf("test page failure: %q", v.TechMessage)
		}
		r.in(kiosk.InputSelect, kiosk.TechOutOfService)
		if !r.view().OutOfService {
			t.Fatal("out of service not switched on")
		}
		r.in(kiosk.InputDone, 0)
		r.want(kiosk.StateIdle)
		// Out of service: a resident's touch gets the out-of-service screen.
		r.in(kiosk.InputStart, 0)
		r.wantProblem(kiosk.ProblemOutOfService)
		r.in(kiosk.InputDone, 0)
		r.want(kiosk.StateIdle)
		// Back in service.
		r.in(kiosk.InputTech, 0)
		r.digits("246813")
		r.in(kiosk.InputNext, 0)
		r.in(kiosk.InputSelect, kiosk.TechOutOfService)
		r.in(kiosk.InputCancel, 0)
		r.in(kiosk.InputStart, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputCancel, 0)
		for _, p := range ft.pins {
			if p != "246813" {
				t.Fatalf("CheckPIN got %q", p)
			}
		}
		if strings.Contains(r.Logs.String(), "246813") {
			t.Fatal("the technician PIN is in the log")
		}
	})
}

func TestTechnicianPINLockout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &fakeTech{}
		r := newRig(t, withTech(ft))
		defer r.close()
		for i := range kiosk.TechMaxFailures {
			r.in(kiosk.InputTech, 0)
			r.want(kiosk.StateTechPIN)
			r.digits("111111")
			r.in(kiosk.InputNext, 0)
			if i < kiosk.TechMaxFailures-1 {
				if v := r.view(); v.State != kiosk.StateTechPIN || !v.WrongPIN || v.PINLength != 0 {
					t.Fatalf("after a wrong PIN: %+v", v)
				}
				r.in(kiosk.InputCancel, 0)
			}
		}
		r.want(kiosk.StateIdle)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateIdle) // locked
		r.sleep(kiosk.TechLockout + time.Second)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateTechPIN)
		// The PIN pad times out like every screen, and the digits go with it.
		r.digits("24")
		r.sleep(config.DefaultTimeouts.PIN + time.Second)
		r.want(kiosk.StateIdle)
		r.in(kiosk.InputTech, 0)
		if v := r.view(); v.PINLength != 0 {
			t.Fatalf("digits survived the timeout: %d", v.PINLength)
		}
		r.in(kiosk.InputCancel, 0)
		if strings.Contains(r.Logs.String(), "111111") {
			t.Fatal("a PIN is in the log")
		}
	})
}

// TestTechnicianDisabled: without a Technician the gesture does nothing, and technician
// inputs are not reachable during a session.
func TestTechnicianDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		defer r.close()
		if r.view().TechEnabled {
			t.Fatal("TechEnabled without a Technician")
		}
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateIdle)
	})
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, withTech(&fakeTech{}))
		defer r.close()
		r.in(kiosk.InputStart, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputTech, 0)
		r.want(kiosk.StateChoose)
		r.in(kiosk.InputCancel, 0)
	})
}
