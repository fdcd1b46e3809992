package screens

import (
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/kiosk"
)

// Technician mode on the screen (kiosk/techmode.go has the rules). The hidden gesture:
// TechTaps taps within TechWindow on the top-left corner of the idle screen (the header
// there is no button, so residents lose nothing), only when the engine says technician
// mode is enabled.
const (
	TechTaps    = 5
	TechWindow  = 3 * time.Second
	techCornerW = 8 // cells from the left
	techCornerH = 3 // rows from the top (the header)
)

// gesture counts corner taps.
type gesture struct {
	taps []time.Time
}

// tap records a tap at (x, y) at now and reports whether it completed the gesture.
// handled is true for every corner tap on an enabled idle screen (the tap is swallowed).
func (g *gesture) tap(v kiosk.View, x, y int, now time.Time) (done, handled bool) {
	if v.State != kiosk.StateIdle || !v.TechEnabled || x >= techCornerW || y >= techCornerH {
		g.taps = g.taps[:0]
		return false, false
	}
	keep := g.taps[:0]
	for _, t := range g.taps {
		if now.Sub(t) < TechWindow {
			keep = append(keep, t)
		}
	}
	g.taps = append(keep, now)
	if len(g.taps) >= TechTaps {
		g.taps = g.taps[:0]
		return true, true
	}
	return false, true
}

// staffMsg is a text of the technician's screens. Staff read Japanese (or English), so
// it is not translated: not a msg, so not in internal/i18n's source.
type staffMsg struct{ ja, en string }

func (m staffMsg) in(l kiosk.Lang) string {
	if l == kiosk.LangEN {
		return m.en
	}
	return m.ja
}

var (
	txtTechTitle    = staffMsg{"技術者モード", "Technician mode"}
	txtTechPIN      = staffMsg{"技術者用の暗証番号を入力してください", "Enter the technician PIN"}
	txtTechWrong    = staffMsg{"暗証番号が違います", "Wrong PIN"}
	txtTechInSvc    = staffMsg{"運用中", "In service"}
	txtTechOOS      = staffMsg{"休止中（利用者は使えません）", "OUT OF SERVICE (residents cannot start)"}
	txtTechBusy     = staffMsg{"実行中です", "Working..."}
	btnTechDiag     = staffMsg{"診断", "Diagnostics"}
	btnTechQueue    = staffMsg{"送信待ち", "Queue"}
	btnTechTestPage = staffMsg{"テスト印刷", "Test page"}
	btnTechOOS      = staffMsg{"休止にする", "Out of service"}
	btnTechResume   = staffMsg{"再開する", "Back in service"}
	btnTechExit     = staffMsg{"終了", "Exit"}
)

// techPIN is the technician's PIN pad: masked digits, no length hint.
func (f *frame) techPIN() {
	b := f.body
	v := f.v
	kpw := min(3*12+4, max(31, f.w*2/5))
	kx := f.w - 2 - kpw
	left := rect{2, b.y + 1, kx - 4, b.h - 1}
	y := left.y
	y += f.c.para(rect{left.x, y, left.w, 1}, txtTechTitle.in(f.l), stBold) + 1
	y += f.c.para(rect{left.x, y, left.w, 2}, txtTechPIN.in(f.l), stBody) + 1
	mask := ""
	for range min(v.PINLength, kiosk.TechPINMax) {
		mask += "＊"
	}
	box := rect{left.x + max((left.w-26)/2, 0), y, min(26, left.w), 3}
	f.c.fill(box, stPIN)
	f.c.center(box, y+1, mask, stPIN)
	y += 4
	if v.WrongPIN {
		f.c.para(rect{left.x, y, left.w, 2}, txtTechWrong.in(f.l), stWarn)
	}
	f.keypad(kx, b.y+1, kpw)
	f.footer([]button{f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnOK), st: stPrimary, primary: true})
}

