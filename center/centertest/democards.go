package centertest

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// DemoCards are the virtual My Number Cards of `kiosk demo`: one for every demo resident,
// issued from the center's test JPKI root and registered with the center; two residents'
// phones (an Android phone with the スマホ用電子証明書, PIN 1234, and an iPhone already
// authorised with Face ID, which takes no PIN: readertest's ASSUMED model); then the
// cards whose trouble the kiosk must catch on its own: an expired certificate, a locked
// PIN, an old 住基カード, a 顔認証マイナンバーカード (no PIN), a certificate valid only from
// tomorrow, and a card that is no My Number Card at all. Their labels are known at once; the cards themselves need RSA-2048
// keys, which take most of a second on two cores (seconds each under QEMU), so they are
// made in the background, in order, the first resident's card first.
//
// They lie in a tray beside one virtual reader: Toggle places the selected card (or takes
// it away), Next selects the next one, as the demo's technician bar does.
type DemoCards struct {
	labels []string
	ready  []chan struct{} // ready[i] closes when cards[i] is set
	cancel context.CancelFunc
	done   chan struct{}
	stop   chan struct{}  // closed by Close: ends waits for a card being made
	waits  sync.WaitGroup // those waits

	mu      sync.Mutex
	cards   []*readertest.Card
	current int  // index of the card Toggle will place
	placed  bool // a card is on the reader
	pending bool // Toggle was called while the current card was still being made
}

// Holder takes the card placed on the demo's reader (the kiosk engine, through the same
// adapter as pcsc.WatchCards').
type Holder interface {
	CardInserted(*reader.Card)
	CardRemoved()
}

// demoCardSpec is what a demo card will be.
type demoCardSpec struct {
	label  string
	person *DemoPerson // registered with the center; nil for a stranger
	opts   func(now time.Time) readertest.Options
	after  func(*readertest.Card)
}

func demoCardSpecs() []demoCardSpec {
	people := DemoPeople()
	var specs []demoCardSpec
	none := func(time.Time) readertest.Options { return readertest.Options{} }
	for i := range people {
		p := people[i]
		label := strings.ReplaceAll(p.Resident.Name, "　", " ")
		if p.Revoked {
			label += " (suspended)"
		}
		specs = append(specs, demoCardSpec{label: label, person: &p, opts: none})
	}
	first, second := people[0], people[1]
	specs = append(specs,
		demoCardSpec{label: strings.ReplaceAll(first.Resident.Name, "　", " ") + " (Android phone)", person: &first,
			opts: func(time.Time) readertest.Options { return readertest.Options{Device: reader.DeviceAndroid} }},
		demoCardSpec{label: strings.ReplaceAll(second.Resident.Name, "　", " ") + " (iPhone, Face ID done)", person: &second,
			opts: func(time.Time) readertest.Options {
				return readertest.Options{Device: reader.DeviceIPhone, PhoneApproved: true}
			}},
	)
	specs = append(specs,
		demoCardSpec{label: "expired certificate", person: &first, opts: func(now time.Time) readertest.Options {
			return readertest.Options{NotBefore: now.AddDate(-5, 0, -1), NotAfter: now.AddDate(0, 0, -1)}
		}},
		demoCardSpec{label: "PIN locked", opts: none, after: func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 0) }},
		demoCardSpec{label: "old juki card", opts: func(time.Time) readertest.Options {
			return readertest.Options{Token: reader.TokenJukiCard, ATR: readertest.ATRJuki}
		}},
		demoCardSpec{label: "face-authentication card (no PIN)", opts: func(time.Time) readertest.Options {
			return readertest.Options{NoPIN: true}
		}},
		demoCardSpec{label: "certificate valid from tomorrow", person: &first, opts: func(now time.Time) readertest.Options {
			return readertest.Options{NotBefore: now.AddDate(0, 0, 1), NotAfter: now.AddDate(5, 0, 1)}
		}},
		demoCardSpec{label: "not a My Number Card", opts: func(time.Time) readertest.Options {
			return readertest.Options{Token: "TRANSITCARD"}
		}},
	)
	return specs
}

// demoKeyIndexes are the readertest key-pool indexes of the first n demo cards (every card
// its own authentication key).
func demoKeyIndexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = 3000 + i
	}
	return out
}

// MakeDemoCards starts making the demo's cards for c in the background; failures go to
// log. Close stops it and waits.
func (c *Center) MakeDemoCards(ctx context.Context, log *slog.Logger) *DemoCards {
	specs := demoCardSpecs()
	d := &DemoCards{done: make(chan struct{}), stop: make(chan struct{}), cards: make([]*readertest.Card, len(specs))}
	for _, sp := range specs {
		d.labels = append(d.labels, sp.label)
		d.ready = append(d.ready, make(chan struct{}))
	}
	ctx, d.cancel = context.WithCancel(ctx)
	go func() { defer close(d.done); d.make(ctx, c, specs, log) }()
	return d
}

