package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"madoguchi/center"
	"madoguchi/config"
	"madoguchi/internal/health"
	"madoguchi/internal/safetext"
	"madoguchi/offline"
	"madoguchi/printer/backend"
	"madoguchi/printer/gpio"
	"madoguchi/reader/pcsc"
	"madoguchi/screens/touch"
)

// diagReport is everything `kiosk diag` checks. Without a configuration only the
// reader is checked; the other sections say "skipped".
type diagReport struct {
	Healthy bool                  `json:"healthy"`
	Checked time.Time             `json:"checked"`
	Version string                `json:"version"`
	Config  config.Diagnosis      `json:"config"`
	Reader  pcsc.Diagnosis        `json:"reader"`
	Printer backend.Diagnosis     `json:"printer"`
	GPIO    gpio.Diagnosis        `json:"gpio"`
	Center  center.Diagnosis      `json:"center"`
	Queue   offline.Diagnosis     `json:"queue"`
	Disk    offline.DiskDiagnosis `json:"disk"`
	Touch   touch.Report          `json:"touch"`
	Display displayDiagnosis      `json:"display"`
	// Report is the -report file's text (cut like on screen), escaped as on screen.
	Report string `json:"report,omitempty"`
}

// sections lists every section's verdict with its name, in report order.
func (r *diagReport) sections() []struct {
	name string
	v    *health.Verdict
} {
	rd := health.Verdict{Status: r.Reader.Status, Problems: r.Reader.Problems, Notes: r.Reader.Notes}
	td := r.touchVerdict()
	return []struct {
		name string
		v    *health.Verdict
	}{
		{"config", &r.Config.Verdict}, {"reader", &rd}, {"printer", &r.Printer.Verdict}, {"gpio", &r.GPIO.Verdict},
		{"center", &r.Center.Verdict}, {"queue", &r.Queue.Verdict}, {"disk", &r.Disk.Verdict}, {"touch", &td},
		{"display", &r.Display.Verdict},
	}
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
	skip := func(v *health.Verdict) {
		v.Status = statusSkipped
		v.Notes = []string{"needs the configuration: kiosk diag -config " + DefaultConfigPath}
	}
	if o.config == "" {
		for _, s := range []*health.Verdict{&rep.Config.Verdict, &rep.Printer.Verdict, &rep.GPIO.Verdict, &rep.Center.Verdict, &rep.Queue.Verdict, &rep.Disk.Verdict, &rep.Display.Verdict} {
			skip(s)
		}
		rep.Reader = pcsc.Diagnose(ctx, pattern, now)
		rep.Healthy = rep.Reader.Healthy()
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
		rep.Config.Failf("%v", err)
		rep.Config.Notef("check it with: kiosk check-config %s", o.config)
		rep.Config.Settle()
		for _, s := range []*health.Verdict{&rep.Printer.Verdict, &rep.GPIO.Verdict, &rep.Center.Verdict, &rep.Queue.Verdict, &rep.Disk.Verdict, &rep.Display.Verdict} {
			s.Status = statusSkipped
			s.Notes = []string{"the configuration has problems"}
		}
		rep.Reader = pcsc.Diagnose(ctx, pattern, now)
		rep.Healthy = false
		return rep, nil
	}
	if pattern == nil {
		pattern = cfg.Reader.NamePattern
	}
	rep.Config = config.Diagnose(cfg)
	if fileProblems != nil {
		rep.Config.Failf("%v", fileProblems)
		rep.Config.Settle()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	// The network and the reader are the slow parts: run them beside the rest.
	go func() { defer wg.Done(); rep.Center = diagnoseCenter(ctx, cfg, o.now) }()
	go func() { defer wg.Done(); rep.Reader = pcsc.Diagnose(ctx, pattern, now) }()
	rep.Printer = backend.Diagnose(ctx, cfg.Printer)
	g := cfg.GPIO
	rep.GPIO = gpio.Diagnose(gpio.PinNames{PaperLow: g.PaperLow, Door: g.Door, CardLED: g.CardLED, Buzzer: g.Buzzer, PaperTray: g.PaperTray})
	rep.Queue = diagnoseQueue(ctx, cfg, now)
	rep.Disk = diagnoseDisk(cfg, o.diskWarn)
	rep.Touch = touch.Diag(ctx, cfg.Screen)
	rep.Display = diagnoseDisplay(sysDRM)
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
	stderr = humanWriter(stderr)
	fs := flag.NewFlagSet("diag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cfgPath := fs.String("config", "", "configuration file (without it only the card reader is checked)")
	pat := fs.String("reader", "", "only readers whose name matches this regular expression (default: the configuration's)")
	diskWarn := fs.Uint64("disk-warn-mb", diskWarnBelowDeflt>>20, "warn when less than this many MiB are free for the queue")
	tap := fs.Bool("touch-tap", false, "wait for one touch on [screen]'s device and print its raw values and cell (calibration; stop the kiosk first)")
	cells := fs.String("touch-cells", "80x24", "the kiosk screen's COLUMNSxROWS, for -touch-tap")
	report := fs.String("report", "", "a report another program wrote (the appliance's provisioning), printed escaped before the checks when it exists and is not empty")
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
	var shown string
	if *report != "" {
		var err error
		if shown, err = readReport(*report); err != nil {
			fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	rep, err := diagnose(ctx, diagOptions{config: *cfgPath, reader: *pat, diskWarn: *diskWarn << 20})
	if err != nil {
		fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
		return 2
	}
	rep.Report = safetext.Lines(shown)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
			return 2
		}
	} else {
		out := humanWriter(stdout) // quotes cards, the center, the printer, files: escaped
		if shown != "" {
			fmt.Fprintf(out, "%s\n\n", shown)
		}
		rep.writeText(out)
	}
	if !rep.Healthy {
		return 1
	}
	return 0
}

// maxReport is how much of a -report file is shown: a screenful and more, never a
// file that fills the terminal's scrollback.
const maxReport = 16 << 10

// readReport reads a -report file for the screen: "" when it does not exist or is empty
// (the provisioning found nothing to say), cut at maxReport bytes with a note. The text
// quotes what a technician's partition held: it is written through humanWriter, which
// escapes every line.
func readReport(path string) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("-report: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxReport+1))
	if err != nil {
		return "", fmt.Errorf("-report %s: %w", path, err)
	}
	cut := len(b) > maxReport
	if cut {
		b = b[:maxReport]
		if i := bytes.LastIndexByte(b, '\n'); i > 0 {
			b = b[:i] // whole lines only
		}
	}
	s := strings.TrimRight(string(b), "\n")
	if cut {
		s += fmt.Sprintf("\n… (%s is longer than %d KiB; the rest is not shown)", path, maxReport>>10)
	}
	return s, nil
}

// writeText prints the report for a person: every section, then the verdict with
// every problem, so the last lines say what to do.
func (r *diagReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "kiosk diag %s at %s\n\n", r.Version, r.Checked.Format(time.RFC3339))
	r.Config.WriteText(w)
	r.Reader.WriteText(w)
	if r.Config.Status == statusSkipped {
		fmt.Fprintf(w, "\nonly the reader was checked: give the configuration for the rest (kiosk diag -config %s)\n", DefaultConfigPath)
	} else {
		r.Printer.WriteText(w)
		r.GPIO.WriteText(w)
		r.Center.WriteText(w)
		r.Queue.WriteText(w)
		r.Disk.WriteText(w)
		r.Touch.WriteFacts(w)
		td := r.touchVerdict()
		td.WriteText(w)
		r.Display.WriteText(w)
	}
	if r.Healthy {
		fmt.Fprintln(w, "\nhealthy")
	} else {
		fmt.Fprintln(w, "\nNOT HEALTHY:")
	}
	for _, s := range r.sections() {
		for _, p := range s.v.Problems {
			fmt.Fprintf(w, "  - %s: %s\n", s.name, safetext.String(p))
		}
	}
	for _, s := range r.sections() {
		for _, p := range s.v.Warnings {
			fmt.Fprintf(w, "  ~ %s: %s\n", s.name, safetext.String(p))
		}
	}
}

// touchVerdict is the touch section's verdict (screens/touch reports it).
func (r *diagReport) touchVerdict() health.Verdict {
	return health.Verdict{Status: r.Touch.Status, Problems: r.Touch.Problems, Warnings: r.Touch.Warnings, Notes: r.Touch.Notes}
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