// keypad places the digit keys 1–9, Del, 0, Clear in a 3-column grid at (x, y).
func (f *frame) keypad(x, y, width int) {
	b := f.body
	kw := (width - 4) / 3
	kh := min(max((b.h-1-3)/4, 3), 4)
	type key struct {
		label string
		in    kiosk.Input
		st    tcell.Style
	}
	var keys []key
	for d := 1; d <= 9; d++ {
		keys = append(keys, key{fmt.Sprint(d), kiosk.Input{Kind: kiosk.InputDigit, Arg: d}, stNormal})
	}
	keys = append(keys, key{f.t(btnDelete), kiosk.Input{Kind: kiosk.InputDelete}, stCancel},
		key{"0", kiosk.Input{Kind: kiosk.InputDigit, Arg: 0}, stNormal},
		key{f.t(btnClear), kiosk.Input{Kind: kiosk.InputClear}, stCancel})
	for i, k := range keys {
		r := rect{x + (i%3)*(kw+2), y + (i/3)*(kh+1), kw, kh}
		f.add(button{r: r, in: k.in, label: k.label, st: k.st})
	}
}

// techMenu is the technician's menu: actions on the left, the last report on the right.
func (f *frame) techMenu() {
	b := f.body
	v := f.v
	bw := min(max(f.w/4, 18), 24)
	bh := 3
	if b.h < 4*(bh+1)+1 {
		bh = 2
	}
	oos := btnTechOOS
	if v.OutOfService {
		oos = btnTechResume
	}
	actions := []struct {
		m   staffMsg
		arg int
		st  tcell.Style
	}{
		{btnTechDiag, kiosk.TechDiagnostics, stNormal},
		{btnTechQueue, kiosk.TechQueue, stNormal},
		{btnTechTestPage, kiosk.TechTestPage, stNormal},
		{oos, kiosk.TechOutOfService, stCancel},
	}
	for i, a := range actions {
		f.add(button{r: rect{1, b.y + 1 + i*(bh+1), bw, bh}, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: a.arg}, label: a.m.in(f.l), st: a.st})
	}
	x := bw + 3
	rw := f.w - x - 1
	y := b.y + 1
	f.c.text(x, y, rw, clip(txtTechTitle.in(f.l), rw), stBold)
	y++
	if v.OutOfService {
		f.c.text(x, y, rw, clip(txtTechOOS.in(f.l), rw), stWarn)
	} else {
		f.c.text(x, y, rw, clip(txtTechInSvc.in(f.l), rw), stBody)
	}
	y += 2
	if v.TechBusy {
		f.c.text(x, y, rw, clip(txtTechBusy.in(f.l), rw), stBold)
		y++
	}
	if v.TechMessage != "" {
		f.c.text(x, y, rw, clip(v.TechMessage, rw), stWarn)
		y++
	}
	for _, l := range v.TechLines {
		if y >= f.h-4 {
			break
		}
		f.c.text(x, y, rw, clip(l, rw), stBody)
		y++
	}
	f.footer([]button{{in: kiosk.Input{Kind: kiosk.InputDone}, label: btnTechExit.in(f.l), st: stCancel}}, nil)
}

// clip shortens s to w cells, ending with "~" when cut (reports are free text).
func clip(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if textWidth(s) <= w {
		return s
	}
	out, used, state := "", 0, -1
	rest := s
	for rest != "" {
		var g string
		var gw int
		g, rest, gw, state = nextCluster(rest, state)
		if used+gw > w-1 {
			break
		}
		out += g
		used += gw
	}
	return out + "~"
}

func (f *frame) techBar(tech []TechAction, y int) {
	f.c.fill(rect{0, y, f.w, 1}, stTech)
	x := 1
	for i, a := range tech {
		label := a.Label
		if f.l == kiosk.LangEN && a.LabelEN != "" {
			label = a.LabelEN
		}
		if name := keyName(a.Key); name != "" {
			label = name + " " + label
		}
		bw := textWidth(label) + 2
		if x+bw > f.w {
			f.c.overflow = append(f.c.overflow, label)
			break
		}
		f.add(button{r: rect{x, y, bw, 1}, label: label, st: stTech.Reverse(true), tech: i + 1})
		x += bw + 1
	}
}

func keyName(k tcell.Key) string {
	if k >= tcell.KeyF1 && k <= tcell.KeyF12 {
		return fmt.Sprintf("F%d", int(k-tcell.KeyF1)+1)
	}
	return ""
}
