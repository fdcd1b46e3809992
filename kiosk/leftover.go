package kiosk

import (
	"context"
	"time"

	"madoguchi/config"
)

// Nothing left behind: when a session has ended and the resident's card is still on the
// reader, or (with a paper-present sensor) the certificate still lies in the output tray,
// the kiosk reminds in steps: at once on the screen (the take, problem and idle screens
// say what is left, in the session's language); from Reminder.BeepAfter on, the buzzer
// and the card LED repeat a pattern every Reminder.BeepEvery (a longer one once alerted);
// at Reminder.AlertAfter, an audit event ("card_left", "paper_left") and an alert for the
// technician through the Store's AlertStore. While anything is left, the idle screen
// starts no session: the next resident is never served beside the previous one's card or
// certificate.

// Indicator is the card-slot LED and the buzzer (printer/gpio.Panel satisfies it as it
// is): TakeCardReminder sounds and flashes beeps times, or until ctx ends, and leaves both
// off.
type Indicator interface {
	TakeCardReminder(ctx context.Context, beeps int) error
}

// AlertStore is optionally implemented by a Store: it records an audit event outside any
// session (for the center) together with an alert for the technician, in one write. The
// detail holds no personal data.
type AlertStore interface {
	Alert(ctx context.Context, event string, detail map[string]any) error
}

// The beep patterns of the reminder, in beeps per repetition.
const (
	ReminderBeeps = 2 // from Reminder.BeepAfter
	AlertBeeps    = 4 // from Reminder.AlertAfter
)

// The audit events of things left behind.
const (
	EventCardLeft  = "card_left"
	EventPaperLeft = "paper_left"
)

// leftItem is one thing left behind: since when (monotonic), and whether it was alerted.
type leftItem struct {
	since   time.Time
	alerted bool
}

func (l *leftItem) on() bool { return !l.since.IsZero() }

// leftWatch is the reminder of what is left behind. Its fields are the loop's.
type leftWatch struct {
	card, paper leftItem
	beeping     bool      // a pattern is sounding
	nextBeep    time.Time // monotonic: when the next pattern is due
	timer       *time.Timer
	gen         uint64
	work        owner // the patterns; done when nothing is left
	cancel      context.CancelFunc
}

type leftEv struct{ gen uint64 }

// PaperInTray reports the output tray's paper-present sensor (a sheet lies there or not).
// Without calls the engine assumes no sensor.
func (e *Engine) PaperInTray(present bool) { e.post(trayEv{present}) }

type trayEv struct{ present bool }

// leftNow says what is left behind now: a card from an ended session still on the reader
// (not one kept for "another certificate"), and a sheet in the tray outside a session,
// printing and technician mode.
func (e *Engine) leftNow() (card, paper bool) {
	card = e.slot.present && e.slot.leftover && e.kept == nil
	paper = e.tray && e.sess == nil && e.state != StatePrinting && e.state != StateTechPIN && e.state != StateTech
	return card, paper
}

// anyLeft reports whether something of an earlier session is left behind.
func (e *Engine) anyLeft() bool {
	c, p := e.leftNow()
	return c || p
}

// checkLeft starts, extends or ends the reminder after every event.
func (e *Engine) checkLeft() {
	card, paper := e.leftNow()
	w := &e.left
	was := w.card.on() || w.paper.on()
	now := time.Now()
	changed := false
	for _, it := range []struct {
		item  *leftItem
		left  bool
		event string
	}{{&w.card, card, EventCardLeft}, {&w.paper, paper, EventPaperLeft}} {
		switch {
		case it.left && !it.item.on():
			it.item.since, changed = now, true
			e.log.Info("kiosk: left behind", "what", it.event)
		case !it.left && it.item.on():
			if it.item.alerted {
				e.log.Info("kiosk: taken after the alert", "what", it.event, "after", now.Sub(it.item.since).Round(time.Second).String())
			}
			*it.item = leftItem{}
		}
	}
	is := w.card.on() || w.paper.on()
	switch {
	case is && !was:
		ctx, cancel := context.WithCancel(e.ctx)
		w.work, w.cancel = owner{ctx: ctx}, cancel
		w.nextBeep = now.Add(e.o.Reminder.BeepAfter)
		e.schedLeft()
	case !is && was:
		e.stopLeft()
	case is && changed:
		e.schedLeft() // a second thing left keeps its own alert time
	}
}