// Len is the number of demo cards.
func (d *DemoCards) Len() int { return len(d.labels) }

// Label says who card i is, or what is wrong with it.
func (d *DemoCards) Label(i int) string { return d.labels[i] }

// Ready closes when card i is made.
func (d *DemoCards) Ready(i int) <-chan struct{} { return d.ready[i] }

// Card is card i, or nil while it is being made. Cards start removed (in the resident's
// hand).
func (d *DemoCards) Card(i int) *readertest.Card {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cards[i]
}

// Close stops making cards and waits until the maker has stopped.
func (d *DemoCards) Close() {
	close(d.stop)
	d.cancel()
	<-d.done
	d.waits.Wait()
}

// Toggle places the selected card on the reader, handing h a fresh session (a fresh
// power-up: nothing selected, no PIN verified), or takes the placed one away. A card still
// being made is placed as soon as it is ready, unless Toggle is called again first.
func (d *DemoCards) Toggle(h Holder) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.placed {
		d.cards[d.current].Remove()
		d.placed = false
		h.CardRemoved()
		return
	}
	if d.pending {
		d.pending = false // changed their mind before the card was ready
		return
	}
	i := d.current
	if d.cards[i] == nil {
		d.pending = true
		d.waits.Add(1)
		go func() {
			defer d.waits.Done()
			select {
			case <-d.ready[i]:
			case <-d.stop:
				return
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.pending && d.current == i {
				d.pending = false
				d.placeLocked(h)
			}
		}()
		return
	}
	d.placeLocked(h)
}

func (d *DemoCards) placeLocked(h Holder) {
	c := d.cards[d.current]
	c.Insert()
	d.placed = true
	h.CardInserted(reader.New(c)) // a fresh session object for every insertion
}

// Next selects the next card; false (nothing changes) while a card is on the reader or
// waiting to be placed.
func (d *DemoCards) Next() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.placed || d.pending {
		return false
	}
	d.current = (d.current + 1) % len(d.cards)
	return true
}

// Current is the label of the selected card.
func (d *DemoCards) Current() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.labels[d.current]
}

// make makes the cards in order, each made ready as soon as it exists. Key generation
// runs on every core, in the order the cards need the keys.
func (d *DemoCards) make(ctx context.Context, c *Center, specs []demoCardSpec, log *slog.Logger) {
	keys := append([]int{1101, 1001, 1002, 1003}, demoKeyIndexes(len(specs))...) // 1101: sign CA; 100x: readertest defaults
	next := make(chan int, len(keys))
	for _, k := range keys {
		next <- k
	}
	close(next)
	var wg sync.WaitGroup
	defer wg.Wait()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				if ctx.Err() != nil {
					return
				}
				readertest.Key(k)
			}
		}()
	}
	now := time.Now()
	signCA := c.PKI().SignCA
	if signCA == nil {
		var err error
		if signCA, err = readertest.NewCAWithKey(now, true, readertest.Key(1101)); err != nil {
			log.Error("demo cards", "err", err)
			return
		}
	}
	pki := &readertest.PKI{Auth: c.PKI().AuthCA, Sign: signCA}
	idx := demoKeyIndexes(len(specs))
	for i, sp := range specs {
		if ctx.Err() != nil {
			return
		}
		o := sp.opts(now)
		o.PKI = pki
		o.AuthKey = readertest.Key(idx[i])
		if p := sp.person; p != nil {
			r := p.Resident
			o.Holder = readertest.Holder{Name: r.Name, Address: r.Address, BirthDate: strings.ReplaceAll(r.Birth, "-", ""), Sex: r.Sex}
		}
		vc, err := readertest.NewCard(o)
		if err == nil && sp.person != nil {
			// A resident's second card or phone: the resident again, one more certificate.
			err = c.AddDemoPerson(ctx, *sp.person, vc.AuthCert())
		}
		if err != nil {
			if ctx.Err() == nil { // not the demo quitting
				// By number: a label names the demo resident, which no log line may.
				log.Error("demo card", "card", i+1, "err", err)
			}
			return
		}
		vc.Remove() // cards start in the resident's hand
		if sp.after != nil {
			sp.after(vc)
		}
		d.mu.Lock()
		d.cards[i] = vc
		d.mu.Unlock()
		close(d.ready[i])
	}
	// Key generation left garbage several times the size of what stays: give it back to
	// the system rather than holding it for the rest of the demo.
	debug.FreeOSMemory()
	log.Info("demo cards ready", "cards", len(specs))
}
