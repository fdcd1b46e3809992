package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/console"
	"madoguchi/center/server"
)

const residentsHead = "code,municipality,household,name,birth,sex,address,card_fingerprint\n"

// upload posts a multipart form with the CSV as the file "csv" (no file when name is "").
func (f *fixture) upload(t *testing.T, csrf, action, name string, csv []byte, session *http.Cookie) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	_ = mw.WriteField("action", action)
	if name != "" {
		fw, _ := mw.CreateFormFile("csv", name)
		_, _ = fw.Write(csv)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.url+"/residents", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp := f.do(t, req, session)
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// stored counts which of the codes the center holds (a check-only import: no SQL here).
func (f *fixture) stored(t *testing.T, codes ...string) int {
	t.Helper()
	var b strings.Builder
	b.WriteString(residentsHead)
	for _, c := range codes {
		b.WriteString(c + ",139998,HX,検査　太郎,1990-01-01,1,見本県見本市1番,\n")
	}
	rep, err := f.c.Server().ImportResidents(f.ctx, strings.NewReader(b.String()), server.ImportOptions{Check: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Replaced
}

// TestResidentImport: the console's upload checks and imports with the same rules as
// `centerd import` (all or nothing, every problem with its line); refused requests —
// no or wrong CSRF token, an expired session, a malformed or oversized upload — say why
// and change nothing; SQL metacharacters are data; every attempt is audited.
func TestResidentImport(t *testing.T) {
	f := newFixture(t)
	session, csrf := f.login(t)
	card, err := f.c.NewCard(1, base.Add(-48*time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(residentsHead +
		"I0001,139998,HI1,取込　一子,1985-04-01,2,見本県見本市取込町1番," + center.Fingerprint(card.Cert.Raw) + "\n" +
		"I0002,139998,HI1,\"O'Brien'); DROP TABLE residents;--\",1984-04-01,1,見本県見本市取込町1番,\n" +
		"D0001,139998,H0001,見本　花子,1990-01-01,2,見本県見本市本町1番地,\n")
	bad := []byte(residentsHead +
		"I0001,139998,HI1,取込　一子,1985-04-01,2,見本県見本市取込町1番,\n" +
		"I0002,139998,HI1,取込　二郎,1984/04/01,1,見本県見本市取込町1番,\n" +
		"I0003,000000,HI1,取込　三郎,1984-04-01,1,見本県見本市取込町1番,\n" +
		"I0004,139998,HI1,取込　四郎,1984-04-01,<script>x</script>,見本県見本市取込町1番,zz\n")
	malformed := "--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n--x\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"a.csv\"\r\n\r\nno end boundary"

	for _, tc := range []struct {
		name       string
		csrf       string
		action     string
		file       string
		csv        []byte
		cookie     bool
		status     int
		says       []string
		raw        string // a hand-made body instead
		rawType    string
		notStored  bool
		wantStored int
	}{
		{name: "no CSRF token", action: "import", file: "r.csv", csv: good, cookie: true, status: 403, says: []string{"CSRF", "nothing was changed"}},
		{name: "wrong CSRF token", csrf: "AAAA", action: "import", file: "r.csv", csv: good, cookie: true, status: 403, says: []string{"CSRF"}},
		{name: "no session", csrf: csrf, action: "import", file: "r.csv", csv: good, status: 401, says: []string{"session has ended"}},
		{name: "no file", csrf: csrf, action: "import", cookie: true, status: 400, says: []string{"Choose one CSV file"}},
		{name: "empty file", csrf: csrf, action: "import", file: "r.csv", csv: nil, cookie: true, status: 400, says: []string{"Choose one CSV file"}},
		{name: "oversized upload", csrf: csrf, action: "import", file: "big.csv", csv: bytes.Repeat([]byte("x"), console.MaxUploadBytes+1), cookie: true,
			status: 413, says: []string{"more than 4 MiB", "centerd import", "nothing was changed"}},
		{name: "malformed multipart", raw: malformed, rawType: "multipart/form-data; boundary=x", cookie: true, status: 400, says: []string{"could not be read"}},
		{name: "not a CSV", csrf: csrf, action: "import", file: "r.csv", csv: []byte("\x00\x01\x02 binary"), cookie: true, status: 422,
			says: []string{">1<", "unknown column"}},
		{name: "line errors", csrf: csrf, action: "import", file: "bad.csv", csv: bad, cookie: true, status: 422,
			says: []string{"problem(s)", "nothing was imported", ">3<", "is not YYYY-MM-DD", ">4<", "unknown municipality", ">5<", "sex", "card_fingerprint", "&lt;script&gt;"}},
		{name: "check only", csrf: csrf, action: "check", file: "good.csv", csv: good, cookie: true, status: 200,
			says: []string{"Checked: the file is good", "3 residents (2 new, 1 replaced)", "1 card bindings", "Nothing was changed yet", "I0002"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ck *http.Cookie
			if tc.cookie {
				ck = session
			}
			var resp *http.Response
			var body string
			if tc.raw != "" {
				req, _ := http.NewRequest(http.MethodPost, f.url+"/residents", strings.NewReader(tc.raw))
				req.Header.Set("Content-Type", tc.rawType)
				resp = f.do(t, req, ck)
				b, _ := io.ReadAll(resp.Body)
				body = string(b)
			} else {
				resp, body = f.upload(t, tc.csrf, tc.action, tc.file, tc.csv, ck)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("%d, want %d:\n%.2000s", resp.StatusCode, tc.status, body)
			}
			for _, want := range tc.says {
				if !strings.Contains(body, want) {
					t.Errorf("answer lacks %q:\n%.3000s", want, body)
				}
			}
			if strings.Contains(body, "<script>") {
				t.Error("a CSV field reached the page unescaped")
			}
			if n := f.stored(t, "I0001", "I0002", "I0003", "I0004"); n != 0 {
				t.Fatalf("a refused or checked upload stored %d residents", n)
			}
		})
	}

	// The same file imported: stored, the card bound, the SQL text kept as a name.
	resp, body := f.upload(t, csrf, "import", "good.csv", good, session)
	if resp.StatusCode != 200 || !strings.Contains(body, "Imported 3 residents (2 new, 1 replaced) and 1 card bindings") {
		t.Fatalf("import: %d\n%.2000s", resp.StatusCode, body)
	}
	if n := f.stored(t, "I0001", "I0002", "D0001"); n != 3 {
		t.Fatalf("after the import %d of 3 residents are stored", n)
	}
	got, err := centertest.IssueWith(f.ctx, f.kiosk, card, centertest.NewKey(), juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	if h := got.Document.Content.Sections[1].Heading; h != "取込　一子" {
		t.Fatalf("the imported card issues for %q", h)
	}
	log, err := f.c.Server().AuditLog(f.ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range log {
		if strings.HasPrefix(e.Action, "residents.") {
			if e.Operator != "tanaka" {
				t.Errorf("audit line %+v: operator", e)
			}
			actions[e.Action+" "+e.Target]++
		}
	}
	// The refused uploads that reached the import (not CSV, line errors) and the check and
	// the import; those refused before (CSRF, session, size, no file) are not actions.
	want := map[string]int{"residents.import r.csv": 1, "residents.import bad.csv": 1, "residents.check good.csv": 1, "residents.import good.csv": 1}
	for k, n := range want {
		if actions[k] != n {
			t.Errorf("audit %q: %d lines, want %d (all: %v)", k, actions[k], n, actions)
		}
	}
	// An expired session cannot import.
	f.clock.Advance(server.SessionIdle + time.Minute)
	if resp, body := f.upload(t, csrf, "import", "late.csv", []byte(residentsHead+"I0009,139998,HI9,遅　刻,1985-04-01,2,見本市,\n"), session); resp.StatusCode != 401 ||
		!strings.Contains(body, "session has ended") {
		t.Fatalf("expired session: %d %.300s", resp.StatusCode, body)
	}
	if f.stored(t, "I0009") != 0 {
		t.Fatal("an expired session imported")
	}
}
