package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"madoguchi/center"
	"madoguchi/forms"
	"madoguchi/internal/i18n"
)

// Limits that Validate enforces.
const (
	maxCopies   = 10
	maxFee      = 10000
	minMessages = 100
	maxMessages = 1_000_000
	minBytes    = 1 << 20
	maxBytes    = 4 << 30
	maxBatch    = center.MaxBatch // the center takes at most this many messages per upload
)

// durLimits are the allowed ranges of every duration, by key path.
var durLimits = map[string][2]time.Duration{
	"center.connect_timeout":             {time.Second, 2 * time.Minute},
	"center.request_timeout":             {5 * time.Second, 5 * time.Minute},
	"timeouts.idle":                      {5 * time.Second, 10 * time.Minute},
	"timeouts.choose":                    {5 * time.Second, 10 * time.Minute},
	"timeouts.card":                      {5 * time.Second, 10 * time.Minute},
	"timeouts.pin":                       {5 * time.Second, 10 * time.Minute},
	"timeouts.center":                    {10 * time.Second, 10 * time.Minute},
	"timeouts.fee":                       {5 * time.Second, 10 * time.Minute},
	"timeouts.print":                     {30 * time.Second, 30 * time.Minute},
	"timeouts.take":                      {5 * time.Second, 10 * time.Minute},
	"reminder.beep_after":                {0, 5 * time.Minute},
	"reminder.beep_every":                {2 * time.Second, 5 * time.Minute},
	"reminder.alert_after":               {30 * time.Second, time.Hour},
	"queue.max_age":                      {time.Hour, 365 * 24 * time.Hour},
	"queue.retention":                    {0, 365 * 24 * time.Hour},
	"queue.retry_min":                    {100 * time.Millisecond, time.Minute},
	"queue.retry_max":                    {time.Second, time.Hour},
	"queue.parked_application_retention": {time.Hour, 30 * 24 * time.Hour},
}

var (
	idPattern  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	pinPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
	// techPINPattern is the technician PIN: 6 to 12 digits.
	techPINPattern = regexp.MustCompile(`^[0-9]{6,12}$`)
)

// fmtDur prints a duration the way a technician writes it: "10m", not "10m0s".
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

type validator struct {
	c     *Config
	skip  map[string]bool // keys the decoder already reported
	probs Problems
}

func (v *validator) add(path, format string, args ...any) {
	for p := path; p != ""; p = parentPath(p) {
		if v.skip[p] {
			return // already reported, or inside a table that could not be read
		}
	}
	line := 0
	for p := path; ; p = parentPath(p) {
		if l, ok := v.c.lines[p]; ok {
			line = l
			break
		}
		if p == "" {
			break
		}
	}
	v.probs = append(v.probs, Problem{File: v.c.name, Line: line, Key: path, Msg: fmt.Sprintf(format, args...)})
	v.skip[path] = true
}

// need reports an empty or invalid required string; allowed says what it must be.
func (v *validator) need(path, val string, ok bool, allowed string) {
	switch {
	case strings.TrimSpace(val) == "":
		v.add(path, "missing or empty; must be %s", allowed)
	case !ok:
		v.add(path, "must be %s, got %q", allowed, val)
	}
}

func (v *validator) intRange(path string, n, lo, hi int64, unit string) {
	if n < lo || n > hi {
		v.add(path, "must be an integer from %d to %d%s, got %d", lo, hi, unit, n)
	}
}

func (v *validator) dur(path string, d time.Duration) {
	lim := durLimits[path]
	if d < lim[0] || d > lim[1] {
		v.add(path, "must be from %s to %s, got %s", fmtDur(lim[0]), fmtDur(lim[1]), fmtDur(d))
	}
}

func (v *validator) lineOf(path string) int { return v.c.lines[path] }

// isLatin reports whether s is text in Latin letters, digits, spaces and the
// punctuation of names (romaji such as "Chiyoda City", "Ōtsu-shi"), without kana or kanji.
func isLatin(s string, max int) bool {
	if !isText(s, max) {
		return false
	}
	for _, r := range s {
		if !unicode.In(r, unicode.Latin, unicode.Digit) && !strings.ContainsRune(" -'.,()&", r) {
			return false
		}
	}
	return true
}

