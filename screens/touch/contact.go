package touch

import "time"

// Point is a raw position in the device's coordinates.
type Point struct{ X, Y int32 }

// Contact is one finger's touch from down to lift, in raw device coordinates: where it
// went down and lifted, the box it stayed in, and how long it lasted. HasPos is false for
// a touch that never reported a position (a ghost).
type Contact struct {
	Start, End Point
	Min, Max   Point
	Duration   time.Duration
	HasPos     bool
}

// Recogniser turns input_event records into Contacts. It understands the three shapes
// touchscreens report in:
//   - multi-touch protocol B (ft5x06 on the official Raspberry Pi display, Goodix):
//     ABS_MT_SLOT, ABS_MT_TRACKING_ID, ABS_MT_POSITION_X/Y, usually with BTN_TOUCH and
//     the single-touch ABS_X/ABS_Y emulation too;
//   - single-touch (resistive panels, ILITEK and eGalax USB controllers in their single
//     touch mode): BTN_TOUCH with ABS_X/ABS_Y;
//   - absolute pointers (QEMU's usb-tablet, a controller in mouse mode): BTN_LEFT with
//     ABS_X/ABS_Y.
//
// Positions persist between touches: the input core does not repeat a value that did not
// change, so a second tap on the same raw spot reports no position of its own. A touch
// with no position at all since the device was opened has HasPos false.
//
// One finger is followed, as foot does: the first contact down; other fingers are ignored
// (but keep the touch alive, so two fingers make no tap where one lifted). Frames end
// with SYN_REPORT; SYN_DROPPED (the kernel's buffer overflowed) cancels the touch in
// progress. Unknown records are ignored; nothing here panics on any input.
type Recogniser struct {
	slot    int32 // current MT slot
	primary int32 // MT slot of the followed finger, -1 none
	mtDown  bool  // the followed finger is down (tracking id ≥ 0)
	mtLift  bool  // the followed finger lifted in this frame
	slots   [maxSlots]slotPos
	btn     bool // BTN_TOUCH or BTN_LEFT is down
	stPos   Point
	stHas   [2]bool
	dropped bool // between SYN_DROPPED and the next SYN_REPORT

	touching bool
	cur      Contact
	start    time.Duration
}

// maxSlots is how many MT slots keep their positions; fingers in other slots are ignored.
const maxSlots = 16

type slotPos struct {
	p   Point
	has [2]bool
}

// NewRecogniser returns a Recogniser with no touch in progress.
func NewRecogniser() *Recogniser { return &Recogniser{primary: -1} }

// Reset forgets the touch in progress (the device went away).
func (r *Recogniser) Reset() { *r = Recogniser{primary: -1} }

// Feed takes one record; it returns a Contact when a finger lifted with this frame.
func (r *Recogniser) Feed(e Event) (Contact, bool) {
	if r.dropped {
		if e.Type == evSyn && e.Code == synReport {
			r.Reset() // what happened in between is unknown: the touch is cancelled
		}
		return Contact{}, false
	}
	switch e.Type {
	case evSyn:
		switch e.Code {
		case synReport:
			return r.frame(e.Time)
		case synDropped:
			r.dropped = true
		}
	case evKey:
		if e.Code == btnTouch || e.Code == btnLeft {
			r.btn = e.Value != 0
		}
	case evAbs:
		r.abs(e.Code, e.Value)
	}
	return Contact{}, false
}

func (r *Recogniser) abs(code uint16, v int32) {
	switch code {
	case absX:
		r.stPos.X, r.stHas[0] = v, true
	case absY:
		r.stPos.Y, r.stHas[1] = v, true
	case absMTSlot:
		r.slot = v
	case absMTTrackingID:
		switch {
		case v >= 0 && r.primary < 0:
			r.primary, r.mtDown = r.slot, true
		case v < 0 && r.slot == r.primary:
			r.mtDown, r.mtLift = false, true
		}
	case absMTPositionX:
		if r.slot >= 0 && r.slot < maxSlots {
			r.slots[r.slot].p.X, r.slots[r.slot].has[0] = v, true
		}
	case absMTPositionY:
		if r.slot >= 0 && r.slot < maxSlots {
			r.slots[r.slot].p.Y, r.slots[r.slot].has[1] = v, true
		}
	}
}

// frame applies one SYN_REPORT.
func (r *Recogniser) frame(t time.Duration) (Contact, bool) {
	pos, has := r.stPos, r.stHas[0] && r.stHas[1]
	if r.primary >= 0 && r.primary < maxSlots {
		if sp := r.slots[r.primary]; sp.has[0] && sp.has[1] {
			pos, has = sp.p, true
		}
	}
	down := r.btn || r.mtDown
	if r.mtLift {
		r.primary, r.mtLift = -1, false
		if !r.btn {
			down = false
		}
	}
	switch {
	case down && !r.touching:
		r.touching, r.start = true, t
		r.cur = Contact{}
		if has {
			r.cur = Contact{Start: pos, End: pos, Min: pos, Max: pos, HasPos: true}
		}
	case down:
		r.move(pos, has)
	case r.touching:
		r.move(pos, has)
		r.touching = false
		c := r.cur
		c.Duration = t - r.start
		return c, true
	}
	return Contact{}, false
}

func (r *Recogniser) move(p Point, has bool) {
	if !has {
		return
	}
	if !r.cur.HasPos {
		r.cur = Contact{Start: p, End: p, Min: p, Max: p, HasPos: true}
		return
	}
	r.cur.End = p
	r.cur.Min.X, r.cur.Min.Y = min(r.cur.Min.X, p.X), min(r.cur.Min.Y, p.Y)
	r.cur.Max.X, r.cur.Max.Y = max(r.cur.Max.X, p.X), max(r.cur.Max.Y, p.Y)
}
