package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gdamore/tcell/v2"

	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/offline"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
	"madoguchi/screens"
)

// demoKioskID is the kiosk id of `kiosk demo` (the CN of its TLS client certificate).
const demoKioskID = "demo-kiosk-1"

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

	cards *centertest.DemoCards // made in the background; the technician bar places them
}

// startDemo builds everything in dir (created if missing). The caller runs the parts
// (d.parts.run) and calls close.
func startDemo(ctx context.Context, dir string, lang string) (*demo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d := &demo{dir: dir}
	// The virtual cards' J-LIS key (readertest.Key 1003) checks their four facts: made
	// while the center starts, written for the configuration to name.
	jlis := make(chan struct{})
	go func() { readertest.Key(1003); close(jlis) }()
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
	<-jlis
	if err := writeDemoIssuerKey(d.cfg.Reader.TextIssuerKey); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	// The demo configuration goes through the same checks as a technician's file.
	if err := d.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo: configuration: %w", err)
	}
	if err := d.cfg.CheckFiles(); err != nil {
		return nil, fmt.Errorf("demo: configuration files: %w", err)
	}
	// A simulated cash machine, so the demo shows the payment step: it takes the fee a
	// moment after the payment screen appears.
	if d.parts, err = assemble(ctx, d.cfg, assembleOptions{Log: d.log, Payer: demoPayer{2 * time.Second}}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.cards = d.center.MakeDemoCards(ctx, d.log)
	ok = true
	return d, nil
}

// writeDemoIssuerKey writes the public key that signs the virtual cards' four facts
// (readertest.Key 1003, their default J-LIS key) where config.Demo's
// reader.text_issuer_key names it.
func writeDemoIssuerKey(path string) error {
	pub, err := reader.MarshalIssuerKey(&readertest.Key(1003).PublicKey)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pub, 0o644)
}

// technicianBar is the demo's bar of actions. The resident's label is updated in place,
// which the UI reads on its next draw (Do runs on the UI goroutine).
func (d *demo) technicianBar(quit func()) []screens.TechAction {
	bar := make([]screens.TechAction, 3)
	// One language at a time, the screen's.
	bar[0] = screens.TechAction{Label: "カードを置く・取る", LabelEN: "Place/take card", Key: tcell.KeyF2,
		Do: func() { d.cards.Toggle(engineCards{d.parts.engine}) }}
	resident := func() {
		bar[1].Label, bar[1].LabelEN = "次の人: "+d.cards.Current(), "Next: "+d.cards.Current()
	}
	bar[1] = screens.TechAction{Key: tcell.KeyF3}
	resident()
	bar[1].Do = func() {
		if d.cards.Next() {
			resident()
		}
	}
	bar[2] = screens.TechAction{Label: "デモを終える", LabelEN: "Quit demo", Key: tcell.KeyF10, Do: quit}
	return bar
}

// runOptions are the demo's: its screen and bar, and health reports to its center (the
// reader is the in-process virtual one the bar places cards in).
func (d *demo) runOptions(scr tcell.Screen, ui screens.Options) runOptions {
	return runOptions{Screen: scr, UI: ui, Health: d.cfg, Reader: virtualReader{}, Log: d.log}
}

// virtualReader is the demo's reader state: always there, and not a real one.
type virtualReader struct{}

func (virtualReader) ReaderState() string { return "virtual" }

func (d *demo) close() {
	if d.cards != nil {
		d.cards.Close()
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
	voiceDir := fs.String("voice", "", "speak, and write what is said into this folder (one WAV per utterance and transcript.txt)")
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
	ui := screens.Options{Technician: d.technicianBar(cancel), Display: displayOf(d.cfg)}
	if *voiceDir != "" {
		sp, err := demoVoice(ctx, d.cfg, *voiceDir, d.log)
		if err != nil {
			scr.Fini()
			fmt.Fprintf(stderr, "kiosk demo: %v\n", err)
			return 1
		}
		defer sp.Close()
		ui.Voice = sp
	}
	if err := d.parts.run(ctx, d.runOptions(scr, ui)); err != nil {
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

// demoPayer is the demo's simulated cash machine: it takes the fee a moment after the
// payment screen appears (a cancelled payment takes nothing).
type demoPayer struct{ delay time.Duration }

func (p demoPayer) Pay(ctx context.Context, amount int64) (kiosk.Payment, error) {
	t := time.NewTimer(p.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return kiosk.Payment{Method: "cash", Amount: amount, Ref: "demo"}, nil
	case <-ctx.Done():
		return kiosk.Payment{}, fmt.Errorf("demo payment: %w: %w", kiosk.ErrPaymentCancelled, ctx.Err())
	}
}
