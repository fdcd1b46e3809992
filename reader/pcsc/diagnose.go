package pcsc

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"madoguchi/internal/health"
	"madoguchi/internal/safetext"
	"madoguchi/reader"
)

// Diagnosis is what Diagnose found: the reader section of `kiosk diag`.
type Diagnosis struct {
	Status   string            `json:"status"`  // health.OK or health.Fail
	Service  string            `json:"service"` // "ok" or what went wrong
	Pattern  string            `json:"pattern,omitempty"`
	Readers  []ReaderDiagnosis `json:"readers"`
	Problems []string          `json:"problems,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
}

// ReaderDiagnosis is one reader and the card in it.
type ReaderDiagnosis struct {
	Name     string         `json:"name"`
	Card     bool           `json:"card_present"`
	ATR      string         `json:"atr,omitempty"`
	Protocol string         `json:"protocol,omitempty"`
	Inspect  *reader.Report `json:"card,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// NoExtendedNote is the diagnosis's note for a reader (with this card) that does not take
// extended-length APDUs: it works, in more exchanges.
const NoExtendedNote = "no extended-length APDUs through this reader (or card): the kiosk reads in 256-byte short APDUs, which works but takes more exchanges; fine unless the reader is also slow"

// Healthy reports whether nothing failed.
func (d *Diagnosis) Healthy() bool { return len(d.Problems) == 0 }

// Diagnose lists the readers matching pattern and inspects every card present,
// spending no PIN try. A missing service or no reader at all is a problem; no card is not.
func Diagnose(ctx context.Context, pattern *regexp.Regexp, now time.Time) (d Diagnosis) {
	d = Diagnosis{Service: "ok", Readers: []ReaderDiagnosis{}}
	defer func() {
		d.Status = health.OK
		if !d.Healthy() {
			d.Status = health.Fail
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
	x, err := Open()
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
		e := ReaderDiagnosis{Name: s.Reader, Card: s.Present}
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
				if x := e.Inspect.ExtendedLength; x != nil && !*x {
					d.Notes = append(d.Notes, s.Reader+": "+NoExtendedNote)
				}
			}
		}
		d.Readers = append(d.Readers, e)
	}
	return d
}

func inspectCard(ctx context.Context, x *Context, e *ReaderDiagnosis, now time.Time) {
	card, err := x.Connect(ctx, e.Name, Options{Shared: true})
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

// WriteText prints the section for a technician.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "reader [%s]\n", d.Status)
	fmt.Fprintf(w, "  pc/sc service    %s\n", safetext.String(d.Service))
	if d.Pattern != "" {
		fmt.Fprintf(w, "  reader pattern   %s\n", safetext.String(d.Pattern))
	}
	for _, r := range d.Readers {
		fmt.Fprintf(w, "  reader           %s\n", safetext.String(r.Name))
		if !r.Card {
			fmt.Fprintln(w, "    card           none")
			continue
		}
		fmt.Fprintf(w, "    card           present, ATR %s %s\n", safetext.String(r.ATR), safetext.String(r.Protocol))
		if c := r.Inspect; c != nil {
			if c.JPKI {
				fmt.Fprintf(w, "    jpki           yes (%s, %s)\n", safetext.String(c.Token), safetext.String(c.Device))
				if c.Device == "android" {
					fmt.Fprintln(w, "    auth cert      not read: an Android phone shows it only after its PIN")
				}
			} else {
				fmt.Fprintf(w, "    jpki           no %s\n", safetext.String(c.Token))
			}
			if a := c.AuthCert; a != nil {
				fmt.Fprintf(w, "    auth cert      %s, issued by %s\n", safetext.String(a.Subject), safetext.String(a.Issuer))
				fmt.Fprintf(w, "                   %s to %s (%s)\n", a.NotBefore.Format(time.DateOnly), a.NotAfter.Format(time.DateOnly), a.Validity)
			}
			if x := c.ExtendedLength; x != nil {
				if *x {
					fmt.Fprintln(w, "    extended apdu  yes (a certificate in two reads)")
				} else {
					fmt.Fprintln(w, "    extended apdu  no: short APDUs with chained reads")
				}
			}
			if c.AuthTries != nil {
				fmt.Fprintf(w, "    auth pin       %d tries left\n", *c.AuthTries)
			}
			if c.SignTries != nil {
				fmt.Fprintf(w, "    sign password  %d tries left\n", *c.SignTries)
			}
		}
		if r.Error != "" {
			fmt.Fprintf(w, "    error          %s\n", safetext.String(r.Error))
		}
	}
	for _, p := range d.Problems {
		fmt.Fprintf(w, "  FAIL             %s\n", safetext.String(p))
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note             %s\n", safetext.String(n))
	}
}
