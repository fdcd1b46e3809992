package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/server"
	"madoguchi/reader/readertest"
)

// twoTowns is a center serving the demo municipality and a second one, both open at
// every hour: each imports its own household ids, so both may use "H0001".
func twoTowns(o *centertest.Options) {
	a := server.DemoMunicipality()
	a.Hours, a.TypeHours = server.Hours{}, nil
	b := a
	b.Code, b.Name, b.Mayor = "139997", "隣町", "隣町長　隣　次郎"
	o.Municipalities = []server.Municipality{a, b}
}

// TestHouseholdScopedByMunicipality: a 世帯全員 住民票 lists the members of the
// resident's household in the resident's municipality only, even when another
// municipality uses the same household id.
func TestHouseholdScopedByMunicipality(t *testing.T) {
	e := newEnv(t, twoTowns)
	k, err := e.c.NewCard(0, base.Add(-48*time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	mine := centertest.Resident{Code: "A0001", Municipality: "139998", Household: "H0001", Name: "見本　一子",
		Birth: "1980-01-01", Sex: "2", Address: "見本県見本市一丁目1番", Relationship: "世帯主"}
	other := centertest.Resident{Code: "B0001", Municipality: "139997", Household: "H0001", Name: "隣　他人",
		Birth: "1950-01-01", Sex: "1", Address: "見本県隣町二丁目2番", Relationship: "世帯主", Domicile: "見本県隣町二丁目2番"}
	if err := e.c.AddResident(e.ctx, mine, k.Cert); err != nil {
		t.Fatal(err)
	}
	if err := e.c.AddResident(e.ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	req := center.Request{Type: center.ResidentRecord, Copies: 1,
		Options: center.Options{Household: true, Relationship: true, Domicile: true}}
	got, err := centertest.IssueWith(e.ctx, e.cl, k, centertest.NewKey(), req)
	if err != nil {
		t.Fatal(err)
	}
	text := string(got.Payload)
	if !strings.Contains(text, "見本　一子") {
		t.Fatalf("the resident is missing: %s", text)
	}
	for _, leak := range []string{"隣　他人", "隣町二丁目"} {
		if strings.Contains(text, leak) {
			t.Errorf("the other municipality's resident leaks into the document: %q", leak)
		}
	}
}

// TestImportRefusesAmbiguity: resident codes are per municipality in the source
// registries; an import that would take over another municipality's record, or names a
// code twice, is refused as a whole.
func TestImportRefusesAmbiguity(t *testing.T) {
	e := newEnv(t, twoTowns)
	const head = "code,municipality,household,name,birth,sex,address\n"
	if _, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(head+"R0001,139998,H0001,見本　一子,1980-01-01,2,見本市1番\n")); err != nil {
		t.Fatal(err)
	}
	before := counts(t, e.c.Server())
	for _, tc := range []struct{ name, csv, want string }{
		{"code of another municipality", head + "R0001,139997,H0001,隣　他人,1950-01-01,1,隣町2番\n", "line 2: resident R0001 belongs to municipality 139998"},
		{"code twice in the file", head + "R0002,139997,H1,隣　一,1950-01-01,1,隣町2番\nR0002,139997,H2,隣　二,1951-01-01,1,隣町3番\n", "line 3: resident R0002 also on line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.Server().ImportCSV(e.ctx, strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	err := e.c.Server().AddResident(e.ctx, server.Resident{Code: "R0001", Municipality: "139997", Household: "H9",
		Name: "隣　他人", Birth: "1950-01-01", Sex: "1", Address: "隣町2番"})
	if err == nil || !strings.Contains(err.Error(), "belongs to municipality 139998") {
		t.Fatalf("AddResident across municipalities: %v", err)
	}
	if after := counts(t, e.c.Server()); after != before {
		t.Fatalf("refused imports changed the database: %s → %s", before, after)
	}
	var muni, name string
	if err := e.c.Server().DB().QueryRow(`SELECT municipality, name FROM residents WHERE code = 'R0001'`).Scan(&muni, &name); err != nil ||
		muni != "139998" || name != "見本　一子" {
		t.Fatalf("R0001 is now %s %s (%v)", muni, name, err)
	}
}

// directServer opens a center driven without HTTP, at path ("" = a temp file), trusting
// n generations of JPKI roots (same name, new key, as J-LIS rolls its CAs), with the demo
// municipality open at every hour; mod adjusts the options.
func directServer(t *testing.T, path string, n int, mod func(*server.Options)) (*server.Server, []*readertest.CA) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "c.db")
	}
	var cas []*readertest.CA
	var roots []*x509.Certificate
	for i := range n {
		ca, err := readertest.NewCAWithKey(base, false, readertest.Key(10+i))
		if err != nil {
			t.Fatal(err)
		}
		cas, roots = append(cas, ca), append(roots, ca.Cert)
	}
	_, docKey, _ := ed25519.GenerateKey(nil)
	m := server.DemoMunicipality()
	m.Hours, m.TypeHours = server.Hours{}, nil
	opts := server.Options{DBPath: path, Postgres: postgresDSN(t), JPKIRoots: roots, KioskCAs: x509.NewCertPool(), DocumentKey: docKey,
		Municipalities: []server.Municipality{m}, Clock: centertest.NewClock(base)}
	if mod != nil {
		mod(&opts)
	}
	s, err := server.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, cas
}

