package ipp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goipp "github.com/phin1x/go-ipp"

	"madoguchi/printer"
)

// Defaults for Options.
const (
	DefaultUsername       = "madoguchi"
	DefaultPollInterval   = 500 * time.Millisecond
	DefaultRequestTimeout = 15 * time.Second
	cancelTimeout         = 5 * time.Second
)

// Options configures a Printer. Zero values take the Default… constants.
type Options struct {
	// URI is the printer: ipp://host[:631]/ipp/print (IPP Everywhere),
	// ipp://host:631/printers/NAME (CUPS), or ipps://… for TLS. Required.
	URI            string
	Username       string        // requesting-user-name
	PollInterval   time.Duration // how often the job is polled
	RequestTimeout time.Duration // per HTTP request
}

// Printer is an IPP printer. It is safe for concurrent use, but the kiosk prints
// one job at a time.
type Printer struct {
	opts       Options
	printerURI string
	httpURL    string
	client     *http.Client
	adapter    *goipp.HttpAdapter
}

// New checks the options; it does not contact the printer.
func New(opts Options) (*Printer, error) {
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	u, err := url.Parse(opts.URI)
	if err != nil {
		return nil, fmt.Errorf("ipp: printer uri %q: %w", opts.URI, err)
	}
	var tls bool
	switch u.Scheme {
	case "ipp":
	case "ipps":
		tls = true
	default:
		return nil, fmt.Errorf("ipp: printer uri %q: scheme must be ipp or ipps", opts.URI)
	}
	host := u.Hostname()
	if host == "" || u.Path == "" || u.Path == "/" {
		return nil, fmt.Errorf("ipp: printer uri %q: needs a host and a path such as /ipp/print", opts.URI)
	}
	port := 631
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("ipp: printer uri %q: bad port", opts.URI)
		}
	}
	client := &http.Client{Timeout: opts.RequestTimeout}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return &Printer{
		opts:       opts,
		printerURI: u.String(),
		httpURL:    scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + u.EscapedPath(),
		client:     client,
		adapter:    goipp.NewHttpAdapter(host, port, "", "", tls, goipp.WithHttpClient(client)),
	}, nil
}

// String names the printer.
func (p *Printer) String() string { return "ipp(" + p.printerURI + ")" }

// Close drops idle connections. Jobs already accepted by the printer are its own.
func (p *Printer) Close() error {
	p.client.CloseIdleConnections()
	return nil
}

func (p *Printer) send(ctx context.Context, req *goipp.Request) (*goipp.Response, error) {
	req.OperationAttributes[goipp.AttributeRequestingUserName] = p.opts.Username
	return p.adapter.SendRequestContext(ctx, p.httpURL, req, nil)
}

