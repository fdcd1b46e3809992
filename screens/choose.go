package screens

// The screens where the resident chooses: idle, municipality, certificate, options.

import (
	"fmt"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/config"
	"madoguchi/kiosk"
)

func (f *frame) idle() {
	b := f.body
	v := f.v
	open := false
	y := b.y + 1
	for _, m := range v.Municipalities {
		line := fmt.Sprintf("%s  %s %s", muniName(m, f.l), f.t(txtHours), m.Hours)
		f.c.center(rect{2, 0, f.w - 4, 1}, y, line, stBold)
		y++
		open = open || m.Open
		if y > b.y+3 {
			break
		}
	}
	bw, bh := min(40, f.w-8), 3
	if b.h >= 20 {
		bh = 5
	}
	by := b.y + (b.h-bh)/2 + 1
	if v.NoReader {
		// Every service needs the card: nothing to start until the reader is back.
		f.c.para(rect{2, by - 2, f.w - 4, 2}, f.t(txtNoReader), stWarn)
		f.c.para(rect{2, by + 1, f.w - 4, 2}, f.t(txtNoReaderWhat), stBold)
		f.idleSwitches()
		return
	}
	if left := leftMsg(v); left != nil {
		// Nothing starts while the last resident's card or certificate is left behind.
		f.c.para(rect{2, by - 2, f.w - 4, 2}, f.t(*left), stWarn)
		f.c.para(rect{2, by + 1, f.w - 4, 2}, f.t(txtNextWaits), stBold)
		f.idleSwitches()
		return
	}
	if !open {
		f.c.para(rect{2, by - 2, f.w - 4, 1}, f.t(txtClosedNow), stWarn)
	} else {
		f.c.para(rect{2, by - 2, f.w - 4, 1}, f.t(txtTouch), stBold)
		if len(v.Forms) > 0 {
			f.idleWithForms(by, max(bh, 4))
		} else {
			f.add(button{r: rect{(f.w - bw) / 2, by, bw, bh}, in: kiosk.Input{Kind: kiosk.InputStart}, label: f.t(txtStart), st: stPrimary, primary: true})
		}
	}
	f.idleSwitches()
	// Anywhere on the body starts, like the real terminals' attract screen.
	f.add(button{r: rect{0, b.y, f.w, b.h + 3}, in: kiosk.Input{Kind: kiosk.InputStart}, bg: true})
}

// fromText says when a certificate is next available: "08:30から" / "from 08:30" later
// today, "11/30(月) 08:30から" / "from Mon 30 Nov, 08:30" on another day (JST).
func fromText(t time.Time, today bool, l kiosk.Lang) string {
	t = t.In(config.JST)
	hm := t.Format("15:04")
	if today {
		return fmtFromTime.format(l, hm)
	}
	day := fmtDate.format(l, int(t.Month()), t.Day(), weekdays[t.Weekday()].in(l))
	return fmtFromDay.format(l, day, hm)
}

// The opening of a certificate on another day: its date (month, day, weekday), and
// "from" a date and a time.
var (
	fmtFromTime = msg{"%sから", "from %s"}
	fmtFromDay  = msg{"%s %sから", "from %s, %s"}
	fmtDate     = msg{"%d/%d(%s)", "%[3]s %[1]d/%[2]d"}
	weekdays    = [...]msg{{"日", "Sun"}, {"月", "Mon"}, {"火", "Tue"}, {"水", "Wed"}, {"木", "Thu"}, {"金", "Fri"}, {"土", "Sat"}}
)

// leftMsg is what the idle screen asks to take: the card, the certificate or both; nil
// when nothing is left behind.
func leftMsg(v kiosk.View) *msg {
	switch {
	case v.CardLeftover && v.PaperLeft:
		return &txtBothLeft
	case v.CardLeftover:
		return &txtLeftover
	case v.PaperLeft:
		return &txtPaperLeft
	}
	return nil
}

func (f *frame) municipality() {
	b := f.body
	f.c.text(2, b.y+1, f.w-4, f.t(txtChooseMuni), stBold)
	y := b.y + 3
	for i, m := range f.v.Municipalities {
		if y+3 > f.h-4 {
			f.c.overflow = append(f.c.overflow, muniName(m, f.l))
			break
		}
		st, sub := stNormal, f.t(txtHours)+" "+m.Hours
		if !m.Open {
			st, sub = stDisabled, f.t(txtNotNow)
		}
		f.add(button{r: rect{2, y, f.w - 4, 3}, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: i}, label: muniName(m, f.l), sub: sub, st: st})
		y += 4
	}
	f.note()
	f.footer([]button{f.cancel()}, nil)
}