func isText(s string, max int) bool {
	if strings.TrimSpace(s) == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Validate checks every value and the relations between them, without touching the file
// system (CheckFiles does that). It returns Problems listing everything wrong, or nil.
func (c *Config) Validate() error { return c.validate(nil).err() }

func (c *Config) validate(skip map[string]bool) Problems {
	if skip == nil {
		skip = map[string]bool{}
	}
	v := &validator{c: c, skip: skip}

	k := c.Kiosk
	v.need("kiosk.id", k.ID, idPattern.MatchString(k.ID), `1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`)
	v.need("kiosk.location", k.Location, isText(k.Location, 200), "text of 1 to 200 characters without control characters")
	if !i18n.Known(k.Language) {
		v.add("kiosk.language", `must be one of %s, got %q`, strings.Join(i18n.Tags, " "), k.Language)
	}
	switch k.LogLevel {
	case slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError:
	default:
		v.add("kiosk.log_level", `must be "debug", "info", "warn" or "error", got %q`, k.LogLevel.String())
	}
	v.intRange("kiosk.max_copies", int64(k.MaxCopies), 1, maxCopies, "")
	if p := k.TechnicianPIN; p != "" && !techPINPattern.MatchString(p) {
		// The value itself is not repeated: it is a secret.
		v.add("kiosk.technician_pin", `must be 6 to 12 digits, or "" to disable technician mode (got %d characters)`, len(p))
	}

	v.municipalities()
	v.printer()
	v.gpio()
	v.reminder()
	v.center()

	t := c.Timeouts
	for _, e := range []struct {
		key string
		d   time.Duration
	}{
		{"idle", t.Idle}, {"choose", t.Choose}, {"card", t.Card}, {"pin", t.PIN},
		{"center", t.Center}, {"fee", t.Fee}, {"print", t.Print}, {"take", t.Take},
	} {
		v.dur("timeouts."+e.key, e.d)
	}
	if t.Center < c.Center.RequestTimeout {
		v.add("timeouts.center", "must be at least center.request_timeout (%s), got %s",
			fmtDur(c.Center.RequestTimeout), fmtDur(t.Center))
	}

	q := c.Queue
	if q.Path == "" {
		v.add("queue.path", "missing or empty; must be the path of the queue's SQLite file")
	} else if !filepath.IsAbs(q.Path) {
		v.add("queue.path", "must be an absolute path, got %q", q.Path)
	}
	v.intRange("queue.max_messages", int64(q.MaxMessages), minMessages, maxMessages, "")
	v.intRange("queue.max_bytes", q.MaxBytes, minBytes, maxBytes, " (bytes)")
	v.dur("queue.max_age", q.MaxAge)
	v.dur("queue.retention", q.Retention)
	v.intRange("queue.batch_size", int64(q.BatchSize), 1, maxBatch, "")
	v.dur("queue.retry_min", q.RetryMin)
	v.dur("queue.retry_max", q.RetryMax)
	v.dur("queue.parked_application_retention", q.ParkedApplicationRetention)
	if q.RetryMax < q.RetryMin {
		v.add("queue.retry_max", "must be at least queue.retry_min (%s), got %s", fmtDur(q.RetryMin), fmtDur(q.RetryMax))
	}

	v.status()
	v.screen()
	v.access()
	return v.probs
}

// CheckDigit returns the check digit of the first five digits of a 全国地方公共団体コード
// (weights 6,5,4,3,2; 11 minus the sum mod 11, last digit).
func CheckDigit(code5 string) (int, bool) {
	if len(code5) < 5 {
		return 0, false
	}
	sum := 0
	for i, w := range []int{6, 5, 4, 3, 2} {
		c := code5[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * w
	}
	return (11 - sum%11) % 10, true
}

func (v *validator) municipalities() {
	ms := v.c.Municipalities
	if len(ms) == 0 {
		v.add("municipality", "missing; add at least one [[municipality]] table")
		return
	}
	codes := map[string]string{} // code → path of its first use
	for i, m := range ms {
		p := indexKey("municipality", i)
		codeKey := p + ".code"
		digits := len(m.Code) == 6
		for _, r := range m.Code {
			digits = digits && r >= '0' && r <= '9'
		}
		v.need(codeKey, m.Code, digits, `a 6-digit 全国地方公共団体コード such as "131016"`)
		if digits {
			pref, _ := strconv.Atoi(m.Code[:2])
			cd, _ := CheckDigit(m.Code)
			switch {
			case pref < 1 || pref > 47:
				v.add(codeKey, "must start with a prefecture number from 01 to 47, got %q", m.Code)
			case int(m.Code[5]-'0') != cd:
				v.add(codeKey, "check digit is wrong: %q must end in %d", m.Code, cd)
			}
			if first, dup := codes[m.Code]; dup {
				v.add(codeKey, "duplicate: %q is also the code of %s (line %d)", m.Code, parentPath(first), v.lineOf(first))
			} else {
				codes[m.Code] = codeKey
			}
		}
		v.need(p+".name", m.Name, isText(m.Name, 100), "text of 1 to 100 characters without control characters")
		if m.NameEN != "" && !isLatin(m.NameEN, 100) {
			v.add(p+".name_en", "must be the name in Latin letters (romaji), 1 to 100 characters, got %q", m.NameEN)
		}
		if !m.Hours.Valid() {
			v.add(p+".hours", `must open before it closes, such as "06:30-23:00", got %q`, m.Hours.String())
		}
		for j, cl := range m.Closed {
			if !cl.Valid() {
				v.add(indexKey(p+".closed", j), `must be "MM-DD", "YYYY-MM-DD" or a range "FROM..TO" such as "12-29..01-03", got %q`, cl.String())
			}
		}
		if len(m.Certificates) == 0 {
			v.add(p+".certificate", "missing; add at least one [[municipality.certificate]] table")
		}
		types := map[CertType]string{}
		for j, c := range m.Certificates {
			cp := indexKey(p+".certificate", j)
			known := false
			for _, t := range CertTypes {
				known = known || c.Type == t
			}
			v.need(cp+".type", string(c.Type), known, certTypeList())
			if first, dup := types[c.Type]; dup && known {
				v.add(cp+".type", "duplicate: %q is also offered by %s (line %d)", c.Type, parentPath(first), v.lineOf(parentPath(first)))
			} else {
				types[c.Type] = cp + ".type"
			}
			v.intRange(cp+".fee_yen", int64(c.FeeYen), 0, maxFee, " (yen per copy)")
			if !c.Hours.IsZero() && !c.Hours.Valid() {
				v.add(cp+".hours", `must open before it closes, such as "09:00-17:00", got %q`, c.Hours.String())
			}
		}
		v.forms(p, m.Forms)
	}
}

func certTypeList() string {
	q := make([]string, len(CertTypes))
	for i, t := range CertTypes {
		q[i] = strconv.Quote(string(t))
	}
	return "one of " + strings.Join(q, ", ")
}

func (v *validator) printer() {
	p := v.c.Printer
	only := func(key, val, backend string) {
		if val != "" && p.Backend != backend {
			v.add("printer."+key, "only used with backend = %q; remove it", backend)
		}
	}
	switch p.Backend {
	case BackendESCPOS:
		v.need("printer.device", p.Device, filepath.IsAbs(p.Device), `an absolute device path such as "/dev/usb/lp0"`)
		if p.Paper != Paper80mm {
			v.add("printer.paper", `must be "80mm" with backend "escpos", got %q`, p.Paper)
		}
	case BackendIPP:
		u, err := url.Parse(p.IPPURL)
		ok := err == nil && u.Host != "" && (u.Scheme == "ipp" || u.Scheme == "ipps" || u.Scheme == "http" || u.Scheme == "https")
		v.need("printer.ipp_url", p.IPPURL, ok, `an ipp://, ipps://, http:// or https:// printer URI such as "ipp://127.0.0.1:631/ipp/print"`)
		if p.Paper != PaperA4 {
			v.add("printer.paper", `must be "a4" with backend "ipp", got %q`, p.Paper)
		}
	case BackendFile:
		v.need("printer.dir", p.Dir, filepath.IsAbs(p.Dir), "the absolute path of the directory documents are written to")
		if p.Paper != PaperA4 && p.Paper != Paper80mm {
			v.add("printer.paper", `must be "a4" or "80mm", got %q`, p.Paper)
		}
	default:
		v.need("printer.backend", p.Backend, false, `"escpos", "ipp" or "file"`)
	}
	only("device", p.Device, BackendESCPOS)
	only("ipp_url", p.IPPURL, BackendIPP)
	only("dir", p.Dir, BackendFile)
	if p.Font != "" && !filepath.IsAbs(p.Font) {
		v.add("printer.font", "must be an absolute path, got %q", p.Font)
	}
}

func (v *validator) gpio() {
	g := v.c.GPIO
	used := map[string]string{}
	for _, e := range []struct{ key, pin string }{
		{"paper_low", g.PaperLow}, {"door", g.Door}, {"card_led", g.CardLED}, {"buzzer", g.Buzzer},
		{"paper_tray", g.PaperTray},
	} {
		if e.pin == "" {
			continue
		}
		path := "gpio." + e.key
		if !pinPattern.MatchString(e.pin) {
			v.add(path, `must be a pin name such as "GPIO17" (letters, digits and "_"), or "" when not wired, got %q`, e.pin)
			continue
		}
		if other, dup := used[e.pin]; dup {
			v.add(path, "pin %q is also used by %s", e.pin, other)
			continue
		}
		used[e.pin] = path
	}
}

func (v *validator) reminder() {
	r := v.c.Reminder
	v.dur("reminder.beep_after", r.BeepAfter)
	v.dur("reminder.beep_every", r.BeepEvery)
	v.dur("reminder.alert_after", r.AlertAfter)
	if r.AlertAfter < r.BeepAfter {
		v.add("reminder.alert_after", "must be at least reminder.beep_after (%s), got %s", fmtDur(r.BeepAfter), fmtDur(r.AlertAfter))
	}
}

func (v *validator) center() {
	c := v.c.Center
	u, err := url.Parse(c.URL)
	ok := err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == ""
	v.need("center.url", c.URL, ok, `an https:// URL without user, query or fragment, such as "https://center.example.jp/"`)
	for i, f := range c.Fallbacks {
		u, err := url.Parse(f)
		ok := err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" && (u.Path == "" || u.Path == "/")
		v.need(fmt.Sprintf("center.fallback_urls[%d]", i), f, ok, `an https:// URL of another instance of the same center, such as "https://center2.example.jp/"`)
	}
	v.need("center.client_cert", c.ClientCert, filepath.IsAbs(c.ClientCert), "the path of the kiosk's PEM certificate")
	v.need("center.client_key", c.ClientKey, filepath.IsAbs(c.ClientKey), "the path of the kiosk's PEM private key")
	v.need("center.ca_file", c.CAFile, filepath.IsAbs(c.CAFile), "the path of the PEM CA certificate the center's TLS certificate must chain to")
	v.need("center.document_key", c.DocumentKey, filepath.IsAbs(c.DocumentKey), "the path of the center's PEM document-signing public key")
	v.dur("center.connect_timeout", c.ConnectTimeout)
	v.dur("center.request_timeout", c.RequestTimeout)
}

func (v *validator) status() {
	s := v.c.Status
	if s.Listen == "" {
		return
	}
	host, port, err := net.SplitHostPort(s.Listen)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 1 || n > 65535 {
		v.add("status.listen", `must be HOST:PORT such as "127.0.0.1:9180", or "" to disable, got %q`, s.Listen)
		return
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	if !loopback && !s.AllowRemote {
		v.add("status.listen", `must be a loopback address such as "127.0.0.1:9180" unless status.allow_remote = true, got %q`, s.Listen)
	}
}

func (v *validator) screen() {
	s := v.c.Screen
	switch s.Input {
	case InputTerminal, InputEvdev:
	default:
		v.add("screen.input", `must be %q (taps as mouse reports from the terminal, foot 1.15 or newer) or %q (the kiosk reads the touchscreen itself), got %q`,
			InputTerminal, InputEvdev, s.Input)
	}
	if s.DevicePath != "" && !strings.HasPrefix(s.DevicePath, "/dev/") {
		v.add("screen.device", `must be a device file under /dev (such as "/dev/input/event0" or a /dev/input/by-id link) or a name pattern, got %q`, s.DevicePath)
	}
	switch s.Rotation {
	case 0, 90, 180, 270:
	default:
		v.add("screen.rotation", "must be 0, 90, 180 or 270 (degrees clockwise), got %d", s.Rotation)
	}
	for _, ax := range []struct {
		min, max string
		lo, hi   int
	}{{"screen.x_min", "screen.x_max", s.XMin, s.XMax}, {"screen.y_min", "screen.y_max", s.YMin, s.YMax}} {
		if ax.lo == ax.hi && ax.lo != 0 {
			v.add(ax.max, "must differ from %s (%d): the raw values at the two edges of the panel", ax.min, ax.lo)
		}
	}
}

// forms checks one municipality's [[municipality.form]] tables; with forms anywhere,
// reader.text_issuer_key is required.
func (v *validator) forms(p string, fs []forms.Form) {
	if len(fs) > forms.MaxFormsPer {
		v.add(p+".form", "%d forms, at most %d", len(fs), forms.MaxFormsPer)
	}
	if len(fs) > 0 && v.c.Reader.TextIssuerKey == "" {
		v.add("reader.text_issuer_key", "missing; forms need the PEM public key of J-LIS that signs the card's four facts")
	}
	ids := map[string]string{}
	for j, f := range fs {
		fp := indexKey(p+".form", j)
		if err := f.Validate(); err != nil {
			v.add(fp, "%s", strings.TrimPrefix(err.Error(), forms.ErrInvalid.Error()+": "))
		}
		if first, dup := ids[f.ID]; dup {
			v.add(fp+".id", "duplicate: %q is also the id of %s (line %d)", f.ID, parentPath(first), v.lineOf(first))
		} else {
			ids[f.ID] = fp + ".id"
		}
	}
}