// classify maps transport errors to printer.ErrOffline; IPP status errors pass
// through wrapped.
func (p *Printer) classify(op string, err error) error {
	var ippErr goipp.IPPError
	if errors.As(err, &ippErr) {
		return fmt.Errorf("ipp: %s on %s: %w", op, p.printerURI, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("ipp: %s on %s: %w", op, p.printerURI, err)
	}
	return fmt.Errorf("ipp: %s on %s: %w (%v)", op, p.printerURI, printer.ErrOffline, err)
}

// Status reads printer-state and printer-state-reasons.
func (p *Printer) Status(ctx context.Context) (printer.Status, error) {
	req := goipp.NewRequest(goipp.OperationGetPrinterAttributes, 1)
	req.OperationAttributes[goipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[goipp.AttributeRequestedAttributes] = []string{
		goipp.AttributePrinterState, goipp.AttributePrinterStateReasons, goipp.AttributePrinterIsAcceptingJobs,
	}
	resp, err := p.send(ctx, req)
	if err != nil {
		return printer.Status{}, p.classify("get-printer-attributes", err)
	}
	if len(resp.PrinterAttributes) == 0 {
		return printer.Status{}, fmt.Errorf("ipp: get-printer-attributes on %s: no printer attributes", p.printerURI)
	}
	a := resp.PrinterAttributes[0]
	state := intAttr(a, goipp.AttributePrinterState)
	return statusFrom(state, keywords(a, goipp.AttributePrinterStateReasons)), nil
}

// statusFrom interprets printer-state and printer-state-reasons.
func statusFrom(state int, reasons []string) printer.Status {
	st := printer.Status{Online: state != int(goipp.PrinterStateStopped)}
	for _, r := range reasons {
		if r == "none" || r == "" {
			continue
		}
		st.Reasons = append(st.Reasons, r)
		switch baseKeyword(r) {
		case "media-empty", "media-needed", "input-tray-missing":
			st.PaperOut = true
		case "media-low":
			st.PaperLow = true
		case "door-open", "cover-open", "interlock-open":
			st.CoverOpen = true
		case "media-jam", "jam", "output-area-full":
			st.Jam = true
		case "offline", "shutdown", "paused", "moving-to-paused", "connecting-to-device", "timed-out":
			st.Online = false
		}
	}
	return st
}

func baseKeyword(k string) string {
	for _, s := range []string{"-error", "-warning", "-report"} {
		if strings.HasSuffix(k, s) {
			return strings.TrimSuffix(k, s)
		}
	}
	return k
}

func intAttr(a goipp.Attributes, name string) int {
	if v := a[name]; len(v) > 0 {
		if i, ok := v[0].Value.(int); ok {
			return i
		}
	}
	return 0
}

func keywords(a goipp.Attributes, name string) []string {
	var out []string
	for _, v := range a[name] {
		if s, ok := v.Value.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// PrintPDF submits pdf (pages pages, copies copies) as job name and follows it to
// its end. Only a completed job returns nil.
func (p *Printer) PrintPDF(ctx context.Context, name string, pdf []byte, pages, copies int) (printer.Result, error) {
	copies = max(copies, 1)
	res := printer.Result{}
	if len(pdf) == 0 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return res, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("ipp: not a PDF: %w", printer.ErrBadDocument)}
	}
	st, err := p.Status(ctx)
	if err != nil {
		return res, &printer.JobError{Stage: printer.StageBefore, Err: err}
	}
	if err := st.Err(); err != nil {
		return res, &printer.JobError{Stage: printer.StageBefore, Err: fmt.Errorf("ipp: %s: %w [%s]", p.printerURI, err, st)}
	}

	req := goipp.NewRequest(goipp.OperationPrintJob, 2)
	req.OperationAttributes[goipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[goipp.AttributeJobName] = name
	req.OperationAttributes[goipp.AttributeDocumentFormat] = "application/pdf"
	req.JobAttributes[goipp.AttributeCopies] = copies
	req.File = bytes.NewReader(pdf)
	req.FileSize = len(pdf)
	resp, err := p.send(ctx, req)
	if err != nil {
		stage := printer.StageDuring // the printer may have the job
		var ippErr goipp.IPPError
		if errors.As(err, &ippErr) {
			stage = printer.StageBefore // refused
		}
		return res, &printer.JobError{Stage: stage, Err: p.classify("print-job", err)}
	}
	res.Bytes = int64(len(pdf))
	if len(resp.JobAttributes) == 0 || intAttr(resp.JobAttributes[0], goipp.AttributeJobID) <= 0 {
		return res, &printer.JobError{Stage: printer.StageDuring, Err: fmt.Errorf("ipp: print-job on %s: no job id in answer", p.printerURI)}
	}
	id := intAttr(resp.JobAttributes[0], goipp.AttributeJobID)

	tick := time.NewTicker(p.opts.PollInterval)
	defer tick.Stop()
	for {
		state, reasons, msg, err := p.job(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return res, p.cancel(ctx, id)
			}
			return res, &printer.JobError{Stage: printer.StageDuring, Err: err}
		}
		switch int8(state) {
		case goipp.JobStateCompleted:
			res.Pages = pages * copies
			return res, nil
		case goipp.JobStateAborted, goipp.JobStateCanceled:
			// The printer's condition explains the abort for the resident screen.
			err := fmt.Errorf("ipp: job %d on %s ended %s (%s; %s): %w", id, p.printerURI,
				jobStateName(state), strings.Join(reasons, ","), msg, printer.ErrJobAborted)
			if st, serr := p.Status(context.WithoutCancel(ctx)); serr == nil && st.Err() != nil && st.Err() != printer.ErrOffline {
				err = fmt.Errorf("%w; printer: %w [%s]", err, st.Err(), st)
			}
			return res, &printer.JobError{Stage: printer.StageDuring, Err: err}
		}
		select {
		case <-ctx.Done():
			return res, p.cancel(ctx, id)
		case <-tick.C:
		}
	}
}

func jobStateName(s int) string {
	switch int8(s) {
	case goipp.JobStateAborted:
		return "aborted"
	case goipp.JobStateCanceled:
		return "canceled"
	case goipp.JobStateCompleted:
		return "completed"
	}
	return strconv.Itoa(s)
}

// cancel cancels job id after ctx ended and returns the error to report.
func (p *Printer) cancel(ctx context.Context, id int) error {
	cctx, done := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer done()
	req := goipp.NewRequest(goipp.OperationCancelJob, 4)
	req.OperationAttributes[goipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[goipp.AttributeJobID] = id
	var cerr error
	if _, err := p.send(cctx, req); err != nil {
		cerr = fmt.Errorf("; cancel-job: %v", err)
	}
	return &printer.JobError{Stage: printer.StageDuring, Err: fmt.Errorf("ipp: job %d on %s: %w%v", id, p.printerURI, ctx.Err(), cerr)}
}

func (p *Printer) job(ctx context.Context, id int) (state int, reasons []string, msg string, err error) {
	req := goipp.NewRequest(goipp.OperationGetJobAttributes, 3)
	req.OperationAttributes[goipp.AttributePrinterURI] = p.printerURI
	req.OperationAttributes[goipp.AttributeJobID] = id
	req.OperationAttributes[goipp.AttributeRequestedAttributes] = []string{
		goipp.AttributeJobState, goipp.AttributeJobStateReasons, goipp.AttributeJobStateMessage,
	}
	resp, err := p.send(ctx, req)
	if err != nil {
		return 0, nil, "", p.classify("get-job-attributes", err)
	}
	if len(resp.JobAttributes) == 0 {
		return 0, nil, "", fmt.Errorf("ipp: get-job-attributes on %s: no job attributes", p.printerURI)
	}
	a := resp.JobAttributes[0]
	if v := a[goipp.AttributeJobStateMessage]; len(v) > 0 {
		msg, _ = v[0].Value.(string)
	}
	return intAttr(a, goipp.AttributeJobState), keywords(a, goipp.AttributeJobStateReasons), msg, nil
}
