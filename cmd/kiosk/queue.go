package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"madoguchi/config"
	"madoguchi/offline"
	"madoguchi/offline/queuetool"
)

// `kiosk queue` is the technician's view of the store-and-forward queue
// (offline/queuetool shows it and never a payload): list, stats, alerts and export
// read the database read-only (safe beside a running kiosk); retry and ack write
// through the queue package, one short transaction each.

const queueUsage = `usage: kiosk queue [-config FILE] COMMAND
commands:
  stats                      counts, oldest undelivered message, alerts
  list [-all] [-json]        undelivered messages (-all: delivered ones kept for audit too)
  alerts [-json]             alerts for the technician not yet acknowledged
  ack ID...|-all             acknowledge alerts
  retry SEQ...|-all-parked   put messages the center refused back in the queue
  discard SEQ...|-all-parked delete applications the center refused, with the resident's data
  export FILE                write stats, messages and alerts as JSON to FILE (new file)
payloads are never shown or exported.`

func runQueue(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stderr = humanWriter(stderr) // errors quote the center and files: escaped
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
		"retry": queueRetryCmd, "discard": queueDiscardCmd, "export": queueExportCmd,
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

// queueRead opens the queue read-only for one reading subcommand and runs it; prog
// names the subcommand in run's errors.
func queueRead(ctx context.Context, cfg *config.Config, prog string, stderr io.Writer, run func(queuetool.Reader) error) int {
	q, err := offline.OpenReadOnly(ctx, cfg.Queue.Path)
	if err != nil {
		prog = "kiosk queue"
	} else {
		defer q.Close()
		err = run(q)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	return 0
}

// queueFlags parses a subcommand's flags; ok is false (usage printed) when they or
// the count of arguments (argsOK) are wrong.
func queueFlags(name, usage string, args []string, stderr io.Writer, argsOK func(set map[string]*bool, n int) bool, bools ...string) (map[string]*bool, []string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	set := map[string]*bool{}
	for i := 0; i+1 < len(bools); i += 2 {
		set[bools[i]] = fs.Bool(bools[i], false, bools[i+1])
	}
	if fs.Parse(args) != nil || !argsOK(set, fs.NArg()) {
		fmt.Fprintln(stderr, usage)
		return nil, nil, false
	}
	return set, fs.Args(), true
}

func noArgs(_ map[string]*bool, n int) bool { return n == 0 }

func queueStatsCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	f, _, ok := queueFlags("queue stats", "usage: kiosk queue stats [-json]", args, stderr, noArgs, "json", "JSON output")
	if !ok {
		return 2
	}
	return queueRead(ctx, cfg, "kiosk queue", stderr, func(q queuetool.Reader) error {
		return queuetool.Stats(ctx, q, stdout, *f["json"], cfg.Queue.Path, offlineOptions(cfg.Queue), time.Now())
	})
}

func queueListCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	f, _, ok := queueFlags("queue list", "usage: kiosk queue list [-all] [-json]", args, stderr, noArgs,
		"all", "include delivered messages kept for audit", "json", "JSON output")
	if !ok {
		return 2
	}
	return queueRead(ctx, cfg, "kiosk queue", stderr, func(q queuetool.Reader) error {
		return queuetool.List(ctx, q, stdout, *f["json"], *f["all"], time.Now())
	})
}

func queueAlertsCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	f, _, ok := queueFlags("queue alerts", "usage: kiosk queue alerts [-json]", args, stderr, noArgs, "json", "JSON output")
	if !ok {
		return 2
	}
	return queueRead(ctx, cfg, "kiosk queue", stderr, func(q queuetool.Reader) error {
		return queuetool.Alerts(ctx, q, stdout, *f["json"])
	})
}

func queueExportCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(stderr, "usage: kiosk queue export FILE")
		return 2
	}
	var ex queuetool.Export
	if code := queueRead(ctx, cfg, "kiosk queue export", stderr, func(q queuetool.Reader) (err error) {
		ex, err = queuetool.Collect(ctx, q, queuetool.Export{KioskID: cfg.Kiosk.ID, Location: cfg.Kiosk.Location,
			Version: version + " (" + commit + ")"}, time.Now())
		return err
	}); code != 0 {
		return code
	}
	if err := queuetool.WriteFile(args[0], ex); err != nil {
		fmt.Fprintf(stderr, "kiosk queue export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "exported %d messages and %d alerts to %s (no payloads)\n", len(ex.Messages), len(ex.Alerts), args[0])
	return 0
}

// queueWrite parses the arguments of retry and ack (ids, or the flag all) and opens
// the queue for a technician's write: only a file that exists and is sound
// (offline.OpenExisting).
func queueWrite(ctx context.Context, cfg *config.Config, name, usage, all, allUsage string, args []string, stderr io.Writer,
	run func(st *offline.Store, ids []int64, all bool) int) int {
	prog := "kiosk " + name
	f, rest, ok := queueFlags(name, usage, args, stderr, func(f map[string]*bool, n int) bool { return (*f[all]) != (n > 0) }, all, allUsage)
	if !ok {
		return 2
	}
	ids, err := queuetool.ParseIDs(rest)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 2
	}
	st, err := offline.OpenExisting(ctx, cfg.Queue.Path, offlineOptions(cfg.Queue))
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	defer st.Close()
	return run(st, ids, *f[all])
}

func queueRetryCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	return queueWrite(ctx, cfg, "queue retry", "usage: kiosk queue retry SEQ...|-all-parked", "all-parked", "every parked message", args, stderr,
		func(st *offline.Store, seqs []int64, all bool) int {
			return queuetool.Retry(ctx, st, seqs, all, "kiosk queue retry", stdout, stderr)
		})
}

func queueDiscardCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	return queueWrite(ctx, cfg, "queue discard", "usage: kiosk queue discard SEQ...|-all-parked", "all-parked", "every parked application", args, stderr,
		func(st *offline.Store, seqs []int64, all bool) int {
			return queuetool.Discard(ctx, st, seqs, all, "kiosk queue discard", stdout, stderr)
		})
}

func queueAckCmd(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	return queueWrite(ctx, cfg, "queue ack", "usage: kiosk queue ack ID...|-all", "all", "every alert", args, stderr,
		func(st *offline.Store, ids []int64, all bool) int {
			return queuetool.Ack(ctx, st, ids, all, "kiosk queue ack", stdout, stderr)
		})
}
