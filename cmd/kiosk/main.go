package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"madoguchi/config"
	"madoguchi/internal/safetext"
)

// Stamped at build time: go build -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "unknown"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"demo", "run the whole kiosk with a virtual card, an in-process center and a file printer", runDemo},
		{"run", "run the kiosk appliance from its configuration file (-config)", runRun},
		{"diag", "check reader, card, printer, GPIO, center, clock, queue and disk (-config FILE, --json)", runDiag},
		{"queue", "inspect the queue for the center: stats, list, alerts, ack, retry, export (no payloads)", runQueue},
		{"voice-cache", "synthesize every sentence of the spoken guide into its cache folder (-config FILE)", runVoiceCache},
		{"check-config", "check a configuration file and list every problem", runCheckConfig},
		{"config", "`config example` prints the documented example configuration", runConfig},
		{"version", "print the version and commit", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "kiosk: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kiosk <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
}

func runCheckConfig(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kiosk check-config FILE")
		return 2
	}
	if !config.Check(args[0], stdout) {
		return 1
	}
	return 0
}

func runConfig(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "example" {
		fmt.Fprintln(stderr, "usage: kiosk config example")
		return 2
	}
	if _, err := stdout.Write(config.Example()); err != nil {
		fmt.Fprintf(stderr, "kiosk config example: %v\n", err)
		return 1
	}
	return 0
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "kiosk %s (commit %s)\n", version, commit)
	return 0
}

// humanWriter escapes what is written through it with internal/safetext, line by line:
// text for a person that may quote a card, a center, a printer or a file cannot put a
// control or a bidi override on the terminal. Clean text passes unchanged; JSON output
// does not go through it, nor does `kiosk run`'s log (it checks whether stderr is the
// screen's terminal). Each Write is escaped on its own (fmt writes whole lines).
func humanWriter(w io.Writer) io.Writer {
	if _, ok := w.(safeWriter); ok {
		return w
	}
	return safeWriter{w}
}

type safeWriter struct{ w io.Writer }

func (s safeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, safetext.Lines(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
