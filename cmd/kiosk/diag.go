package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"madoguchi/reader"
	"madoguchi/reader/pcsc"
)

// readerDiag is the reader section of `kiosk diag`.
type readerDiag struct {
	Service  string        `json:"service"` // "ok" or what went wrong
	Pattern  string        `json:"pattern,omitempty"`
	Readers  []readerEntry `json:"readers"`
	Problems []string      `json:"problems,omitempty"`
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
func diagnoseReaders(ctx context.Context, pattern *regexp.Regexp, now time.Time) readerDiag {
	d := readerDiag{Service: "ok", Readers: []readerEntry{}}
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
	fmt.Fprintln(w, "reader")
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
}

// diagReport is everything `kiosk diag` checks.
type diagReport struct {
	Healthy bool       `json:"healthy"`
	Checked time.Time  `json:"checked"`
	Reader  readerDiag `json:"reader"`
}

func runDiag(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pat := fs.String("reader", "", "only readers whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var pattern *regexp.Regexp
	if *pat != "" {
		var err error
		if pattern, err = regexp.Compile(*pat); err != nil {
			fmt.Fprintf(stderr, "kiosk diag: -reader: %v\n", err)
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	now := time.Now()
	rep := diagReport{Checked: now.UTC(), Reader: diagnoseReaders(ctx, pattern, now)}
	rep.Healthy = rep.Reader.healthy()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "kiosk diag: %v\n", err)
			return 2
		}
	} else {
		rep.Reader.writeText(stdout)
		if rep.Healthy {
			fmt.Fprintln(stdout, "\nhealthy")
		} else {
			fmt.Fprintf(stdout, "\nNOT HEALTHY:\n  - %s\n", strings.Join(rep.Reader.Problems, "\n  - "))
		}
	}
	if !rep.Healthy {
		return 1
	}
	return 0
}
