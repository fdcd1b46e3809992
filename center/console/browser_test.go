package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"madoguchi/center"
	"madoguchi/center/centertest"
	"madoguchi/center/console"
)

// chromium returns Debian's chromium, or leaves the test out on a developer machine
// without it (make deps installs it; make test sets MADOGUCHI_REQUIRE_CHROMIUM).
func chromium(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("MADOGUCHI_REQUIRE_CHROMIUM") != "" {
			t.Fatal("chromium not installed (Debian package chromium; make deps installs it)")
		}
		t.Skip("chromium not installed (Debian package chromium; make deps installs it)")
	}
	return p
}

// artifacts is where screenshots go: $MADOGUCHI_ARTIFACTS/console (make test sets it
// under ~/.cache/madoguchi), else the test's temporary folder (removed after it).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MADOGUCHI_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestConsoleInBrowser drives the console in headless Chromium: log in, see the fleet
// with a kiosk's health, suspend a card — and that card is refused at a kiosk at once —,
// open the public verification page of a printed certificate, and see a POST without the
// CSRF token refused and change nothing. Each page is saved as a screenshot.
func TestConsoleInBrowser(t *testing.T) {
	f := newFixture(t)
	shots := artifacts(t)

	// A kiosk has issued one document and reported its health.
	doc, err := centertest.IssueWith(f.ctx, f.kiosk, f.hanako, centertest.NewKey(), juminhyo)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := json.Marshal(center.HealthReport{Version: "1.4.0", Uptime: 5400, Backlog: 3, Alerts: []string{"print_failed"}, Printer: "paper_low", Reader: "ok"})
	if res, err := f.kiosk.SendMessages(f.ctx, []center.Message{{Seq: 1, Key: centertest.NewKey(), Kind: center.KindHealth, Payload: hb}}); err != nil || res[0].Outcome != center.OutcomeAccepted {
		t.Fatalf("health message: %+v %v", res, err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		// The console's certificate is from the test PKI, which Chromium does not know.
		chromedp.Flag("ignore-certificate-errors", true),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() < 800 {
			t.Fatalf("screenshot %s: not a page-sized PNG (%v)", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// Not logged in: the console sends the browser to the log-in page.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/"), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	shot("01-login")
	// A wrong password first: refused, still the log-in page.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("name"), "tanaka"), chromedp.SendKeys(chromedp.ID("password"), "wrong password!"),
		chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.CSS("p.error"))); err != nil {
		t.Fatal(err)
	}
	if got := text("p.error"); !strings.Contains(got, "Wrong name or password") {
		t.Fatalf("wrong password page says %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("name"), "tanaka"), chromedp.SendKeys(chromedp.ID("password"), operatorPassword),
		chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("fleet"))); err != nil {
		t.Fatal(err)
	}
	fleet := text("#fleet")
	for _, want := range []string{"kiosk-0001", "1.4.0", "paper_low", "print_failed", "1h30m0s"} {
		if !strings.Contains(fleet, want) {
			t.Errorf("fleet page lacks %q:\n%s", want, fleet)
		}
	}
	shot("02-fleet")

	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/issuances"), chromedp.WaitVisible(chromedp.ID("issuances"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#issuances"); !strings.Contains(got, "2026-11-25") || !strings.Contains(got, center.ResidentRecord.Title()) {
		t.Errorf("issuances page:\n%s", got)
	}
	shot("03-issuances")

	// Suspend hanako's card through the form.
	serial := f.hanako.Cert.SerialNumber.Text(16)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/cards"), chromedp.WaitVisible(chromedp.ID("suspend")),
		chromedp.SendKeys(chromedp.ID("s-serial"), serial), chromedp.SendKeys(chromedp.ID("s-reason"), "lost; hotline call 0120"),
		chromedp.Click(chromedp.ID("do-suspend")), chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
		t.Fatal(err)
	}
	if got := text("p.flash"); !strings.Contains(got, serial+" suspended") {
		t.Fatalf("after suspend: %q", got)
	}
	if got := text("#suspended"); !strings.Contains(got, serial) || !strings.Contains(got, "lost; hotline call 0120") {
		t.Errorf("suspension list:\n%s", got)
	}
	shot("04-cards-suspended")
	// The kiosk's next attempt with that card is refused.
	if _, err := centertest.IssueWith(f.ctx, f.kiosk, f.hanako, centertest.NewKey(), juminhyo); !errors.Is(err, center.ErrRevoked) {
		t.Fatalf("kiosk after the console's suspension: %v, want revoked", err)
	}

	// A POST without the CSRF token, with the browser's own session cookie: refused, and
	// the card stays suspended.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{f.url + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var session *http.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "madoguchi_console" {
			if !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteStrict {
				t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict", c)
			}
			session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if session == nil {
		t.Fatal("no session cookie in the browser")
	}
	resp := f.post(t, "/cards/reinstate", url.Values{"serial": {serial}, "reason": {"csrf test"}}, session)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("reinstate without CSRF token: %d, want 403", resp.StatusCode)
	}
	if _, err := centertest.IssueWith(f.ctx, f.kiosk, f.hanako, centertest.NewKey(), juminhyo); !errors.Is(err, center.ErrRevoked) {
		t.Fatalf("after the refused POST the card is no longer suspended: %v", err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/audit"), chromedp.WaitVisible(chromedp.ID("audit"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#audit"); !strings.Contains(got, "card.suspend") || !strings.Contains(got, "tanaka") {
		t.Errorf("audit page:\n%s", got)
	}
	shot("05-audit")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/applications"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	shot("06-applications")

	// The printed certificate's QR code leads to the public page: what the paper says,
	// its state, nothing personal.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/verify/"+doc.Document.Content.VerificationCode), chromedp.WaitVisible(chromedp.ID("facts"))); err != nil {
		t.Fatal(err)
	}
	facts := text("#facts")
	for _, want := range []string{center.ResidentRecord.Title(), "見本市", "令和8年11月25日", doc.Document.IssueID, "交付処理中"} {
		if !strings.Contains(facts, want) {
			t.Errorf("verification page lacks %q:\n%s", want, facts)
		}
	}
	page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	for _, personal := range []string{"花子", "見本県", f.hanako.Cert.SerialNumber.Text(16)} {
		if strings.Contains(page, personal) {
			t.Errorf("verification page shows %q", personal)
		}
	}
	shot("07-verify")

	// Resident import: a file with errors is refused line by line and changes nothing;
	// checked and imported, its new card issues at the kiosk.
	newcomer, err := f.c.NewCard(1, base.Add(-48*time.Hour), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	bad := filepath.Join(files, "residents-bad.csv")
	good := filepath.Join(files, "residents.csv")
	if err := os.WriteFile(bad, []byte(residentsHead+"B0001,139998,HB1,転入　一子,1985-04-01,2,見本県見本市転入町1番,\n"+
		"B0002,139998,HB1,転入　二郎,1984/04/01,1,見本県見本市転入町1番,\nB0003,000000,HB1,転入　三郎,1984-04-01,1,見本県見本市転入町1番,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(residentsHead+"B0001,139998,HB1,転入　一子,1985-04-01,2,見本県見本市転入町1番,"+center.Fingerprint(newcomer.Cert.Raw)+"\n"+
		"B0002,139998,HB1,転入　二郎,1984-04-01,1,見本県見本市転入町1番,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/residents"), chromedp.WaitVisible(chromedp.ID("import")),
		chromedp.SetUploadFiles(chromedp.ID("csv"), []string{bad}), chromedp.Click(chromedp.ID("do-import")),
		chromedp.WaitVisible(chromedp.ID("errors"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#errors"); !strings.Contains(got, "3") || !strings.Contains(got, "YYYY-MM-DD") || !strings.Contains(got, "4") || !strings.Contains(got, "unknown municipality") {
		t.Errorf("import errors:\n%s", got)
	}
	if got := text("p.error"); !strings.Contains(got, "nothing was imported") {
		t.Errorf("import refusal says %q", got)
	}
	shot("08-residents-errors")
	// An oversized file gets its answer in the browser (not a reset connection).
	huge := filepath.Join(files, "huge.csv")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("x"), console.MaxUploadBytes+512<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("csv"), []string{huge}), chromedp.Click(chromedp.ID("do-import")),
		chromedp.WaitNotPresent(chromedp.ID("refused")), chromedp.WaitVisible(chromedp.CSS("p.error"))); err != nil {
		t.Fatal(err)
	}
	if got := text("p.error"); !strings.Contains(got, "more than 4 MiB") || !strings.Contains(got, "nothing was changed") {
		t.Fatalf("oversized upload: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/residents"), chromedp.WaitVisible(chromedp.ID("import"))); err != nil {
		t.Fatal(err)
	}
	if f.stored(t, "B0001", "B0002") != 0 {
		t.Fatal("a refused import stored residents")
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("csv"), []string{good}), chromedp.Click(chromedp.ID("do-check")),
		chromedp.WaitVisible(chromedp.ID("checked"))); err != nil {
		t.Fatal(err)
	}
	if got := text("p.flash"); !strings.Contains(got, "Checked") || f.stored(t, "B0001", "B0002") != 0 {
		t.Fatalf("check: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.ID("csv"), []string{good}), chromedp.Click(chromedp.ID("do-import")),
		chromedp.WaitVisible(chromedp.ID("imported"))); err != nil {
		t.Fatal(err)
	}
	if got := text("p.flash"); !strings.Contains(got, "Imported 2 residents (2 new, 0 replaced) and 1 card bindings") {
		t.Fatalf("import: %q", got)
	}
	shot("09-residents-imported")
	if got, err := centertest.IssueWith(f.ctx, f.kiosk, newcomer, centertest.NewKey(), juminhyo); err != nil || got.Document.Content.Sections[1].Heading != "転入　一子" {
		t.Fatalf("the imported resident's card at a kiosk: %v", err)
	}

	// Log out: the session is gone on the server too.
	if err := chromedp.Do(ctx, chromedp.Navigate(f.url+"/"), chromedp.WaitVisible(chromedp.ID("fleet")),
		chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	if resp := f.get(t, "/", session); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the logged-out session still opens the fleet: %d", resp.StatusCode)
	}
}
