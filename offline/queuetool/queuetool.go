package queuetool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"madoguchi/internal/durable"
	"madoguchi/internal/health"
	"madoguchi/internal/safetext"
	"madoguchi/offline"
)

// Reader is the read-only view of the queue the tool shows (offline.ReadOnly).
type Reader interface {
	Stats(ctx context.Context, now time.Time) (offline.Stats, error)
	List(ctx context.Context, now time.Time, states ...offline.MessageState) ([]offline.MessageInfo, error)
	Alerts(ctx context.Context) ([]offline.Alert, error)
	QuickCheck(ctx context.Context) (string, error)
}

// WriteJSON writes v as indented JSON, as every -json output and the export do.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func secs(s float64) time.Duration { return time.Duration(s) * time.Second }

// Stats shows the counts of the queue at path against the caps of o (MaxPending,
// MaxPendingBytes, MaxPendingAge).
func Stats(ctx context.Context, q Reader, w io.Writer, asJSON bool, path string, o offline.Options, now time.Time) error {
	st, err := q.Stats(ctx, now)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteJSON(w, st)
	}
	fmt.Fprintf(w, "queue            %s\n", path)
	fmt.Fprintf(w, "pending          %d\n", st.Pending)
	fmt.Fprintf(w, "parked           %d\n", st.Parked)
	fmt.Fprintf(w, "undelivered      %s (cap %s), %d messages (cap %d)\n", health.MiB(uint64(st.UndeliveredB)), health.MiB(uint64(o.MaxPendingBytes)), st.Pending+st.Parked, o.MaxPending)
	if st.Oldest != nil {
		fmt.Fprintf(w, "oldest           %s (%s ago; cap %s)\n", st.Oldest.Format(time.RFC3339), secs(st.OldestAgeS), o.MaxPendingAge)
	} else {
		fmt.Fprintln(w, "oldest           -")
	}
	fmt.Fprintf(w, "delivered, kept  %d\n", st.Delivered)
	fmt.Fprintf(w, "last seq         %d\n", st.LastSeq)
	fmt.Fprintf(w, "open sessions    %d (flagged %d)\n", st.OpenSessions, st.FlaggedSession)
	fmt.Fprintf(w, "alerts           %d\n", st.Alerts)
	return nil
}

// List shows the undelivered messages; with all the delivered ones kept for audit too.
func List(ctx context.Context, q Reader, w io.Writer, asJSON, all bool, now time.Time) error {
	states := []offline.MessageState{offline.StatePending, offline.StateParked}
	if all {
		states = nil
	}
	rows, err := q.List(ctx, now, states...)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tKIND\tSTATE\tATTEMPTS\tAGE\tKEY\tLAST ERROR")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Seq, r.Kind, r.State, r.Attempts, secs(r.AgeS), r.Key, safetext.String(r.LastError)) // the center's words, escaped
	}
	tw.Flush()
	if len(rows) == 0 {
		fmt.Fprintln(w, "(nothing waiting for the center)")
	}
	return nil
}

// Alerts shows the alerts not yet acknowledged.
func Alerts(ctx context.Context, q Reader, w io.Writer, asJSON bool) error {
	al, err := q.Alerts(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return WriteJSON(w, al)
	}
	for _, a := range al {
		fmt.Fprintf(w, "%d  %s  %s  %s\n", a.ID, a.At.Format(time.RFC3339), a.Kind, safetext.String(a.Detail))
	}
	if len(al) == 0 {
		fmt.Fprintln(w, "(no alerts)")
	}
	return nil
}

// ExportFormat names the export file's format.
const ExportFormat = "madoguchi-queue-export/1"

// Export is the file a technician hands over (to the center's operators or the
// vendor): everything about the queue except the payloads.
type Export struct {
	Format     string                `json:"format"` // ExportFormat
	KioskID    string                `json:"kiosk_id"`
	Location   string                `json:"location"`
	Exported   time.Time             `json:"exported"`
	Version    string                `json:"version"`
	QuickCheck string                `json:"quick_check"`
	Stats      offline.Stats         `json:"stats"`
	Messages   []offline.MessageInfo `json:"messages"`
	Alerts     []offline.Alert       `json:"alerts"`
}

// Collect reads everything an export holds; ex carries the kiosk's id, location and
// version.
func Collect(ctx context.Context, q Reader, ex Export, now time.Time) (Export, error) {
	ex.Format, ex.Exported = ExportFormat, now.UTC()
	var err error
	if ex.QuickCheck, err = q.QuickCheck(ctx); err == nil {
		if ex.Stats, err = q.Stats(ctx, now); err == nil {
			if ex.Messages, err = q.List(ctx, now); err == nil {
				ex.Alerts, err = q.Alerts(ctx)
			}
		}
	}
	return ex, err
}

// ErrExists: the export's file exists already (an export never overwrites one).
var ErrExists = errors.New("exists; choose a new file name")

// WriteFile writes ex to a new file (0600) at path; on failure nothing stays behind, and
// after a power cut the file is whole or absent (internal/durable).
func WriteFile(path string, ex Export) error {
	var b bytes.Buffer
	if err := WriteJSON(&b, ex); err != nil {
		return err
	}
	// Whole or not at all after a power cut; never over an existing file.
	if err := durable.Create(path, b.Bytes(), 0o600); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s %w", path, ErrExists)
		}
		return err
	}
	return nil
}

