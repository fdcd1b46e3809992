package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
)

func TestOperatorLogin(t *testing.T) {
	e := newEnv(t)
	s := e.c.Server()
	ctx := e.ctx
	if err := s.AddOperator(ctx, "bad name!", []byte("long enough password")); err == nil {
		t.Fatal("a name with a space and ! accepted")
	}
	if err := s.AddOperator(ctx, "tanaka", []byte("short")); err == nil {
		t.Fatal("a short password accepted")
	}
	pw := []byte("correct horse battery")
	if err := s.AddOperator(ctx, "tanaka", pw); err != nil {
		t.Fatal(err)
	}
	if string(pw) == "correct horse battery" {
		t.Error("AddOperator left the password in its buffer")
	}
	login := func(name, pw string) (string, error) {
		tok, _, err := s.Login(ctx, name, []byte(pw), "192.0.2.10:50000")
		return tok, err
	}
	for _, tc := range []struct {
		name, user, pw string
		want           error
	}{
		{"unknown operator", "suzuki", "correct horse battery", server.ErrLogin},
		{"wrong password", "tanaka", "wrong horse battery", server.ErrLogin},
		{"SQL in the name", "tanaka' OR '1'='1", "x", server.ErrLogin},
		{"right password", "tanaka", "correct horse battery", nil},
	} {
		if _, err := login(tc.user, tc.pw); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Lock-out: LoginFailures wrong passwords in a row lock the name, even for the right
	// password, until LoginLockout has passed.
	for i := range server.LoginFailures {
		if _, err := login("tanaka", "wrong"); !errors.Is(err, server.ErrLogin) {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := login("tanaka", "correct horse battery"); !errors.Is(err, server.ErrLocked) {
		t.Fatalf("after %d failures: %v, want locked", server.LoginFailures, err)
	}
	e.clock.Advance(server.LoginLockout + time.Second)
	tok, err := login("tanaka", "correct horse battery")
	if err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
	// Sessions: extended by use, end after SessionIdle unused, never outlive SessionMax.
	ss, err := s.Session(ctx, tok)
	if err != nil || ss.Operator != "tanaka" || ss.CSRF == "" {
		t.Fatalf("session %+v %v", ss, err)
	}
	for range 20 { // 20 × 25 min > 8 h
		e.clock.Advance(25 * time.Minute)
		if _, err := s.Session(ctx, tok); err != nil {
			break
		}
	}
	if _, err := s.Session(ctx, tok); !errors.Is(err, server.ErrNoSession) {
		t.Fatalf("a session used every 25 minutes for 8 h 20 min: %v", err)
	}
	tok, _ = login("tanaka", "correct horse battery")
	e.clock.Advance(server.SessionIdle + time.Second)
	if _, err := s.Session(ctx, tok); !errors.Is(err, server.ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	tok, _ = login("tanaka", "correct horse battery")
	if err := s.Logout(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, tok); !errors.Is(err, server.ErrNoSession) {
		t.Fatalf("after logout: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 500)} {
		if _, err := s.Session(ctx, bad); !errors.Is(err, server.ErrNoSession) {
			t.Errorf("token %.10q: %v", bad, err)
		}
	}
	log, err := s.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(log) - 1; i >= 0; i-- {
		actions = append(actions, log[i].Operator+":"+log[i].Action)
	}
	want := "tanaka:operator.password suzuki:login.failed tanaka:login.failed tanaka' OR '1'='1:login.failed tanaka:login " +
		strings.Repeat("tanaka:login.failed ", server.LoginFailures) + "tanaka:login.locked tanaka:login tanaka:login tanaka:login tanaka:logout"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit:\n got %s\nwant %s", got, want)
	}
}

// TestOperatorSuspend: a suspension by an operator refuses the card at once and is
// audited with the operator's name and the reason; a reinstatement likewise.
func TestOperatorSuspend(t *testing.T) {
	e := newEnv(t)
	s := e.c.Server()
	hanako := e.card(t, 0, "D0001")
	serial := hanako.Cert.SerialNumber
	if err := s.SuspendCard(e.ctx, "tanaka", "", serial, "  "); err == nil {
		t.Fatal("a suspension without a reason accepted")
	}
	if err := s.SuspendCard(e.ctx, "tanaka", "", nil, "lost"); err == nil {
		t.Fatal("a suspension without a serial accepted")
	}
	if err := s.SuspendCard(e.ctx, "tanaka", "", serial, "lost; reported by phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), juminhyo); !errors.Is(err, center.ErrRevoked) {
		t.Fatalf("suspended card: %v", err)
	}
	sus, err := s.Suspensions(e.ctx, 10)
	if err != nil || len(sus) != 1 || sus[0].Serial != serial.Text(16) || sus[0].Reason != "lost; reported by phone" {
		t.Fatalf("suspensions %+v %v", sus, err)
	}
	if err := s.ReinstateCard(e.ctx, "sato", "", serial, "found"); err != nil {
		t.Fatal(err)
	}
	if _, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), juminhyo); err != nil {
		t.Fatalf("reinstated card: %v", err)
	}
	log, _ := s.AuditLog(e.ctx, 2)
	if len(log) != 2 || log[0].Operator != "sato" || log[0].Action != "card.reinstate" || log[0].Detail != "found" ||
		log[1].Operator != "tanaka" || log[1].Action != "card.suspend" || !strings.HasSuffix(log[1].Target, "/"+serial.Text(16)) {
		t.Fatalf("audit %+v", log)
	}
}

// TestHealthAndFleet: a kiosk's health message reaches the fleet view; an older one
// delivered late does not overwrite a newer; a malformed one is refused and stores
// nothing; the fleet counts issuances and missing sequence numbers.
func TestHealthAndFleet(t *testing.T) {
	e := newEnv(t)
	s := e.c.Server()
	hanako := e.card(t, 0, "D0001")
	if _, err := centertest.IssueWith(e.ctx, e.cl, hanako, centertest.NewKey(), juminhyo); err != nil {
		t.Fatal(err)
	}
	health := func(seq int64, h any) center.MessageResult {
		b, _ := json.Marshal(h)
		res, err := s.Messages(context.Background(), e.kiosk, []center.Message{{Seq: seq, Key: centertest.NewKey(), Kind: center.KindHealth, Payload: b}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	newer := center.HealthReport{Version: "1.4.0", Uptime: 3600, Backlog: 2, Alerts: []string{"print_failed"}, Printer: "paper_low", Reader: "ok"}
	older := center.HealthReport{Version: "1.3.9", Uptime: 60, Printer: "ok", Reader: "ok"}
	for _, tc := range []struct {
		name string
		seq  int64
		body any
		want center.Outcome
	}{
		{"newer", 3, newer, center.OutcomeAccepted},
		{"older, late", 2, older, center.OutcomeAccepted},
		{"unknown field", 4, map[string]any{"version": "1", "name": "見本　花子"}, center.OutcomeRefused},
		{"bad printer word", 5, center.HealthReport{Version: "1", Printer: "<script>", Reader: "ok"}, center.OutcomeRefused},
		{"negative backlog", 6, center.HealthReport{Version: "1", Backlog: -1}, center.OutcomeRefused},
	} {
		if got := health(tc.seq, tc.body); got.Outcome != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, got.Outcome, got.Error, tc.want)
		}
	}
	fleet, err := s.Fleet(e.ctx)
	if err != nil || len(fleet) != 1 {
		t.Fatalf("fleet %+v %v", fleet, err)
	}
	k := fleet[0]
	if k.ID != e.kiosk || k.Issuances != 1 || k.Messages != 2 || k.Missing != 1 || k.Health == nil ||
		k.Health.Version != "1.4.0" || k.Health.Backlog != 2 || k.Health.Printer != "paper_low" || len(k.Health.Alerts) != 1 {
		t.Fatalf("fleet entry %+v health %+v", k, k.Health)
	}
	days, err := s.DailyIssuances(e.ctx, 7)
	if err != nil || len(days) != 1 || days[0].Count != 1 || days[0].Type != string(center.ResidentRecord) || days[0].Day != "2026-11-25" {
		t.Fatalf("daily %+v %v", days, err)
	}
}

func TestLoginSource(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1:4430", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[::ffff:192.0.2.1]:1", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"@", "unknown"},
		{"", "unknown"},
		{"'; DROP TABLE operators; --", "unknown"},
	} {
		if got := server.LoginSource(tc.in); got != tc.want {
			t.Errorf("LoginSource(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLoginLockoutPerSource: wrong passwords lock out the address they come from (an
// IPv6 /64 as one), not the operator: the operator still logs in from elsewhere, the
// attacker's address stays locked for LoginLockout and gets LoginFailures tries again
// after it; a guess spread over many addresses raises a login.alarm in the audit log.
func TestLoginLockoutPerSource(t *testing.T) {
	e := newEnv(t)
	s := e.c.Server()
	const pw = "correct horse battery"
	if err := s.AddOperator(e.ctx, "tanaka", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	login := func(pass, from string) error {
		_, _, err := s.Login(e.ctx, "tanaka", []byte(pass), from)
		return err
	}
	fail := func(from string, n int) {
		t.Helper()
		for i := range n {
			if err := login("wrong", from); !errors.Is(err, server.ErrLogin) {
				t.Fatalf("wrong password %d from %s: %v", i+1, from, err)
			}
		}
	}
	for _, tc := range []struct {
		name, attacker, sameNet, operator string
	}{
		{"IPv4", "198.51.100.7:40000", "198.51.100.7:40001", "192.0.2.10:50000"},
		{"IPv6 /64", "[2001:db8:0:5::1]:40000", "[2001:db8:0:5::beef]:1", "[2001:db8:0:6::1]:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fail(tc.attacker, server.LoginFailures)
			for _, from := range []string{tc.attacker, tc.sameNet} {
				if err := login(pw, from); !errors.Is(err, server.ErrLocked) {
					t.Fatalf("right password from the locked address %s: %v", from, err)
				}
			}
			if err := login(pw, tc.operator); err != nil {
				t.Fatalf("the operator from %s is locked out too: %v", tc.operator, err)
			}
			// Still locked just before the end; after it, LoginFailures tries again.
			e.clock.Advance(server.LoginLockout - time.Second)
			if err := login("wrong", tc.attacker); !errors.Is(err, server.ErrLocked) {
				t.Fatalf("before the lock-out ended: %v", err)
			}
			e.clock.Advance(2 * time.Second)
			fail(tc.attacker, server.LoginFailures)
			if err := login(pw, tc.attacker); !errors.Is(err, server.ErrLocked) {
				t.Fatalf("second round: %v", err)
			}
			e.clock.Advance(server.LoginLockout + time.Second)
		})
	}
	// A guess from many addresses: each is locked after LoginFailures; at LoginAlarm in a
	// row (the operator's logins above reset the count) the audit log raises an alarm.
	for i := range server.LoginAlarm / server.LoginFailures {
		fail(fmt.Sprintf("203.0.113.%d:1", i+1), server.LoginFailures)
	}
	log, err := s.AuditLog(e.ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	alarms, lockedFrom := 0, 0
	for _, a := range log {
		if a.Action == "login.alarm" {
			alarms++
			if !strings.Contains(a.Detail, fmt.Sprintf("%d wrong passwords in a row", server.LoginAlarm)) {
				t.Errorf("alarm %q", a.Detail)
			}
		}
		if a.Action == "login.failed" && strings.Contains(a.Detail, "from 198.51.100.7: failure 5 of 5: this address locked") {
			lockedFrom++
		}
	}
	if alarms != 1 || lockedFrom != 2 {
		t.Errorf("audit: %d alarms (want 1), %d lock-outs of 198.51.100.7 (want 2)", alarms, lockedFrom)
	}
	// The operator is never locked out by all this.
	if err := login(pw, "192.0.2.10:50000"); err != nil {
		t.Fatalf("the operator after the spread guess: %v", err)
	}
	// A new password (centerd operator) lifts every address's lock-out.
	if err := login(pw, "203.0.113.1:1"); !errors.Is(err, server.ErrLocked) {
		t.Fatalf("a locked address: %v", err)
	}
	if err := s.AddOperator(e.ctx, "tanaka", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	if err := login(pw, "203.0.113.1:1"); err != nil {
		t.Fatalf("after a new password: %v", err)
	}
}
