package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sync"
	"time"

	"madoguchi/config"
	"madoguchi/reader"
	"madoguchi/reader/pcsc"
	"madoguchi/screens/touch"
)

// readerDiag is the reader section of `kiosk diag`.
type readerDiag struct {
	Status   string        `json:"status"`  // ok or fail (see diag_sections.go)
	Service  string        `json:"service"` // "ok" or what went wrong
	Pattern  string        `json:"pattern,omitempty"`
	Readers  []readerEntry `json:"readers"`
	Problems []string      `json:"problems,omitempty"`
	Notes    []string      `json:"notes,omitempty"`
}

type readerEntry struct {
	Name     string         `json:"name"`
	Card     bool           `json:"card_present"`
	ATR      string         `json:"atr,omitempty"`
	Protocol string         `json:"protocol,omitempty"`
	Inspect  *reader.Report `json:"card,omitempty"`
	Error    string         `json:"error,omitempty"`
}

func (d *readerDiag) healthy() bool { return len(d.Problems) == 0 }

// diagnoseReaders lists the readers matching pattern and inspects every card present,
// spending no PIN try. A missing service or no reader at all is a problem; no card is not.
func diagnoseReaders(ctx context.Context, pattern *regexp.Regexp, now time.Time) (d readerDiag) {
	d = readerDiag{Service: "ok", Readers: []readerEntry{}}
	defer func() {
		d.Status = statusOK
		if !d.healthy() {
			d.Status = statusFail
		}
		cards := 0
		for _, r := range d.Readers {
			if r.Card {
				cards++
			}
		}
		if len(d.Readers) > 0 && cards == 0 {
			d.Notes = append(d.Notes, "no card on the reader: place a My Number Card to check it (no PIN try is spent)")
		}
	}()
	if pattern != nil {
		d.Pattern = pattern.String()
	}
	x, err := pcsc.Open()
	if err != nil {
		d.Service = err.Error()
		d.Problems = append(d.Problems, "pc/sc service not reachable: is pcscd running?")
		return d
	}
	defer x.Close()
	names, err := x.Readers(pattern)
	if err != nil {
		d.Service = err.Error()
		d.Problems = append(d.Problems, "cannot list readers")
		return d
	}
	if len(names) == 0 {
		d.Problems = append(d.Problems, "no card reader found (check the USB cable and the reader pattern)")
		return d
	}
	states, err := x.States(names)
	if err != nil {
		d.Problems = append(d.Problems, "cannot read reader states: "+err.Error())
		return d
	}
	for _, s := range states {
		e := readerEntry{Name: s.Reader, Card: s.Present}
		if s.Present {
			e.ATR = fmt.Sprintf("% X", s.ATR)
			inspectCard(ctx, x, &e, now)
			if e.Error != "" {
				d.Problems = append(d.Problems, s.Reader+": "+e.Error)
			}
			if e.Inspect != nil {
				for _, p := range e.Inspect.Problems {
					d.Problems = append(d.Problems, s.Reader+": "+p)
				}
			}
		}
		d.Readers = append(d.Readers, e)
	}
	return d
}

func inspectCard(ctx context.Context, x *pcsc.Context, e *readerEntry, now time.Time) {
	card, err := x.Connect(ctx, e.Name, pcsc.Options{Shared: true})
	if err != nil {
		e.Error = err.Error()
		return
	}
	defer card.Close()
	e.Protocol = card.Protocol()
	rep, err := reader.Inspect(ctx, card.Card, now)
	e.Inspect = &rep
	if err != nil {
		e.Error = err.Error()
	}
}

func (d *readerDiag) writeText(w io.Writer) {
	fmt.Fprintf(w, "reader [%s]\n", d.Status)
	fmt.Fprintf(w, "  pc/sc service    %s\n", d.Service)
	if d.Pattern != "" {
		fmt.Fprintf(w, "  reader pattern   %s\n", d.Pattern)
	}
	for _, r := range d.Readers {
		fmt.Fprintf(w, "  reader           %s\n", r.Name)
		if !r.Card {
			fmt.Fprintln(w, "    card           none")
			continue
		}
		fmt.Fprintf(w, "    card           present, ATR %s %s\n", r.ATR, r.Protocol)
		if c := r.Inspect; c != nil {
			if c.JPKI {
				fmt.Fprintf(w, "    jpki           yes (%s)\n", c.Token)
			} else {
				fmt.Fprintf(w, "    jpki           no %s\n", c.Token)
			}
			if a := c.AuthCert; a != nil {
				fmt.Fprintf(w, "    auth cert      %s, issued by %s\n", a.Subject, a.Issuer)
				fmt.Fprintf(w, "                   %s to %s (%s)\n", a.NotBefore.Format(time.DateOnly), a.NotAfter.Format(time.DateOnly), a.Validity)
			}
			if c.AuthTries != nil {
				fmt.Fprintf(w, "    auth pin       %d tries left\n", *c.AuthTries)
			}
			if c.SignTries != nil {
				fmt.Fprintf(w, "    sign password  %d tries left\n", *c.SignTries)
			}
		}
		if r.Error != "" {
			fmt.Fprintf(w, "    error          %s\n", r.Error)
		}
	}
	for _, p := range d.Problems {
		fmt.Fprintf(w, "  FAIL             %s\n", p)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note             %s\n", n)
	}
}

