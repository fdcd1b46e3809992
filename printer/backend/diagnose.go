package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"madoguchi/config"
	"madoguchi/internal/health"
	"madoguchi/internal/i18n"
	"madoguchi/printer"
	"madoguchi/printer/layout"
)

// Diagnosis is what Diagnose found: the printer section of `kiosk diag`.
type Diagnosis struct {
	health.Verdict
	Target string          `json:"target,omitempty"`
	State  *printer.Status `json:"state,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Diagnose reads the state of the back end p names, opened for a status read only
// (OpenStatus). A device the running kiosk holds (EBUSY) is a warning, not a failure.
// It checks the fonts too (checkFonts).
func Diagnose(ctx context.Context, p config.Printer) (d Diagnosis) {
	d = Diagnosis{Target: p.Target()}
	defer d.Settle()
	checkFonts(&d.Verdict, p.Font, layout.DefaultFallbacks)
	be, err := OpenStatus(p)
	if err != nil {
		d.Error = err.Error()
		if errors.Is(err, syscall.EBUSY) {
			d.Warnf("printer device is busy: the running kiosk holds it (see the status endpoint, or stop the kiosk to check it)")
			return d
		}
		d.Failf("printer cannot be opened: %v", err)
		return d
	}
	defer be.Close()
	st, err := be.Status(ctx)
	if err != nil {
		d.Error = err.Error()
		d.Failf("printer not answering: %v", err)
		return d
	}
	d.State = &st
	if err := st.Err(); err != nil {
		d.Failf("%v", err)
	}
	if st.PaperLow {
		d.Warnf("paper low: refill soon")
	}
	return d
}

// checkFonts loads the layout's fonts as printing does: without the certificate font
// nothing prints (a failure); a receipt language whose fallback font is missing prints
// its receipts in Japanese and English (a warning that names the package to install).
func checkFonts(v *health.Verdict, font string, fbs []layout.Fallback) {
	lay, err := layout.New(layout.Options{FontPath: font, Fallbacks: fbs})
	if err != nil {
		v.Failf("printer font: %v", err)
		return
	}
	for _, tag := range i18n.Catalogued() {
		if _, why := lay.ReceiptLanguageReason(tag); why != nil {
			v.Warnf("%v; until then its receipts print in Japanese and English", why)
		}
	}
}

// WriteText prints the section for a technician.
func (d *Diagnosis) WriteText(w io.Writer) {
	fmt.Fprintf(w, "printer [%s]\n", d.Status)
	if d.Target != "" {
		fmt.Fprintf(w, "  target           %s\n", d.Target)
	}
	if d.State != nil {
		fmt.Fprintf(w, "  state            %s\n", d.State)
	}
	d.Verdict.WriteText(w)
}