// twoRoots is directServer with two roots.
func twoRoots(t *testing.T) (*server.Server, *readertest.CA, *readertest.CA) {
	t.Helper()
	s, cas := directServer(t, "", 2, nil)
	return s, cas[0], cas[1]
}

// sameSerial issues, from ca, a card certificate for key with the serial of other.
func sameSerial(t *testing.T, ca *readertest.CA, other *x509.Certificate, key *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl := *other
	tmpl.Raw, tmpl.RawTBSCertificate, tmpl.Signature = nil, nil, nil
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// issueDirect runs one issuance against s with a card (cert, key) for kiosk-0001.
func issueDirect(t *testing.T, s *server.Server, cert *x509.Certificate, key *rsa.PrivateKey) ([]byte, error) {
	t.Helper()
	ch, err := s.NewChallenge(context.Background(), "kiosk-0001")
	if err != nil {
		t.Fatal(err)
	}
	card := &centertest.Card{Key: key, Cert: cert}
	sig, err := card.Sign(ch.Challenge, "kiosk-0001", juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	return s.Issue(context.Background(), center.IssueRequest{KioskID: "kiosk-0001", Key: centertest.NewKey(),
		Challenge: ch.Challenge, AuthCert: cert.Raw, Signature: sig, Request: juminhyo})
}

// TestSerialBoundPerIssuer: a card bound by serial, and a suspension by serial, hold
// under the root that issued the card only; a card of another generation whose serial
// happens to be the same is neither that resident nor suspended.
func TestSerialBoundPerIssuer(t *testing.T) {
	s, a, b := twoRoots(t)
	ctx := context.Background()
	mine, err := a.IssueAuth(&readertest.Key(0).PublicKey, base.Add(-time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	twin := sameSerial(t, b, mine, readertest.Key(1))
	if twin.SerialNumber.Cmp(mine.SerialNumber) != 0 {
		t.Fatal("the twin has another serial")
	}
	for _, r := range []server.Resident{
		{Code: "X1", Municipality: "139998", Household: "HX1", Name: "見本　本人", Birth: "1980-01-01", Sex: "2", Address: "見本市1番"},
		{Code: "X2", Municipality: "139998", Household: "HX2", Name: "見本　別人", Birth: "1981-01-01", Sex: "1", Address: "見本市2番"},
	} {
		if err := s.AddResident(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.BindSerial(ctx, "X1", "", mine.SerialNumber.Text(16)); err == nil {
		t.Fatal("BindSerial without an issuer accepted with two roots")
	}
	if err := s.BindSerial(ctx, "X1", center.Fingerprint(a.Cert.Raw), mine.SerialNumber.Text(16)); err != nil {
		t.Fatal(err)
	}
	if out, err := issueDirect(t, s, twin, readertest.Key(1)); err == nil || !strings.Contains(err.Error(), string(center.CodeResidentNotFound)) {
		t.Fatalf("the other root's card with the same serial: %v %.80s", err, out)
	}
	if _, err := issueDirect(t, s, mine, readertest.Key(0)); err != nil {
		t.Fatalf("the bound card: %v", err)
	}
	// Revocation: the twin is bound by fingerprint to X2; suspending mine leaves it alone.
	if err := s.BindCert(ctx, "X2", twin); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, server.IssuerID(a.Cert), mine.SerialNumber, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := issueDirect(t, s, mine, readertest.Key(0)); err == nil || !strings.Contains(err.Error(), string(center.CodeRevoked)) {
		t.Fatalf("the suspended card: %v", err)
	}
	if _, err := issueDirect(t, s, twin, readertest.Key(1)); err != nil {
		t.Fatalf("the other root's card is suspended too: %v", err)
	}
	if err := s.Reinstate(ctx, center.Fingerprint(a.Cert.Raw), mine.SerialNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := issueDirect(t, s, mine, readertest.Key(0)); err != nil {
		t.Fatalf("after reinstate: %v", err)
	}
	// The import names the root the same way, and needs it with two roots.
	const head = "code,municipality,household,name,birth,sex,address,card_serial,card_issuer\n"
	if _, err := s.ImportCSV(ctx, strings.NewReader(head+"X3,139998,HX3,見本　三,1982-01-01,1,見本市3番,0a1b,\n")); err == nil ||
		!strings.Contains(err.Error(), "line 2: card_serial") {
		t.Fatalf("import without card_issuer: %v", err)
	}
	if _, err := s.ImportCSV(ctx, strings.NewReader(head+"X3,139998,HX3,見本　三,1982-01-01,1,見本市3番,0a1b,"+server.IssuerID(b.Cert)+"\n")); err != nil {
		t.Fatal(err)
	}
}

// TestSerialOnlyRowsMigrate: a database from before (issuer, serial) keeps its
// suspensions, under every root (the safe side).
func TestSerialOnlyRowsMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sql.Open("sqlite3", server.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE revocations(serial TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '');
		INSERT INTO revocations VALUES ('abc', 1, 'old');`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A SQLite matter in both passes: PostgreSQL databases never had the old table.
	s, cas := directServer(t, path, 2, func(o *server.Options) { o.Postgres = "" })
	a, b := cas[0], cas[1]
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM revocations WHERE serial = 'abc' AND issuer IN (?, ?)`,
		server.IssuerID(a.Cert), server.IssuerID(b.Cert)).Scan(&n); err != nil || n != 2 {
		t.Fatalf("migrated suspensions: %d, %v", n, err)
	}
}

// TestImportBareQuote: a CSV with a bare quote is a line-numbered error, not a panic,
// and nothing is imported.
func TestImportBareQuote(t *testing.T) {
	e := newEnv(t)
	before := counts(t, e.c.Server())
	csv := "code,municipality,household,name,birth,sex,address\nOK1,139998,H,N,1985-04-01,1,A\nX\"1,139998,H,N,1985-04-01,1,A\n"
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("import panicked: %v", p)
			}
		}()
		_, err = e.c.Server().ImportCSV(e.ctx, strings.NewReader(csv))
	}()
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want a line-3 error", err)
	}
	if after := counts(t, e.c.Server()); after != before {
		t.Fatalf("a failed import changed the database: %s → %s", before, after)
	}
}

// TestChallengeCapPerKiosk: one kiosk filling its share of outstanding challenges gets
// 503 itself; the other kiosks still get theirs.
func TestChallengeCapPerKiosk(t *testing.T) {
	s, _ := directServer(t, "", 1, func(o *server.Options) {
		o.MaxChallenges, o.MaxChallengesPerKiosk = 10, 3
	})
	var got int
	for range 10 {
		if _, err := s.NewChallenge(context.Background(), "kiosk-bad"); err == nil {
			got++
		} else if !strings.Contains(err.Error(), string(center.CodeUnavailable)) {
			t.Fatalf("refusal: %v", err)
		}
	}
	if got != 3 {
		t.Fatalf("one kiosk got %d challenges, want its cap of 3", got)
	}
	for _, k := range []string{"kiosk-0001", "kiosk-0002"} {
		if _, err := s.NewChallenge(context.Background(), k); err != nil {
			t.Fatalf("%s starved by another kiosk: %v", k, err)
		}
	}
}

// TestEveryErrorIsJSON: whatever the path or method, an answer other than 200 has the
// documented error shape (application/json, {"error":{"code","message"}}), including
// paths the router would otherwise redirect (//v1/challenges, dot segments, a trailing
// slash). Requests are written by hand: no client cleans the path.
func TestEveryErrorIsJSON(t *testing.T) {
	e := newEnv(t)
	tlsConf, err := e.c.ClientTLS(e.kiosk)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(e.c.URL(), "https://")
	body := `{"kiosk_id":"` + e.kiosk + `"}`
	for _, tc := range []struct{ method, path string }{
		{"POST", "//v1/challenges"},
		{"POST", "/v1//challenges"},
		{"POST", "/v1/./challenges"},
		{"POST", "/v1/x/../challenges"},
		{"POST", "/v1/challenges/"},
		{"GET", "//v1/verify/AAAA-BBBB-CCCC"},
		{"GET", "/v1/verify/"},
		{"GET", "/v1/challenges"},
		{"DELETE", "/v1/issuances/abc"},
		{"GET", "/nope"},
		{"POST", "/v1/challenges%2F"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			conn, err := tls.Dial("tcp", host, tlsConf)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
				tc.method, tc.path, host, len(body), body)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatalf("200 for a path that is not the protocol's")
			}
			var eb center.ErrorBody
			raw, _ := io.ReadAll(resp.Body)
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%d with Content-Type %q: %q", resp.StatusCode, ct, raw)
			}
			if err := json.Unmarshal(raw, &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Errorf("%d body %q is not the error shape (%v)", resp.StatusCode, raw, err)
			}
		})
	}
}

