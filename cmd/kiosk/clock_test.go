package main

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/config"
	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// waitState waits until the engine shows st.
func waitState(t testing.TB, eng *kiosk.Engine, st kiosk.State) kiosk.View {
	t.Helper()
	return waitStateWithin(t, eng, st, 15*time.Second)
}

// waitStateWithin is waitState with its own deadline.
func waitStateWithin(t testing.TB, eng *kiosk.Engine, st kiosk.State, within time.Duration) kiosk.View {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v := eng.View()
		if v.State == st {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %s (problem %s), want %s", v.State, v.Problem, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestClockJump boots the kiosk's real parts (center client over HTTPS, SQLite queue, file
// printer, engine) with the wall clock at 1970, as a Raspberry Pi without a real-time clock
// does before NTP, issues a certificate, refuses an expired card against the center's time,
// then jumps the clock 56 years forward (NTP sync) and issues again. Nothing is refused for
// the kiosk's own bad clock, and the center receives every message in sequence order.
func TestClockJump(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, c := newKioskDir(t, "clock-kiosk")
	cfg := config.Demo(dir) // 見本市 with the default year-end closure: 1970-01-01 would be "closed"
	cfg.Kiosk.ID, cfg.Center.URL = "clock-kiosk", c.URL()
	clk := centertest.NewClock(time.Unix(0, 0).UTC()) // a wall clock the test sets, as NTP does; the queue's timers are real
	parts, err := assemble(ctx, cfg, assembleOptions{Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer parts.close()
	eng, store, client := parts.engine, parts.store, parts.client
	go eng.Run(ctx)

	now := time.Now()
	good := residentCard(t, c, 0, 3200, readertest.Options{})
	expired := residentCard(t, c, 1, 3201, readertest.Options{NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(0, 0, -1)})
	in := func(k kiosk.InputKind, arg int) { eng.Input(kiosk.Input{Kind: k, Arg: arg}) }
	toCard := func() {
		waitState(t, eng, kiosk.StateIdle)
		in(kiosk.InputStart, 0)
		waitState(t, eng, kiosk.StateChoose)
		in(kiosk.InputSelect, 0)
		waitState(t, eng, kiosk.StateOptions)
		in(kiosk.InputNext, 0)
		waitState(t, eng, kiosk.StatePlaceCard)
	}
	place := func(vc *readertest.Card) {
		vc.Insert()
		eng.CardInserted(reader.New(vc))
	}
	take := func(vc *readertest.Card) {
		vc.Remove()
		eng.CardRemoved()
	}
	issue := func() {
		t.Helper()
		toCard()
		place(good)
		waitState(t, eng, kiosk.StatePIN)
		for _, d := range []int{1, 2, 3, 4} {
			in(kiosk.InputDigit, d)
		}
		in(kiosk.InputNext, 0)
		waitState(t, eng, kiosk.StateFee)
		in(kiosk.InputNext, 0)
		waitState(t, eng, kiosk.StateTake)
		take(good)
		in(kiosk.InputDone, 0)
	}
	sync := func() {
		t.Helper()
		if _, _, err := store.SyncOnce(ctx, parts.link); err != nil {
			t.Fatal(err)
		}
	}

	// 1970: no local time check can be trusted; the center decides, and TLS still works.
	issue()
	sync()
	// The center has answered: its time now judges the card, still with the clock at 1970.
	if _, ok := client.Now(); !ok {
		t.Fatal("no trusted time after the center answered")
	}
	toCard()
	place(expired)
	if v := waitState(t, eng, kiosk.StateProblem); v.Problem != kiosk.ProblemCertExpired {
		t.Fatalf("expired card with the clock unset: problem %s", v.Problem)
	}
	take(expired)
	in(kiosk.InputDone, 0)

	clk.Set(time.Now()) // NTP sync: +56 years
	if err := store.CanStartSession(ctx); err != nil {
		t.Fatalf("after the jump: %v", err)
	}
	issue()
	sync()

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "kiosk.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT seq, kind, state, created_at FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	var lastSeq int64
	for rows.Next() {
		var seq, created int64
		var kind, state string
		if err := rows.Scan(&seq, &kind, &state, &created); err != nil {
			t.Fatal(err)
		}
		if seq <= lastSeq || state != "delivered" {
			t.Fatalf("outbox seq %d after %d, %s %s", seq, lastSeq, kind, state)
		}
		lastSeq = seq
		if kind == "completed" {
			kinds = append(kinds, time.UnixMilli(created).UTC().Format("2006"))
		}
	}
	if len(kinds) != 2 || kinds[0] != "1970" || kinds[1] == "1970" {
		t.Fatalf("completions stamped %v, want one in 1970 and one after the jump", kinds)
	}
	if gaps, err := c.Server().SequenceGaps(ctx, "clock-kiosk"); err != nil || len(gaps) != 0 {
		t.Fatalf("center sees sequence gaps %v (%v)", gaps, err)
	}
}
