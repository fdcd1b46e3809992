package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/offline"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
	"madoguchi/screens"
)

// demoKioskID is the kiosk id of `kiosk demo` (the CN of its TLS client certificate).
const demoKioskID = "demo-kiosk-1"

// demoCard is one virtual My Number Card the demo's technician bar can place.
type demoCard struct {
	label string // shown in the technician bar: who it is, or what is wrong with it
	card  *readertest.Card
}

// demo is `kiosk demo` wired: the reference center in-process over HTTPS on loopback, the
// kiosk's real center client, offline queue and printer built from a generated
// configuration, virtual cards, and the engine. Only the screen is added by runDemo.
type demo struct {
	dir    string
	cfg    *config.Config
	center *centertest.Center
	parts  *kioskParts // the kiosk wired from cfg
	log    *slog.Logger
	logf   *os.File

	// The cards are made in the background (prepareCards): ready[i] closes when
	// cards[i].card is set. stop ends waits for a card; cancelCards and prepared stop
	// and await the maker.
	ready       []chan struct{}
	stop        chan struct{}
	cancelCards context.CancelFunc
	prepared    chan struct{}

	mu      sync.Mutex
	cards   []demoCard
	current int  // index of the card the technician bar will place
	placed  bool // a card is on the reader
	pending bool // F2 was pressed while the current card was still being made
}