// diagReport is everything `kiosk diag` checks. Without a configuration only the
// reader is checked; the other sections say "skipped".
type diagReport struct {
	Healthy bool         `json:"healthy"`
	Checked time.Time    `json:"checked"`
	Version string       `json:"version"`
	Config  configDiag   `json:"config"`
	Reader  readerDiag   `json:"reader"`
	Printer printerDiag  `json:"printer"`
	GPIO    gpioDiag     `json:"gpio"`
	Center  centerDiag   `json:"center"`
	Queue   queueDiag    `json:"queue"`
	Disk    diskDiag     `json:"disk"`
	Touch   touch.Report `json:"touch"`
}

// sections lists every section's verdict with its name, in report order.
func (r *diagReport) sections() []struct {
	name string
	v    *verdict
} {
	rd := verdict{Status: r.Reader.Status, Problems: r.Reader.Problems, Notes: r.Reader.Notes}
	td := r.touchVerdict()
	return []struct {
		name string
		v    *verdict
	}{
		{"config", &r.Config.verdict}, {"reader", &rd}, {"printer", &r.Printer.verdict}, {"gpio", &r.GPIO.verdict},
		{"center", &r.Center.verdict}, {"queue", &r.Queue.verdict}, {"disk", &r.Disk.verdict}, {"touch", &td},
	}
}

// touchVerdict is the touch section's verdict (screens/touch reports it).
func (r *diagReport) touchVerdict() verdict {
	return verdict{Status: r.Touch.Status, Problems: r.Touch.Problems, Warnings: r.Touch.Warnings, Notes: r.Touch.Notes}
}

// diagOptions are the knobs of one diag run.
type diagOptions struct {
	config   string // configuration file; "" = reader only
	reader   string // reader pattern; overrides the configuration's
	diskWarn uint64 // warn below this many free bytes
	now      func() time.Time
}