// TestRetentionPurgesDocuments: after the retention window the signed document (the
// personal content) is gone from the database file and its WAL, a replay of its key is
// refused as replay_expired, and the facts stay: status and verification still answer.
func TestRetentionPurgesDocuments(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *centertest.Options) { o.Dir = dir; o.Retention = 24 * time.Hour })
	hanako := e.card(t, 0, "D0001")
	s := e.c.Server()
	ch, err := s.NewChallenge(context.Background(), e.kiosk)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := hanako.Sign(ch.Challenge, e.kiosk, juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	in := center.IssueRequest{KioskID: e.kiosk, Key: centertest.NewKey(), Challenge: ch.Challenge,
		AuthCert: hanako.Cert.Raw, Signature: sig, Request: juminhyo}
	first, err := s.Issue(e.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var issued center.IssueResponse
	if err := json.Unmarshal(first, &issued); err != nil {
		t.Fatal(err)
	}
	var doc center.Document
	if err := json.Unmarshal(issued.Payload, &doc); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(23 * time.Hour)
	if n, err := s.Purge(e.ctx); err != nil || n != 0 {
		t.Fatalf("purge within the window: %d, %v", n, err)
	}
	if again, err := s.Issue(e.ctx, in); err != nil || !bytes.Equal(again, first) {
		t.Fatalf("replay within the window: %v", err)
	}
	// The probe: a short run of the stored answer, found in the files before the purge.
	probe := first[len(first)/2 : len(first)/2+16]
	files := func() []byte {
		var all []byte
		for _, suf := range []string{"", "-wal"} {
			b, err := os.ReadFile(filepath.Join(dir, "center.db") + suf)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	// SQLite's file and WAL are read directly; PostgreSQL keeps the bytes of an old row
	// version until VACUUM reuses the space (the documentation says so), so there the
	// test asks the database.
	if !onPostgres() && !bytes.Contains(files(), probe) {
		t.Fatal("the probe is not in the files before the purge: the test would prove nothing")
	}
	e.clock.Advance(2 * time.Hour)
	if n, err := s.Purge(e.ctx); err != nil || n != 1 {
		t.Fatalf("purge after the window: %d, %v", n, err)
	}
	if _, err := s.Issue(e.ctx, in); err == nil || !strings.Contains(err.Error(), string(center.CodeReplayExpired)) {
		t.Fatalf("replay after the window: %v", err)
	}
	if st, err := s.Status(e.ctx, e.kiosk, in.Key); err != nil || st.State != center.StateIssued || st.IssueID != doc.IssueID {
		t.Fatalf("status after purge: %+v %v", st, err)
	}
	if v, err := s.Verify(e.ctx, doc.Content.VerificationCode); err != nil || v.IssueID != doc.IssueID {
		t.Fatalf("verify after purge: %+v %v", v, err)
	}
	var fp, typ string
	if err := s.DB().QueryRow(s.Rebind(`SELECT fingerprint, cert_type FROM issuances WHERE key = ?`), in.Key).Scan(&fp, &typ); err != nil ||
		fp != center.Fingerprint(hanako.Cert.Raw) || typ != string(center.ResidentRecord) {
		t.Fatalf("facts after purge: %q %q %v", fp, typ, err)
	}
	// No copy of the document in the file or its WAL (secure_delete, then a checkpoint).
	if !onPostgres() && bytes.Contains(files(), probe) {
		t.Error("center.db or its WAL still holds the purged document")
	}
	var kept int
	if err := s.DB().QueryRow(`SELECT count(*) FROM issuances WHERE response IS NOT NULL`).Scan(&kept); err != nil || kept != 0 {
		t.Errorf("stored answers after the purge: %d (%v)", kept, err)
	}
}

// TestSecureDeleteAsserted: the center's DSN turns secure_delete on and OpenDB checks it.
func TestSecureDeleteAsserted(t *testing.T) {
	if !strings.Contains(server.DSN("x.db"), "_secure_delete=on") {
		t.Error("DSN lacks _secure_delete=on")
	}
	db, err := server.OpenDB(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.QueryRow("PRAGMA secure_delete").Scan(&got); err != nil || got != "1" {
		t.Fatalf("secure_delete = %q (%v)", got, err)
	}
}