// ParseIDs parses the numeric arguments of retry (sequence numbers) and ack (alert ids).
func ParseIDs(args []string) ([]int64, error) {
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

// RestartHint: the running kiosk's sync worker finds messages a separate process put
// back when it next looks at the queue (a new message, or its hourly pass); a restart
// makes it look at once.
const RestartHint = "a running kiosk sends them with its next upload (after the next session, within an hour at the latest); to send them now: systemctl restart madoguchi-kiosk"

// Requeuer puts parked messages back in the queue (offline.Store).
type Requeuer interface {
	Parked(ctx context.Context) ([]offline.ParkedMessage, error)
	Requeue(ctx context.Context, seq int64) error
}

// Retry puts the messages seqs (with allParked every parked one) back in the queue,
// reporting each on stdout and each failure on stderr prefixed by prog. It returns the
// exit code: 1 when any failed.
func Retry(ctx context.Context, s Requeuer, seqs []int64, allParked bool, prog string, stdout, stderr io.Writer) int {
	code, done := eachParked(ctx, s.Parked, "", seqs, allParked, s.Requeue, "back in the queue", prog, stdout, stderr)
	if done > 0 {
		fmt.Fprintln(stdout, RestartHint)
	}
	return code
}

// Discarder deletes parked applications with the resident's data (offline.Store).
type Discarder interface {
	Parked(ctx context.Context) ([]offline.ParkedMessage, error)
	DiscardApplication(ctx context.Context, seq int64, why string) error
}

// Discard deletes the parked applications seqs (with allParked every parked
// application) and what they hold of the resident, reporting like Retry; the center is
// told by an audit event (number, refusal, "technician"), never the content.
func Discard(ctx context.Context, s Discarder, seqs []int64, allParked bool, prog string, stdout, stderr io.Writer) int {
	discard := func(ctx context.Context, seq int64) error {
		return s.DiscardApplication(ctx, seq, offline.DiscardByTechnician)
	}
	code, _ := eachParked(ctx, s.Parked, offline.KindApplication, seqs, allParked, discard,
		"discarded (its personal data deleted; the center gets an audit event)", prog, stdout, stderr)
	return code
}

// eachParked applies do to seqs, with all to every parked message (of kind, when not
// empty) as well, and reports each as "seq N <what>" on stdout, each failure on stderr;
// it returns the exit code and how many succeeded.
func eachParked(ctx context.Context, parked func(context.Context) ([]offline.ParkedMessage, error), kind string, seqs []int64, all bool,
	do func(context.Context, int64) error, what, prog string, stdout, stderr io.Writer) (code, done int) {
	if all {
		pm, err := parked(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return 1, 0
		}
		for _, p := range pm {
			if kind == "" || p.Kind == kind {
				seqs = append(seqs, p.Seq)
			}
		}
	}
	for _, seq := range seqs {
		if err := do(ctx, seq); err != nil {
			fmt.Fprintf(stderr, "%s: seq %d: %v\n", prog, seq, err)
			code = 1
			continue
		}
		done++
		fmt.Fprintf(stdout, "seq %d %s\n", seq, what)
	}
	if len(seqs) == 0 {
		fmt.Fprintln(stdout, "no parked messages")
	}
	return code, done
}

// Acker acknowledges alerts (offline.Store).
type Acker interface {
	Alerts(ctx context.Context) ([]offline.Alert, error)
	AckAlert(ctx context.Context, id int64) error
}

// Ack acknowledges the open alerts ids (with all every open one), reporting like Retry.
func Ack(ctx context.Context, s Acker, ids []int64, all bool, prog string, stdout, stderr io.Writer) int {
	open, err := s.Alerts(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	known := map[int64]bool{}
	for _, a := range open {
		known[a.ID] = true
		if all {
			ids = append(ids, a.ID)
		}
	}
	code := 0
	for _, id := range ids {
		if !known[id] {
			fmt.Fprintf(stderr, "%s: no open alert %d\n", prog, id)
			code = 1
			continue
		}
		if err := s.AckAlert(ctx, id); err != nil {
			fmt.Fprintf(stderr, "%s: %d: %v\n", prog, id, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "alert %d acknowledged\n", id)
	}
	return code
}

// Summary is the queue as technician mode's screen shows it: counts, the oldest
// undelivered message's age, and the open alerts, one line each.
func Summary(ctx context.Context, q Reader, now time.Time) []string {
	st, err := q.Stats(ctx, now)
	if err != nil {
		return []string{err.Error()}
	}
	lines := []string{
		fmt.Sprintf("pending %d, parked %d, %s undelivered", st.Pending, st.Parked, health.MiB(uint64(st.UndeliveredB))),
	}
	if st.Oldest != nil {
		lines = append(lines, fmt.Sprintf("oldest undelivered %s ago", secs(st.OldestAgeS)))
	}
	lines = append(lines, fmt.Sprintf("delivered (kept) %d, last seq %d", st.Delivered, st.LastSeq))
	if st.Parked > 0 {
		lines = append(lines, "parked: see `kiosk queue list`, then `kiosk queue retry`")
	}
	als, err := q.Alerts(ctx)
	if err != nil {
		return append(lines, err.Error())
	}
	lines = append(lines, fmt.Sprintf("alerts %d", len(als)))
	for _, a := range als {
		lines = append(lines, fmt.Sprintf("%d %s %s", a.ID, a.Kind, safetext.String(a.Detail)))
	}
	return lines
}
