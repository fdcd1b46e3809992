package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"madoguchi/config"
	"madoguchi/internal/safetext"
	"madoguchi/offline"
)

// `kiosk queue` is the technician's view of the store-and-forward queue.
//
// What it shows of a message: sequence number, kind, state, attempts, the center's
// refusal reason, ages, its idempotency key, session id and payload size. Never the
// payload: it holds what the center needs (issue key, certificate type, fee, payment
// reference), which a technician does not need and should not carry away on a laptop.
// The keys and sequence numbers are enough to find a message at the center.
//
// list, stats and export open the database read-only (safe beside a running kiosk);
// retry and ack write through the queue package, one short transaction each.

const queueUsage = `usage: kiosk queue [-config FILE] COMMAND
commands:
  stats                      counts, oldest undelivered message, alerts
  list [-all] [-json]        undelivered messages (-all: delivered ones kept for audit too)
  alerts [-json]             alerts for the technician not yet acknowledged
  ack ID...|-all             acknowledge alerts
  retry SEQ...|-all-parked   put messages the center refused back in the queue
  export FILE                write stats, messages and alerts as JSON to FILE (new file)
payloads are never shown or exported.`

func runQueue(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = humanWriter(stderr)
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, queueUsage) }
	path := fs.String("config", DefaultConfigPath, "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, queueUsage)
		return 2
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	sub, ok := map[string]func(context.Context, *config.Config, []string, io.Writer, io.Writer) int{
		"stats": queueStatsCmd, "list": queueListCmd, "alerts": queueAlertsCmd, "ack": queueAckCmd,
		"retry": queueRetryCmd, "export": queueExportCmd,
	}[cmd]
	if !ok {
		fmt.Fprintf(stderr, "kiosk queue: unknown command %q\n%s\n", cmd, queueUsage)
		return 2
	}
	cfg, err := loadQueueConfig(*path)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue: %v\n", err)
		return 1
	}
	return sub(ctx, cfg, rest, stdout, stderr)
}

// loadQueueConfig reads and validates the configuration without checking the files it
// names: the queue is readable even when, say, the TLS key is what is broken.
func loadQueueConfig(path string) (*config.Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: config file does not exist", path)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	if fi.Size() > config.MaxFileSize {
		return nil, fmt.Errorf("%s: config file is too large", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return config.Parse(path, data)
}

func queueOpen(ctx context.Context, cfg *config.Config, stderr io.Writer) (*offline.ReadOnly, bool) {
	q, err := offline.OpenReadOnly(ctx, cfg.Queue.Path)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue: %v\n", err)
		return nil, false
	}
	return q, true
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func queueStatsCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "JSON output")
	if fs.Parse(args) != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: kiosk queue stats [-json]")
		return 2
	}
	q, ok := queueOpen(ctx, cfg, stderr)
	if !ok {
		return 1
	}
	defer q.Close()
	st, err := q.Stats(ctx, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue: %v\n", err)
		return 1
	}
	if *asJSON {
		if err := writeJSON(stdout, st); err != nil {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stdout, "queue            %s\n", cfg.Queue.Path)
	fmt.Fprintf(stdout, "pending          %d\n", st.Pending)
	fmt.Fprintf(stdout, "parked           %d\n", st.Parked)
	fmt.Fprintf(stdout, "undelivered      %s (cap %s), %d messages (cap %d)\n", mib(uint64(st.UndeliveredB)), mib(uint64(cfg.Queue.MaxBytes)), st.Pending+st.Parked, cfg.Queue.MaxMessages)
	if st.Oldest != nil {
		fmt.Fprintf(stdout, "oldest           %s (%s ago; cap %s)\n", st.Oldest.Format(time.RFC3339), secs(st.OldestAgeS), cfg.Queue.MaxAge)
	} else {
		fmt.Fprintln(stdout, "oldest           -")
	}
	fmt.Fprintf(stdout, "delivered, kept  %d\n", st.Delivered)
	fmt.Fprintf(stdout, "last seq         %d\n", st.LastSeq)
	fmt.Fprintf(stdout, "open sessions    %d (flagged %d)\n", st.OpenSessions, st.FlaggedSession)
	fmt.Fprintf(stdout, "alerts           %d\n", st.Alerts)
	return 0
}

func secs(s float64) time.Duration { return time.Duration(s) * time.Second }

func queueListCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	all := fs.Bool("all", false, "include delivered messages kept for audit")
	asJSON := fs.Bool("json", false, "JSON output")
	if fs.Parse(args) != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: kiosk queue list [-all] [-json]")
		return 2
	}
	q, ok := queueOpen(ctx, cfg, stderr)
	if !ok {
		return 1
	}
	defer q.Close()
	states := []offline.MessageState{offline.StatePending, offline.StateParked}
	if *all {
		states = nil
	}
	rows, err := q.List(ctx, time.Now(), states...)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue: %v\n", err)
		return 1
	}
	if *asJSON {
		if err := writeJSON(stdout, rows); err != nil {
			return 1
		}
		return 0
	}
	tw := tabwriter.NewWriter(humanWriter(stdout), 0, 4, 2, ' ', 0) // last errors quote the center
	fmt.Fprintln(tw, "SEQ\tKIND\tSTATE\tATTEMPTS\tAGE\tKEY\tLAST ERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Seq, r.Kind, r.State, r.Attempts, secs(r.AgeS), r.Key, safetext.String(r.LastError))
	}
	tw.Flush()
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "(nothing waiting for the center)")
	}
	return 0
}

func queueAlertsCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue alerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "JSON output")
	if fs.Parse(args) != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: kiosk queue alerts [-json]")
		return 2
	}
	q, ok := queueOpen(ctx, cfg, stderr)
	if !ok {
		return 1
	}
	defer q.Close()
	al, err := q.Alerts(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue: %v\n", err)
		return 1
	}
	if *asJSON {
		if err := writeJSON(stdout, al); err != nil {
			return 1
		}
		return 0
	}
	for _, a := range al {
		fmt.Fprintf(humanWriter(stdout), "%d  %s  %s  %s\n", a.ID, a.At.Format(time.RFC3339), a.Kind, safetext.String(a.Detail))
	}
	if len(al) == 0 {
		fmt.Fprintln(stdout, "(no alerts)")
	}
	return 0
}

// seqArgs parses the numeric arguments of retry and ack.
func seqArgs(args []string) ([]int64, error) {
	var out []int64
	for _, a := range args {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a number", a)
		}
		out = append(out, n)
	}
	return out, nil
}

// openQueueRW opens the queue for a technician's write (retry, ack): only a file that
// exists and is sound (offline.OpenExisting).
func openQueueRW(ctx context.Context, cfg *config.Config) (*offline.Store, error) {
	return offline.OpenExisting(ctx, cfg.Queue.Path, offlineOptions(cfg.Queue))
}

// restartHint: the running kiosk's sync worker finds messages a separate process put
// back when it next looks at the queue (a new message, or its hourly pass); a restart
// makes it look at once.
const restartHint = "a running kiosk sends them with its next upload (after the next session, within an hour at the latest); to send them now: systemctl restart madoguchi-kiosk"

func queueRetryCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue retry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	allParked := fs.Bool("all-parked", false, "every parked message")
	if fs.Parse(args) != nil || (*allParked) == (fs.NArg() > 0) {
		fmt.Fprintln(stderr, "usage: kiosk queue retry SEQ...|-all-parked")
		return 2
	}
	seqs, err := seqArgs(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue retry: %v\n", err)
		return 2
	}
	st, err := openQueueRW(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue retry: %v\n", err)
		return 1
	}
	defer st.Close()
	if *allParked {
		parked, err := st.Parked(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "kiosk queue retry: %v\n", err)
			return 1
		}
		for _, p := range parked {
			seqs = append(seqs, p.Seq)
		}
	}
	code, done := 0, 0
	for _, s := range seqs {
		if err := st.Requeue(ctx, s); err != nil {
			fmt.Fprintf(stderr, "kiosk queue retry: seq %d: %v\n", s, err)
			code = 1
			continue
		}
		done++
		fmt.Fprintf(stdout, "seq %d back in the queue\n", s)
	}
	if done > 0 {
		fmt.Fprintln(stdout, restartHint)
	} else if len(seqs) == 0 {
		fmt.Fprintln(stdout, "no parked messages")
	}
	return code
}

func queueAckCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue ack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	all := fs.Bool("all", false, "every alert")
	if fs.Parse(args) != nil || (*all) == (fs.NArg() > 0) {
		fmt.Fprintln(stderr, "usage: kiosk queue ack ID...|-all")
		return 2
	}
	ids, err := seqArgs(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue ack: %v\n", err)
		return 2
	}
	st, err := openQueueRW(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue ack: %v\n", err)
		return 1
	}
	defer st.Close()
	open, err := st.Alerts(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue ack: %v\n", err)
		return 1
	}
	known := map[int64]bool{}
	for _, a := range open {
		known[a.ID] = true
		if *all {
			ids = append(ids, a.ID)
		}
	}
	code := 0
	for _, id := range ids {
		if !known[id] {
			fmt.Fprintf(stderr, "kiosk queue ack: no open alert %d\n", id)
			code = 1
			continue
		}
		if err := st.AckAlert(ctx, id); err != nil {
			fmt.Fprintf(stderr, "kiosk queue ack: %d: %v\n", id, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "alert %d acknowledged\n", id)
	}
	return code
}

// queueRow is one message as `kiosk queue list -json` and the export show it.
type queueRow = offline.MessageInfo

// queueExport is the file a technician hands over (to the center's operators or the
// vendor): everything about the queue except the payloads.
type queueExport struct {
	Format     string          `json:"format"` // "madoguchi-queue-export/1"
	KioskID    string          `json:"kiosk_id"`
	Location   string          `json:"location"`
	Exported   time.Time       `json:"exported"`
	Version    string          `json:"version"`
	QuickCheck string          `json:"quick_check"`
	Stats      offline.Stats   `json:"stats"`
	Messages   []queueRow      `json:"messages"`
	Alerts     []offline.Alert `json:"alerts"`
}

func queueExportCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: kiosk queue export FILE")
		return 2
	}
	q, ok := queueOpen(ctx, cfg, stderr)
	if !ok {
		return 1
	}
	defer q.Close()
	now := time.Now()
	ex := queueExport{Format: "madoguchi-queue-export/1", KioskID: cfg.Kiosk.ID, Location: cfg.Kiosk.Location,
		Exported: now.UTC(), Version: version + " (" + commit + ")"}
	var err error
	if ex.QuickCheck, err = q.QuickCheck(ctx); err == nil {
		if ex.Stats, err = q.Stats(ctx, now); err == nil {
			if ex.Messages, err = q.List(ctx, now); err == nil {
				ex.Alerts, err = q.Alerts(ctx)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiosk queue export: %v\n", err)
		return 1
	}
	// A new file only: an export never overwrites anything.
	f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(stderr, "kiosk queue export: %s exists; choose a new file name\n", args[0])
		} else {
			fmt.Fprintf(stderr, "kiosk queue export: %v\n", err)
		}
		return 1
	}
	err = writeJSON(f, ex)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(args[0])
		fmt.Fprintf(stderr, "kiosk queue export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "exported %d messages and %d alerts to %s (no payloads)\n", len(ex.Messages), len(ex.Alerts), args[0])
	return 0
}