// diagnose runs every check. Each section is independent: one failing never stops the
// others, so a technician sees everything at once.
func diagnose(ctx context.Context, o diagOptions) (diagReport, error) {
	if o.now == nil {
		o.now = time.Now
	}
	now := o.now()
	rep := diagReport{Checked: now.UTC(), Version: version + " (" + commit + ")"}
	var pattern *regexp.Regexp
	if o.reader != "" {
		var err error
		if pattern, err = regexp.Compile(o.reader); err != nil {
			return rep, fmt.Errorf("-reader: %w", err)
		}
	}
	skip := func(v *verdict) {
		v.Status = statusSkipped
		v.Notes = []string{"needs the configuration: kiosk diag -config " + DefaultConfigPath}
	}
	if o.config == "" {
		for _, s := range []*verdict{&rep.Config.verdict, &rep.Printer.verdict, &rep.GPIO.verdict, &rep.Center.verdict, &rep.Queue.verdict, &rep.Disk.verdict} {
			skip(s)
		}
		rep.Reader = diagnoseReaders(ctx, pattern, now)
		rep.Healthy = rep.Reader.healthy()
		return rep, nil
	}
	cfg, err := config.Load(o.config)
	var fileProblems error
	if err != nil {
		// Problems with the files it names (a TLS key, the font): check the rest
		// with what could be read, and fail the config section.
		if c, perr := loadQueueConfig(o.config); perr == nil {
			cfg, fileProblems, err = c, err, nil
		}
	}
	if err != nil {
		rep.Config.File = o.config
		rep.Config.fail("%v", err)
		rep.Config.note("check it with: kiosk check-config %s", o.config)
		rep.Config.settle()
		for _, s := range []*verdict{&rep.Printer.verdict, &rep.GPIO.verdict, &rep.Center.verdict, &rep.Queue.verdict, &rep.Disk.verdict} {
			s.Status = statusSkipped
			s.Notes = []string{"the configuration has problems"}
		}
		rep.Reader = diagnoseReaders(ctx, pattern, now)
		rep.Healthy = false
		return rep, nil
	}
	if pattern == nil {
		pattern = cfg.Reader.NamePattern
	}
	rep.Config = summariseConfig(cfg)
	if fileProblems != nil {
		rep.Config.fail("%v", fileProblems)
		rep.Config.settle()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	// The network and the reader are the slow parts: run them beside the rest.
	go func() { defer wg.Done(); rep.Center = diagnoseCenter(ctx, cfg, o.now) }()
	go func() { defer wg.Done(); rep.Reader = diagnoseReaders(ctx, pattern, now) }()
	rep.Printer = diagnosePrinter(ctx, cfg)
	rep.GPIO = diagnoseGPIO(cfg)
	rep.Queue = diagnoseQueue(ctx, cfg, now)
	rep.Disk = diagnoseDisk(cfg, o.diskWarn)
	rep.Touch = touch.Diag(ctx, cfg.Screen)
	wg.Wait()
	rep.Healthy = true
	for _, s := range rep.sections() {
		if s.v.Status == statusFail {
			rep.Healthy = false
		}
	}
	return rep, nil
}

func runDiag(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cfgPath := fs.String("config", "", "configuration file (without it only the card reader is checked)")
	pat := fs.String("reader", "", "only readers whose name matches this regular expression (default: the configuration's)")
	diskWarn := fs.Uint64("disk-warn-mb", diskWarnBelowDeflt>>20, "warn when less than this many MiB are free for the queue")
	tap := fs.Bool("touch-tap", false, "wait for one touch on [screen]'s device and print its raw values and cell (calibration; stop the kiosk first)")
	cells := fs.String("touch-cells", "80x24", "the kiosk screen's COLUMNSxROWS, for -touch-tap")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiosk diag: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *tap {
		return touchTap(ctx, *cfgPath, *cells, stdout, stderr)
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	rep, err := diagnose(ctx, diagOptions{config: *cfgPath, reader: *pat, diskWarn: *diskWarn << 20})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
			return 2
		}
	} else {
		rep.writeText(stdout)
	}
	if !rep.Healthy {
		return 1
	}
	return 0
}

// writeText prints the report for a person: every section, then the verdict with
// every problem, so the last lines say what to do.
func (r *diagReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "kiosk diag %s at %s\n\n", r.Version, r.Checked.Format(time.RFC3339))
	r.Config.writeText(w)
	r.Reader.writeText(w)
	if r.Config.Status == statusSkipped {
		fmt.Fprintf(w, "\nonly the reader was checked: give the configuration for the rest (kiosk diag -config %s)\n", DefaultConfigPath)
	} else {
		for _, s := range []interface{ writeText(io.Writer) }{&r.Printer, &r.GPIO, &r.Center, &r.Queue, &r.Disk} {
			s.writeText(w)
		}
		r.Touch.WriteFacts(w)
		td := r.touchVerdict()
		td.writeVerdict(w)
	}
	if r.Healthy {
		fmt.Fprintln(w, "\nhealthy")
	} else {
		fmt.Fprintln(w, "\nNOT HEALTHY:")
	}
	for _, s := range r.sections() {
		for _, p := range s.v.Problems {
			fmt.Fprintf(w, "  - %s: %s\n", s.name, p)
		}
	}
	for _, s := range r.sections() {
		for _, p := range s.v.Warnings {
			fmt.Fprintf(w, "  ~ %s: %s\n", s.name, p)
		}
	}
}

// touchTap is `kiosk diag -touch-tap`: the calibration aid of screens/touch for the
// configuration's [screen] section (without -config: the first touchscreen, uncalibrated).
func touchTap(ctx context.Context, cfgPath, cells string, stdout, stderr io.Writer) int {
	var cols, rows int
	if n, err := fmt.Sscanf(cells, "%dx%d", &cols, &rows); err != nil || n != 2 || cols < 1 || rows < 1 {
		fmt.Fprintf(stderr, "kiosk diag: -touch-cells %q: want COLUMNSxROWS such as 100x30\n", cells)
		return 2
	}
	scr := config.Default().Screen
	if cfgPath != "" {
		data, err := os.ReadFile(cfgPath)
		var cfg *config.Config
		if err == nil {
			cfg, err = config.Parse(cfgPath, data) // the [screen] section; the files it names do not matter here
		}
		if err != nil {
			fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
			return 2
		}
		scr = cfg.Screen
	}
	if err := touch.CalibrationAid(ctx, scr, cols, rows, time.Minute, stdout); err != nil {
		fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
		return 1
	}
	return 0
}