// startDemo builds everything in dir (created if missing). The caller runs the parts
// (d.parts.run) and calls close.
func startDemo(ctx context.Context, dir string, lang string) (*demo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &demo{dir: dir}
	ok := false
	defer func() {
		if !ok {
			d.close()
		}
	}()
	var err error
	if d.logf, err = os.OpenFile(filepath.Join(dir, "kiosk.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return nil, fmt.Errorf("demo: log: %w", err)
	}
	d.log = slog.New(slog.NewJSONHandler(d.logf, nil))

	centerDir := filepath.Join(dir, "center")
	if err := os.MkdirAll(centerDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if d.center, err = centertest.New(ctx, centertest.Options{Dir: centerDir, Logger: d.log.With("part", "center")}); err != nil {
		return nil, fmt.Errorf("demo: center: %w", err)
	}
	if err := d.center.PKI().WriteKioskFiles(dir, demoKioskID); err != nil {
		return nil, fmt.Errorf("demo: kiosk files: %w", err)
	}
	d.cfg = config.Demo(dir)
	d.cfg.Kiosk.ID = demoKioskID
	d.cfg.Kiosk.Language = lang
	d.cfg.Center.URL = d.center.URL()
	if err := os.MkdirAll(d.cfg.Printer.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// The demo configuration goes through the same checks as a technician's file.
	if err := d.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo: configuration: %w", err)
	}
	if err := d.cfg.CheckFiles(); err != nil {
		return nil, fmt.Errorf("demo: configuration files: %w", err)
	}
	if d.parts, err = assemble(ctx, d.cfg, assembleOptions{Log: d.log}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	specs := demoCardSpecs()
	d.cards = make([]demoCard, len(specs))
	d.ready = make([]chan struct{}, len(specs))
	for i, sp := range specs {
		d.cards[i].label = sp.label
		d.ready[i] = make(chan struct{})
	}
	d.stop = make(chan struct{})
	cardCtx, cancelCards := context.WithCancel(ctx)
	d.cancelCards = cancelCards
	d.prepared = make(chan struct{})
	go func() { defer close(d.prepared); d.prepareCards(cardCtx, specs) }()
	ok = true
	return d, nil
}

// The demo's cards: a virtual card for every demo resident, issued from the center's test
// JPKI root and registered with the center, then the cards whose trouble the kiosk must
// catch on its own: an expired certificate, a locked PIN, and an old 住基カード. Their
// labels are known at once; the cards themselves need RSA-2048 keys, which take most of
// a second on two cores (seconds each under QEMU), so they are made in the background
// while the idle screen is already up, the first resident's card first.

// demoCardSpec is what a demo card will be.
type demoCardSpec struct {
	label  string
	person *centertest.DemoPerson // registered with the center; nil for a stranger
	opts   func(now time.Time) readertest.Options
	after  func(*readertest.Card)
}

func demoCardSpecs() []demoCardSpec {
	people := centertest.DemoPeople()
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
	first := people[0]
	specs = append(specs,
		demoCardSpec{label: "expired certificate", person: &first, opts: func(now time.Time) readertest.Options {
			return readertest.Options{NotBefore: now.AddDate(-5, 0, -1), NotAfter: now.AddDate(0, 0, -1)}
		}},
		demoCardSpec{label: "PIN locked", opts: none, after: func(c *readertest.Card) { c.SetTriesLeft(readertest.PINAuth, 0) }},
		demoCardSpec{label: "old juki card", opts: func(time.Time) readertest.Options {
			return readertest.Options{Token: reader.TokenJukiCard, ATR: readertest.ATRJuki}
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

// prepareCards makes the cards in order, each made ready (d.cards[i].card set and
// d.ready[i] closed) as soon as it exists. Key generation runs on every core, in the
// order the cards need the keys.
func (d *demo) prepareCards(ctx context.Context, specs []demoCardSpec) {
	keys := append([]int{1101, 1001, 1002, 1003}, demoKeyIndexes(len(specs))...) // 1101: sign CA; 100x: readertest defaults
	next := make(chan int, len(keys))
	for _, k := range keys {
		next <- k
	}
	close(next)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		go func() {
			for k := range next {
				if ctx.Err() != nil {
					return
				}
				readertest.Key(k)
			}
		}()
	}
	now := time.Now()
	signCA, err := readertest.NewCAWithKey(now, true, readertest.Key(1101))
	if err != nil {
		d.log.Error("demo cards", "err", err)
		return
	}
	pki := &readertest.PKI{Auth: d.center.PKI().AuthCA, Sign: signCA}
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
			err = d.center.AddDemoPerson(ctx, *sp.person, vc.AuthCert())
		}
		if err != nil {
			d.log.Error("demo card", "card", sp.label, "err", err)
			return
		}
		vc.Remove() // cards start in the resident's hand
		if sp.after != nil {
			sp.after(vc)
		}
		d.mu.Lock()
		d.cards[i].card = vc
		d.mu.Unlock()
		close(d.ready[i])
	}
	// Key generation left garbage several times the size of what stays: give it back to
	// the system rather than holding it for the rest of the demo.
	debug.FreeOSMemory()
	d.log.Info("demo cards ready", "cards", len(specs))
}

// toggleCard places the selected card on the reader, or takes the placed one away. A card
// still being made is placed as soon as it is ready, unless F2 is pressed again first.
func (d *demo) toggleCard() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.placed {
		d.cards[d.current].card.Remove()
		d.placed = false
		d.parts.engine.CardRemoved()
		return
	}
	if d.pending {
		d.pending = false // changed their mind before the card was ready
		return
	}
	i := d.current
	if d.cards[i].card == nil {
		d.pending = true
		go func() {
			select {
			case <-d.ready[i]:
			case <-d.stop:
				return
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.pending && d.current == i {
				d.pending = false
				d.placeLocked()
			}
		}()
		return
	}
	d.placeLocked()
}

func (d *demo) placeLocked() {
	c := d.cards[d.current].card
	c.Insert() // a fresh power-up: nothing selected, no PIN verified
	d.placed = true
	d.parts.engine.CardInserted(reader.New(c)) // a fresh session object for every insertion
}

// nextCard selects the next demo card; the placed card must be taken first.
func (d *demo) nextCard() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.placed || d.pending {
		return false
	}
	d.current = (d.current + 1) % len(d.cards)
	return true
}

func (d *demo) currentLabel() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cards[d.current].label
}

// technicianBar is the demo's bar of actions. The resident's label is updated in place,
// which the UI reads on its next draw (Do runs on the UI goroutine).
func (d *demo) technicianBar(quit func()) []screens.TechAction {
	bar := make([]screens.TechAction, 3)
	bar[0] = screens.TechAction{Label: "カード 置く/取る card", Key: tcell.KeyF2, Do: d.toggleCard}
	bar[1] = screens.TechAction{Label: "次 next: " + d.currentLabel(), Key: tcell.KeyF3}
	bar[1].Do = func() {
		if d.nextCard() {
			bar[1].Label = "次 next: " + d.currentLabel()
		}
	}
	bar[2] = screens.TechAction{Label: "終了 quit demo", Key: tcell.KeyF10, Do: quit}
	return bar
}

func (d *demo) close() {
	if d.cancelCards != nil {
		d.cancelCards()
		close(d.stop)
		<-d.prepared
	}
	if d.parts != nil {
		d.parts.close()
	}
	if d.center != nil {
		d.center.Close()
	}
	if d.logf != nil {
		d.logf.Close()
	}
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirFlag := fs.String("dir", "", "folder for the demo's files (default: a new folder under "+os.TempDir()+")")
	lang := fs.String("lang", "ja", `screen language: "ja" or "en"`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *lang != "ja" && *lang != "en" {
		fmt.Fprintf(stderr, "kiosk demo: -lang must be ja or en, got %q\n", *lang)
		return 2
	}
	dir := *dirFlag
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "madoguchi-demo-"); err != nil {
			fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
			return 1
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d, err := startDemo(ctx, dir, *lang)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return 1
	}
	defer d.close()

	scr, err := openScreen()
	if err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return 1
	}
	if err := d.parts.run(ctx, runOptions{Screen: scr, UI: screens.Options{Technician: d.technicianBar(cancel)}, Log: d.log}); err != nil {
		fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
		return 1
	}
	flushCtx, flushCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer flushCancel()
	_, _, _ = d.parts.store.SyncOnce(flushCtx, d.parts.link) // hand the last messages to the center
	fmt.Fprintf(stdout, "kiosk demo: printed documents are in %s\n", d.cfg.Printer.Dir)
	if b, err := d.parts.store.Backlog(flushCtx); err == nil {
		fmt.Fprintf(stdout, "kiosk demo: %s\n", describeBacklog(b))
	}
	fmt.Fprintf(stdout, "kiosk demo: log in %s, everything else in %s\n", filepath.Join(dir, "kiosk.log"), dir)
	return 0
}

// describeBacklog says in one line what the queue still holds for the center.
func describeBacklog(b offline.Backlog) string {
	if b.Count == 0 {
		return fmt.Sprintf("every message (%d) was delivered to the center", b.Seq)
	}
	return fmt.Sprintf("%d of %d messages not delivered to the center yet (%d refused), oldest from %s",
		b.Count, b.Seq, b.Parked, b.Oldest.Local().Format(time.DateTime))
}