func (f *frame) choose() {
	b := f.body
	f.c.text(2, b.y+1, f.w-4, f.t(txtChooseCert), stBold)
	certs := f.v.Certificates
	items := make([]gridItem, len(certs))
	for i, c := range certs {
		st, sub := stNormal, yen(c.FeeYen, f.l)
		if !c.Available {
			st = stDisabled
			when := c.Hours
			if c.WeekdaysOnly {
				when = f.t(txtWeekdays) + " " + when
			}
			sub = f.t(txtOutOfHours) + " (" + when + ")"
			if !c.From.IsZero() {
				sub = f.t(txtOutOfHours) + "  " + fromText(c.From, c.FromToday, f.l)
			}
		}
		items[i] = gridItem{label: certTitle(c.Type, f.l), sub: sub, st: st}
	}
	f.grid(items)
	f.note()
	if len(f.v.Municipalities) > 1 { // with one municipality 戻る would only do what やめる does
		f.footer([]button{f.back(), f.cancel()}, nil)
		return
	}
	f.footer([]button{f.cancel()}, nil)
}

// gridItem is one choice of a choice grid.
type gridItem struct {
	label, sub string
	st         tcell.Style
}

// grid lays out choices (InputSelect with their index) two to a row below the body's
// prompt line, above the note row: 3 to 5 rows high as space allows. A choice that
// does not fit is reported as overflow.
func (f *frame) grid(items []gridItem) {
	b := f.body
	cols := 2
	rows := (len(items) + cols - 1) / cols
	avail := b.h - 3 - 1 // below the prompt, above the note row
	bh := 3
	if rows > 0 {
		bh = min(max((avail-(rows-1))/rows, 3), 5)
	}
	cw := (f.w - 4 - 2) / cols
	for i, it := range items {
		x := 2 + (i%cols)*(cw+2)
		y := b.y + 3 + (i/cols)*(bh+1)
		if y+bh > f.h-4 {
			f.c.overflow = append(f.c.overflow, it.label)
			continue
		}
		f.add(button{r: rect{x, y, cw, bh}, in: kiosk.Input{Kind: kiosk.InputSelect, Arg: i}, label: it.label, sub: it.sub, st: it.st})
	}
}

func (f *frame) options() {
	b := f.body
	v := f.v
	lw := 16
	tw := min(20, (f.w-4-lw-2)/2)
	gap := 1
	opts := kiosk.OptionsFor(v.Cert)
	// Rows of 3 with a free row between them and above the footer; on a short screen
	// the title moves up to make room.
	ty, y := b.y+1, b.y+3
	if rows := len(opts) + 1; y+3*rows+gap*(rows-1)+1 > f.h-3 {
		ty, y = b.y, b.y+1
	}
	f.c.text(2, ty, f.w-4, certTitle(v.Cert, f.l), stBold)
	for _, o := range opts {
		label, off, on := optionText(o)
		f.c.text(2, y+1, lw-1, f.t(label), stBold)
		isOn := v.OptionOn(o)
		for k, choice := range []struct {
			m  msg
			on bool
		}{{off, false}, {on, true}} {
			st, mark := stOff, "[ ] "
			if choice.on == isOn {
				st, mark = stPrimary, "[x] "
			}
			f.add(button{r: rect{2 + lw + k*(tw+2), y, tw, 3}, in: kiosk.Input{Kind: kiosk.InputOption, Arg: int(o), On: choice.on},
				label: mark + f.t(choice.m), st: st})
		}
		y += 3 + gap
	}
	// Copies: － n ＋, and the fee.
	f.c.text(2, y+1, lw-1, f.t(txtCopies), stBold)
	x := 2 + lw
	f.add(button{r: rect{x, y, 8, 3}, in: kiosk.Input{Kind: kiosk.InputCopies, Arg: -1}, label: f.t(btnMinus), st: stNormal})
	f.c.center(rect{x + 8, y, 12, 3}, y+1, copiesText(v.Copies, f.l), stBold)
	f.add(button{r: rect{x + 20, y, 8, 3}, in: kiosk.Input{Kind: kiosk.InputCopies, Arg: +1}, label: f.t(btnPlus), st: stNormal})
	unit := 0
	for _, c := range v.Certificates {
		if c.Type == v.Cert {
			unit = c.FeeYen
		}
	}
	if fx := x + 30; fx < f.w-2 {
		f.c.para(rect{fx, y + 1, f.w - 2 - fx, 2}, feeTotalLine(unit, v.Copies, f.l), stBody)
	}
	f.note()
	f.footer([]button{f.back(), f.cancel()}, &button{in: kiosk.Input{Kind: kiosk.InputNext}, label: f.t(btnNext), st: stPrimary, primary: true})
}