// stopLeft ends the reminder: the timer, and a pattern that is sounding.
func (e *Engine) stopLeft() {
	w := &e.left
	if w.timer != nil {
		w.timer.Stop()
	}
	w.work.done = true
	if w.cancel != nil {
		w.cancel()
	}
	*w = leftWatch{gen: w.gen + 1}
}

// schedLeft arms the reminder's timer for its next step: the next pattern or the
// earliest alert due.
func (e *Engine) schedLeft() {
	w := &e.left
	next := w.nextBeep
	for _, it := range []*leftItem{&w.card, &w.paper} {
		if at := it.since.Add(e.o.Reminder.AlertAfter); it.on() && !it.alerted && at.Before(next) {
			next = at
		}
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.gen++
	gen := w.gen
	w.timer = time.AfterFunc(max(time.Until(next), 0), func() { e.post(leftEv{gen}) })
}

// stepLeft is the reminder's timer: alert what is due, sound the pattern when due, arm
// again.
func (e *Engine) stepLeft() {
	w := &e.left
	if !w.card.on() && !w.paper.on() {
		return
	}
	now := time.Now()
	alerted := false
	for _, it := range []struct {
		item  *leftItem
		event string
	}{{&w.card, EventCardLeft}, {&w.paper, EventPaperLeft}} {
		if !it.item.on() {
			continue
		}
		if !it.item.alerted && !now.Before(it.item.since.Add(e.o.Reminder.AlertAfter)) {
			it.item.alerted = true
			e.alertLeft(it.event, now.Sub(it.item.since))
			w.nextBeep = now // the longer pattern at once
		}
		alerted = alerted || it.item.alerted
	}
	if !now.Before(w.nextBeep) {
		beeps := ReminderBeeps
		if alerted {
			beeps = AlertBeeps
		}
		e.beep(beeps)
		w.nextBeep = now.Add(e.o.Reminder.BeepEvery)
	}
	e.schedLeft()
	e.publish()
}

// beep sounds one pattern unless one is still sounding.
func (e *Engine) beep(beeps int) {
	w := &e.left
	if e.o.Indicator == nil || w.beeping {
		return
	}
	w.beeping = true
	ind := e.o.Indicator
	e.spawn(&w.work, e.o.Reminder.BeepEvery, func(ctx context.Context) func() {
		err := ind.TakeCardReminder(ctx, beeps)
		return func() {
			e.left.beeping = false
			if err != nil {
				e.log.Warn("kiosk: reminder: buzzer or card LED", "err", err)
			}
		}
	})
}

// alertLeft records what was left behind for the center and the technician: what, for
// how long and on which screen; nothing personal.
func (e *Engine) alertLeft(event string, after time.Duration) {
	secs := int(after.Round(time.Second) / time.Second)
	e.log.Warn("kiosk: left behind past the alert time", "what", event, "seconds", secs)
	as, ok := e.o.Store.(AlertStore)
	if !ok {
		return
	}
	detail := map[string]any{"seconds": secs, "state": e.state.String()}
	if err := as.Alert(context.WithoutCancel(e.ctx), event, detail); err != nil {
		e.log.Error("kiosk: alert", "event", event, "err", err)
	}
}

// reminderDefaults fills a zero Reminder with config.DefaultReminder; in one that is set,
// BeepAfter may be 0 (beep at once) and zero BeepEvery and AlertAfter take the defaults.
func reminderDefaults(r config.Reminder) config.Reminder {
	d := config.DefaultReminder
	if r == (config.Reminder{}) {
		return d
	}
	if r.BeepEvery <= 0 {
		r.BeepEvery = d.BeepEvery
	}
	if r.AlertAfter <= 0 {
		r.AlertAfter = d.AlertAfter
	}
	r.BeepAfter = max(r.BeepAfter, 0)
	r.AlertAfter = max(r.AlertAfter, r.BeepAfter)
	return r
}
