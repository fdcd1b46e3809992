package offline_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"madoguchi/offline"
)

// queued reads the outbox kinds (in seq order) straight from the file.
func queued(t *testing.T, path string) (kinds []string, payloads []map[string]any) {
	t.Helper()
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT kind, payload FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var p []byte
		if err := rows.Scan(&k, &p); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(p, &m)
		kinds = append(kinds, k)
		payloads = append(payloads, m)
	}
	return kinds, payloads
}

func sessionRow(t *testing.T, path, id string) (state, steps, outcome, flag string) {
	t.Helper()
	db, err := sql.Open("sqlite3", offline.DSN(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.QueryRow(`SELECT state, steps, outcome, flag FROM sessions WHERE id=?`, id).Scan(&state, &steps, &outcome, &flag)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestSessionJournal(t *testing.T) {
	tests := []struct {
		name        string
		end         string
		pay         bool
		wantKinds   []string
		wantOutcome string
		wantSteps   string
		maxCommits  int64
	}{
		{"printed with payment", "printed", true, []string{"payment", "completed"}, "completed",
			"intent,card_checked,request_sent,document_received,payment,print_started,printed,closed", 4},
		{"printed without payment", "printed", false, []string{"completed"}, "completed",
			"intent,card_checked,request_sent,document_received,print_started,printed,closed", 4},
		{"print failed voids", "failed", true, []string{"payment", "voided"}, "voided",
			"intent,card_checked,request_sent,document_received,payment,print_started,print_failed,closed", 4},
		{"timeout after request voids", "cancel-after-request", false, []string{"voided"}, "voided",
			"intent,card_checked,request_sent,closed", 2},
		{"cancel before request writes nothing", "cancel-before-request", false, nil, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.db")
			s := openStore(t, path, offline.Options{})
			recovered(t, s)
			before := s.Commits()
			x := runSession(t, s, tc.end, tc.pay)
			if got := s.Commits() - before; got > tc.maxCommits {
				t.Errorf("commits = %d, want ≤ %d", got, tc.maxCommits)
			}
			kinds, payloads := queued(t, path)
			if strings.Join(kinds, ",") != strings.Join(tc.wantKinds, ",") {
				t.Errorf("queued kinds = %v, want %v", kinds, tc.wantKinds)
			}
			for _, p := range payloads {
				if p["session"] != x.ID() || p["issue_key"] != x.IssueKey() {
					t.Errorf("payload %v does not name session %s / issue %s", p, x.ID(), x.IssueKey())
				}
			}
			if err := s.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, steps, outcome, _ := sessionRow(t, path, x.ID())
			if steps != tc.wantSteps || outcome != tc.wantOutcome {
				t.Errorf("row steps=%q outcome=%q, want %q %q", steps, outcome, tc.wantSteps, tc.wantOutcome)
			}
			// A failed print is also the technician's business: one alert naming the
			// session and the reason; nothing else raises one.
			alerts, err := s.Alerts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wantAlert := ""
			if tc.end == "failed" {
				wantAlert = "print_failed " + x.ID() + ": paper jam"
			}
			var got []string
			for _, a := range alerts {
				got = append(got, a.Kind+" "+a.Detail)
			}
			if strings.Join(got, "|") != wantAlert {
				t.Errorf("alerts %q, want %q", got, wantAlert)
			}
		})
	}
}

func TestSessionStepOrder(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "", offline.Options{})
	recovered(t, s)
	base := s.Commits()
	x, err := s.BeginSession(ctx, offline.Intent{CertType: "inkan", Copies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.RequestSent(ctx); !errors.Is(err, offline.ErrSessionState) {
		t.Fatalf("RequestSent before CardChecked = %v, want ErrSessionState", err)
	}
	if err := x.Printed(ctx); !errors.Is(err, offline.ErrSessionState) {
		t.Fatalf("Printed before PrintStarted = %v, want ErrSessionState", err)
	}
	if _, err := s.BeginSession(ctx, offline.Intent{CertType: "inkan", Copies: 0}); err == nil {
		t.Fatal("BeginSession accepted 0 copies")
	}
	if s.Commits() != base {
		t.Fatalf("refused steps committed %d transactions", s.Commits()-base)
	}
}

func TestAuditRidesWithNextCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s := openStore(t, path, offline.Options{})
	recovered(t, s)
	base := s.Commits()
	x, _ := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
	x.CardChecked()
	x.Audit("pin_ok", map[string]any{"tries_left": 3})
	if _, err := x.RequestSent(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Commits()-base != 1 {
		t.Fatalf("commits = %d, want 1", s.Commits()-base)
	}
	kinds, _ := queued(t, path)
	if len(kinds) != 1 || kinds[0] != "audit" {
		t.Fatalf("queued = %v", kinds)
	}
	// Audit of a session that ended before any request is still written.
	y, _ := s.BeginSession(ctx, offline.Intent{CertType: "juminhyo", Copies: 1})
	y.Audit("card_rejected", map[string]any{"reason": "expired"})
	if err := y.Close(ctx, "card removed"); err != nil {
		t.Fatal(err)
	}
	kinds, _ = queued(t, path)
	if len(kinds) != 2 {
		t.Fatalf("queued = %v, want two audits", kinds)
	}
}

// The journal holds no PIN, no My Number and nothing personal: this pins the column
// list to the one documented in doc.go; adding a column means updating both.
func TestJournalColumnsAreDocumented(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	openStore(t, path, offline.Options{})
	db, _ := sql.Open("sqlite3", offline.DSN(path, 0))
	defer db.Close()
	want := map[string]string{
		"sessions": "cert_type copies fee flag id issue_key outcome started_at state steps updated_at",
		"outbox":   "attempts created_at done_at key kind last_error payload seq session_id state",
		"alerts":   "acked at detail id kind",
		"meta":     "key value",
	}
	for table, cols := range want {
		t.Run(table, func(t *testing.T) {
			rows, err := db.Query(`SELECT name FROM pragma_table_info(?)`, table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var n string
				rows.Scan(&n)
				got = append(got, n)
				for _, bad := range []string{"pin", "mynumber", "my_number", "kojin", "name", "address", "birth"} {
					if strings.Contains(n, bad) && n != "issue_key" {
						t.Errorf("column %s.%s looks personal", table, n)
					}
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != cols {
				t.Errorf("columns = %q, want %q", strings.Join(got, " "), cols)
			}
		})
	}
}

// stubStatus answers Status from a map; missing keys get err.
type stubStatus struct {
	st  offline.IssueStatus
	err error
}

func (s stubStatus) Status(context.Context, string) (offline.IssueStatus, error) { return s.st, s.err }

func TestRecover(t *testing.T) {
	// interrupt drives a session to a step and abandons it (as a crash would).
	interrupt := func(t *testing.T, s *offline.Store, at offline.Step) {
		ctx := context.Background()
		x, _ := s.BeginSession(ctx, offline.Intent{CertType: "koseki", Copies: 1})
		x.CardChecked()
		if _, err := x.RequestSent(ctx); err != nil {
			t.Fatal(err)
		}
		if at == offline.StepRequestSent {
			return
		}
		x.DocumentReceived(450)
		if err := x.PrintStarted(ctx, &offline.Payment{Method: "cash", Amount: 450}); err != nil {
			t.Fatal(err)
		}
		switch at {
		case offline.StepPrinted:
			x.Printed(ctx)
		case offline.StepPrintFailed:
			x.PrintFailed(ctx, "jam")
		}
	}
	tests := []struct {
		name        string
		at          offline.Step
		center      stubStatus
		wantKinds   string // queued after recovery, in order
		wantOutcome string
		flagHas     string
	}{
		{"request sent, center never saw it", offline.StepRequestSent, stubStatus{st: offline.IssueUnknown}, "voided", "voided", "voided"},
		{"request sent, issued", offline.StepRequestSent, stubStatus{st: offline.IssueIssued}, "voided", "voided", "voided"},
		{"request sent, center unreachable", offline.StepRequestSent, stubStatus{err: errors.New("down")}, "voided", "voided", "unreachable"},
		{"request sent, center already voided", offline.StepRequestSent, stubStatus{st: offline.IssueVoided}, "", "voided", "already had the void"},
		{"print started, issued", offline.StepPrintStarted, stubStatus{st: offline.IssueIssued}, "payment,voided", "voided", "check the printer"},
		{"print started, center has completion", offline.StepPrintStarted, stubStatus{st: offline.IssueCompleted}, "payment", "completed", "already had the completion"},
		{"printed, close not yet written", offline.StepPrinted, stubStatus{st: offline.IssueIssued}, "payment,completed", "completed", ""},
		{"print failed, close not yet written", offline.StepPrintFailed, stubStatus{st: offline.IssueIssued}, "payment,voided", "voided", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "k.db")
			s := openStore(t, path, offline.Options{})
			recovered(t, s)
			interrupt(t, s, tc.at)
			s.Close()

			s = openStore(t, path, offline.Options{})
			if err := s.CanStartSession(ctx); !errors.Is(err, offline.ErrRecoveryPending) {
				t.Fatalf("CanStartSession before Recover = %v, want ErrRecoveryPending", err)
			}
			recs, err := s.Recover(ctx, tc.center)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].State != tc.at {
				t.Fatalf("recovered = %+v, want one at %s", recs, tc.at)
			}
			if err := s.CanStartSession(ctx); err != nil {
				t.Fatalf("CanStartSession after Recover = %v", err)
			}
			kinds, _ := queued(t, path)
			if got := strings.Join(kinds, ","); got != tc.wantKinds {
				t.Errorf("queued = %q, want %q", got, tc.wantKinds)
			}
			state, _, outcome, flag := sessionRow(t, path, recs[0].Session)
			if state != "closed" || outcome != tc.wantOutcome || !strings.Contains(flag, tc.flagHas) {
				t.Errorf("row state=%q outcome=%q flag=%q; want closed %q ~%q", state, outcome, flag, tc.wantOutcome, tc.flagHas)
			}
			all, _ := s.Alerts(ctx)
			var alerts []offline.Alert // a print failure before the crash has its own alert
			for _, a := range all {
				if a.Kind != "print_failed" {
					alerts = append(alerts, a)
				}
			}
			wantAlerts := 1
			if tc.flagHas == "" {
				wantAlerts = 0
			}
			if len(alerts) != wantAlerts || (wantAlerts == 1 && alerts[0].Kind != "session_recovered") {
				t.Errorf("alerts = %+v, want %d session_recovered", all, wantAlerts)
			}
			// A second recovery finds nothing.
			if recs, _ := s.Recover(ctx, tc.center); len(recs) != 0 {
				t.Errorf("second Recover finished %d sessions", len(recs))
			}
		})
	}
}

func TestCloseWhilePrintingVoidsAndFlags(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s := openStore(t, path, offline.Options{})
	recovered(t, s)
	x, _ := s.BeginSession(ctx, offline.Intent{CertType: "kazei", Copies: 1})
	x.CardChecked()
	if _, err := x.RequestSent(ctx); err != nil {
		t.Fatal(err)
	}
	x.DocumentReceived(350)
	if err := x.PrintStarted(ctx, &offline.Payment{Method: "ic", Amount: 350}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(ctx, "printer timeout"); err != nil {
		t.Fatal(err)
	}
	kinds, payloads := queued(t, path)
	if strings.Join(kinds, ",") != "payment,voided" {
		t.Fatalf("queued = %v, want payment,voided", kinds)
	}
	if r, _ := payloads[1]["reason"].(string); !strings.Contains(r, "printer timeout") {
		t.Errorf("void reason = %q", r)
	}
	state, _, outcome, flag := sessionRow(t, path, x.ID())
	if state != "closed" || outcome != "voided" || !strings.Contains(flag, "while printing") {
		t.Errorf("row = %s %s %q", state, outcome, flag)
	}
	if alerts, _ := s.Alerts(ctx); len(alerts) != 1 || alerts[0].Kind != "session_flagged" {
		t.Errorf("alerts = %+v", alerts)
	}
	if err := x.Close(ctx, "again"); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if kinds, _ := queued(t, path); len(kinds) != 2 {
		t.Errorf("second Close queued more: %v", kinds)
	}
}
