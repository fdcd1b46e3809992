package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"madoguchi/forms"
)

// The decoder maps the generic tree BurntSushi/toml parsed (map[string]any) onto Config.
// It does not use toml.Decode into structs because that stops at the first wrong type;
// here every wrong type, malformed value and unknown key becomes one Problem and decoding
// goes on. Range and cross-field checks are Validate's job (they apply to configs built in
// code too); the decoder only reports what cannot be represented in a Config.

type decoder struct {
	file  string
	dir   string // relative paths are resolved against it
	lines map[string]int
	probs Problems
	bad   map[string]bool // key paths with a problem; Validate does not repeat them

	schema map[string][]string // table path without indexes → its keys (for tests)
}

func (d *decoder) line(path string) int {
	for p := path; ; p = parentPath(p) {
		if l, ok := d.lines[p]; ok {
			return l
		}
		if p == "" {
			return 0
		}
	}
}

func (d *decoder) add(path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: d.line(path), Key: path, Msg: fmt.Sprintf(format, args...)})
	d.bad[path] = true
}

type table struct {
	d       *decoder
	path    string
	m       map[string]any // nil when the table is absent or not a table
	used    map[string]bool
	allowed []string
}

func (d *decoder) table(path string, m map[string]any) *table {
	return &table{d: d, path: path, m: m, used: map[string]bool{}}
}

// take marks k as a known key of t and returns its value, if set.
func (t *table) take(k string) (v any, path string, ok bool) {
	t.allowed = append(t.allowed, k)
	t.used[k] = true
	v, ok = t.m[k]
	return v, joinKey(t.path, k), ok
}

// describe names a TOML value for messages: `integer 42`, `string "x"`, `table`.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return fmt.Sprintf("integer %d", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case time.Time:
		return "datetime " + v.String()
	case []map[string]any, []any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// secretKeys are the keys whose values no message may show, not even in part.
var secretKeys = map[string]bool{"kiosk.technician_pin": true}

// secretNames are the last parts of secretKeys: a TOML syntax error on a line that names
// one of them is not quoted (the parser's message may repeat the value, or a character
// of it).
var secretNames = []string{"technician_pin"}

// describeSecret names only the type of a secret key's value: `integer`, `string`.
func describeSecret(v any) string {
	d := describe(v)
	if i := strings.IndexByte(d, ' '); i > 0 {
		d = d[:i]
	}
	return d + " (value not shown: it is a secret)"
}

// as returns v, the value at path, as a T; a value of another type is reported as
// "must be <want>, got <what it is>" (for a secret key, what type it is only).
func as[T any](d *decoder, path string, v any, want string) (T, bool) {
	x, ok := v.(T)
	if !ok {
		what := describe(v)
		if secretKeys[path] {
			what = describeSecret(v)
		}
		d.add(path, "must be %s, got %s", want, what)
	}
	return x, ok
}

// get reads k as a T (see as); ok is false when k is absent or of another type.
func get[T any](t *table, k, want string) (x T, path string, ok bool) {
	v, path, present := t.take(k)
	if !present {
		return x, path, false
	}
	x, ok = as[T](t.d, path, v, want)
	return x, path, ok
}

// set stores the value at k in dst when it is a T; it reports whether it did.
func set[T any](t *table, k, want string, dst *T) bool {
	x, _, ok := get[T](t, k, want)
	if ok {
		*dst = x
	}
	return ok
}

// convert returns what conv makes of s, the string at path. A string conv rejects is
// reported with reject, a format that may use %[1]q for s and %[2]v for conv's error.
func convert[T any](d *decoder, path, s string, conv func(string) (T, error), reject string) (T, bool) {
	x, err := conv(s)
	if err != nil {
		d.add(path, reject, s, err)
	}
	return x, err == nil
}

// parseKey stores in dst what conv makes of the string at k: a value that is not a string is
// reported as "must be <want>", a string conv rejects as convert does.
func parseKey[T any](t *table, k, want string, dst *T, conv func(string) (T, error), reject string) {
	s, path, ok := get[string](t, k, want)
	if !ok {
		return
	}
	if x, ok := convert(t.d, path, s, conv, reject); ok {
		*dst = x
	}
}

// parseEach reads the array of strings at k and converts each element as parseKey does,
// keeping those conv accepts; present reports whether k was set at all.
func parseEach[T any](t *table, k string, conv func(string) (T, error), reject string) (vals []T, present bool) {
	v, path, ok := t.take(k)
	if !ok {
		return nil, false
	}
	vals = []T{}
	arr, _ := as[[]any](t.d, path, v, "an array of strings")
	for i, e := range arr {
		p := indexKey(path, i)
		if s, ok := as[string](t.d, p, e, "a string"); ok {
			if x, ok := convert(t.d, p, s, conv, reject); ok {
				vals = append(vals, x)
			}
		}
	}
	return vals, true
}

func (t *table) str(k string, dst *string) bool { return set(t, k, "a string", dst) }

func (t *table) integer64(k string, dst *int64) { set(t, k, "an integer", dst) }

func (t *table) boolean(k string, dst *bool) { set(t, k, "true or false", dst) }

// file reads a file or directory name, resolved against the config file's directory.
func (t *table) file(k string, dst *string) {
	var s string
	if t.str(k, &s) {
		if s != "" && !filepath.IsAbs(s) {
			s = filepath.Join(t.d.dir, s)
		}
		*dst = s
	}
}

// integer reads an integer; values outside [lo, hi] are reported here because they may
// not fit an int on a 32-bit kiosk.
func (t *table) integer(k string, dst *int, lo, hi int) {
	n, path, ok := get[int64](t, k, "an integer")
	if !ok {
		return
	}
	if n < int64(lo) || n > int64(hi) {
		t.d.add(path, "must be an integer from %d to %d, got %d", lo, hi, n)
		return
	}
	*dst = int(n)
}

func (t *table) duration(k string, dst *time.Duration) {
	parseKey(t, k, `a duration string such as "30s", "5m" or "1h30m"`, dst, time.ParseDuration,
		`must be a duration such as "30s", "5m" or "1h30m", got %[1]q`)
}

// sub returns the table at k; an absent table comes back empty (so its defaults apply).
func (t *table) sub(k string) *table {
	v, path, ok := t.take(k)
	st := t.d.table(path, nil)
	if ok {
		st.m, _ = as[map[string]any](t.d, path, v, "a table (["+path+"])")
	}
	return st
}

// tables returns the elements of the array of tables at k ([[k]] or k = [{...}, ...]);
// present reports whether k was set at all.
func (t *table) tables(k string) (elems []*table, present bool) {
	v, path, ok := t.take(k)
	if !ok {
		return nil, false
	}
	switch v := v.(type) {
	case []map[string]any:
		for i, m := range v {
			elems = append(elems, t.d.table(indexKey(path, i), m))
		}
	case []any:
		for i, e := range v {
			if m, ok := as[map[string]any](t.d, indexKey(path, i), e, "a table"); ok {
				elems = append(elems, t.d.table(indexKey(path, i), m))
			}
		}
	default:
		t.d.add(path, "must be an array of tables ([[%s]]), got %s", path, describe(v))
	}
	return elems, true
}

// done reports every key of t that no getter asked for.
func (t *table) done() {
	if t.d.schema != nil {
		t.d.schema[indexRE.ReplaceAllString(t.path, "")] = t.allowed
	}
	var unknown []string
	for k := range t.m {
		if !t.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Slice(unknown, func(i, j int) bool {
		li, lj := t.d.line(joinKey(t.path, unknown[i])), t.d.line(joinKey(t.path, unknown[j]))
		if li != lj {
			return li < lj
		}
		return unknown[i] < unknown[j]
	})
	for _, k := range unknown {
		path := joinKey(t.path, k)
		if s := suggest(k, t.allowed); s != "" {
			t.d.add(path, "unknown key; did you mean %q?", s)
		} else {
			t.d.add(path, "unknown key; allowed here: %s", strings.Join(t.allowed, ", "))
		}
	}
}

// suggest returns the allowed key closest to k when it is close enough to be a typo
// (at most two edits) or a shortening ("fee" for "fee_yen").
func suggest(k string, allowed []string) string {
	best, bestDist := "", math.MaxInt
	lk := strings.ToLower(k)
	for _, a := range allowed {
		d := editDistance(lk, a)
		if len(lk) >= 3 && strings.HasPrefix(a, lk) {
			d = min(d, 2)
		}
		if d < bestDist {
			best, bestDist = a, d
		}
	}
	if bestDist <= 2 && bestDist < len(k) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var indexRE = regexp.MustCompile(`\[[0-9]+\]`)

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// parseLevel reads a log level name (see logLevels).
func parseLevel(s string) (slog.Level, error) {
	l, ok := logLevels[s]
	if !ok {
		return 0, errors.New("unknown log level")
	}
	return l, nil
}

// parsePattern compiles a reader name pattern; "" leaves it nil (the first reader found).
func parsePattern(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	return regexp.Compile(s)
}

// The messages for strings a parser rejects (see convert).
const (
	rejectLevel   = `must be "debug", "info", "warn" or "error", got %[1]q`
	rejectPattern = "must be a regular expression (Go RE2 syntax): %[2]v"
	rejectClosure = `must be "MM-DD", "YYYY-MM-DD" or a range "FROM..TO" such as "12-29..01-03", got %[1]q (%[2]v)`
)

// rejectHours is the message for a malformed service window; example is a valid one.
func rejectHours(example string) string {
	return `must be "HH:MM-HH:MM" such as "` + example + `", got %[1]q (%[2]v)`
}

// decode fills a Config from the parsed file, starting from Default().
func (d *decoder) decode(root map[string]any) *Config {
	c := Default()
	r := d.table("", root)

	k := r.sub("kiosk")
	k.str("id", &c.Kiosk.ID)
	k.str("location", &c.Kiosk.Location)
	k.str("language", &c.Kiosk.Language)
	parseKey(k, "log_level", "a string", &c.Kiosk.LogLevel, parseLevel, rejectLevel)
	k.integer("max_copies", &c.Kiosk.MaxCopies, 1, maxCopies)
	k.str("technician_pin", &c.Kiosk.TechnicianPIN)
	k.file("translations", &c.Kiosk.Translations)
	k.done()

	ms, _ := r.tables("municipality")
	for _, mt := range ms {
		c.Municipalities = append(c.Municipalities, d.municipality(mt))
	}

	rd := r.sub("reader")
	parseKey(rd, "name_pattern", "a string", &c.Reader.NamePattern, parsePattern, rejectPattern)
	rd.file("text_issuer_key", &c.Reader.TextIssuerKey)
	rd.done()

	p := r.sub("printer")
	p.str("backend", &c.Printer.Backend)
	p.str("device", &c.Printer.Device)
	p.str("ipp_url", &c.Printer.IPPURL)
	p.file("dir", &c.Printer.Dir)
	p.str("paper", &c.Printer.Paper)
	p.file("font", &c.Printer.Font)
	p.done()
	if _, set := p.m["device"]; !set && c.Printer.Backend == BackendESCPOS {
		c.Printer.Device = DefaultDevice
	}
	if _, set := p.m["paper"]; !set {
		c.Printer.Paper = defaultPaper(c.Printer.Backend)
	}

	g := r.sub("gpio")
	g.str("paper_low", &c.GPIO.PaperLow)
	g.str("door", &c.GPIO.Door)
	g.str("card_led", &c.GPIO.CardLED)
	g.str("buzzer", &c.GPIO.Buzzer)
	g.str("paper_tray", &c.GPIO.PaperTray)
	g.done()

	rm := r.sub("reminder")
	rm.duration("beep_after", &c.Reminder.BeepAfter)
	rm.duration("beep_every", &c.Reminder.BeepEvery)
	rm.duration("alert_after", &c.Reminder.AlertAfter)
	rm.done()

	ce := r.sub("center")
	ce.str("url", &c.Center.URL)
	if urls, present := parseEach(ce, "fallback_urls", func(s string) (string, error) { return s, nil }, "%[1]q: %[2]v"); present {
		c.Center.Fallbacks = urls
	}
	ce.file("ca_file", &c.Center.CAFile)
	ce.file("client_cert", &c.Center.ClientCert)
	ce.file("client_key", &c.Center.ClientKey)
	ce.file("document_key", &c.Center.DocumentKey)
	ce.duration("connect_timeout", &c.Center.ConnectTimeout)
	ce.duration("request_timeout", &c.Center.RequestTimeout)
	ce.done()

	to := r.sub("timeouts")
	to.duration("idle", &c.Timeouts.Idle)
	to.duration("choose", &c.Timeouts.Choose)
	to.duration("card", &c.Timeouts.Card)
	to.duration("pin", &c.Timeouts.PIN)
	to.duration("center", &c.Timeouts.Center)
	to.duration("fee", &c.Timeouts.Fee)
	to.duration("print", &c.Timeouts.Print)
	to.duration("take", &c.Timeouts.Take)
	to.done()

	q := r.sub("queue")
	q.file("path", &c.Queue.Path)
	q.integer("max_messages", &c.Queue.MaxMessages, minMessages, maxMessages)
	q.integer64("max_bytes", &c.Queue.MaxBytes)
	q.duration("max_age", &c.Queue.MaxAge)
	q.duration("retention", &c.Queue.Retention)
	q.integer("batch_size", &c.Queue.BatchSize, 1, maxBatch)
	q.duration("retry_min", &c.Queue.RetryMin)
	q.duration("retry_max", &c.Queue.RetryMax)
	q.duration("parked_application_retention", &c.Queue.ParkedApplicationRetention)
	q.done()

	s := r.sub("status")
	s.str("listen", &c.Status.Listen)
	s.boolean("allow_remote", &c.Status.AllowRemote)
	s.done()

	d.screen(r.sub("screen"), &c.Screen)
	d.voice(r.sub("voice"), &c.Voice)
	d.keypad(r.sub("keypad"), &c.Keypad)
	d.display(r.sub("display"), &c.Display)

	r.done()
	return c
}

// device reads t's key naming an input device: a path when it starts with "/", else a
// name pattern (RE2); example is a path for the message.
func (d *decoder) device(t *table, key, example string) (string, *regexp.Regexp) {
	dev, path, ok := get[string](t, key, "a string")
	if !ok || dev == "" {
		return "", nil
	}
	if strings.HasPrefix(dev, "/") {
		return filepath.Clean(dev), nil
	}
	re, _ := convert(d, path, dev, regexp.Compile,
		`must be a device path such as `+example+` or a name pattern (Go RE2 syntax): %[2]v`)
	return "", re
}

// screen reads the [screen] section. device is a path when it starts with "/", else a
// name pattern.
func (d *decoder) screen(t *table, s *Screen) {
	t.str("input", &s.Input)
	s.DevicePath, s.DevicePattern = d.device(t, "device", `"/dev/input/event0"`)
	t.integer("rotation", &s.Rotation, 0, 270)
	t.boolean("swap_xy", &s.SwapXY)
	for _, ax := range []struct {
		min, max string
		lo, hi   *int
	}{{"x_min", "x_max", &s.XMin, &s.XMax}, {"y_min", "y_max", &s.YMin, &s.YMax}} {
		t.integer(ax.min, ax.lo, math.MinInt32, math.MaxInt32)
		t.integer(ax.max, ax.hi, math.MinInt32, math.MaxInt32)
		_, hasMin := t.m[ax.min]
		_, hasMax := t.m[ax.max]
		if hasMin != hasMax {
			missing := ax.max
			if !hasMin {
				missing = ax.min
			}
			d.add(joinKey(t.path, missing), "missing; set %s and %s together (the raw values at the two edges), or neither", ax.min, ax.max)
		}
	}
	t.done()
}

func defaultPaper(backend string) string {
	if backend == BackendESCPOS {
		return Paper80mm
	}
	return PaperA4
}

func (d *decoder) municipality(t *table) Municipality {
	m := Municipality{Hours: DefaultHours, Closed: append([]Closure(nil), DefaultClosures...)}
	if n, ok := t.m["code"].(int64); ok {
		// A number loses leading zeros (011002 → 11002): say how to write it.
		_, path, _ := t.take("code")
		d.add(path, `must be a string, got integer %d (write it as a quoted string: code = "%06d")`, n, n)
	} else {
		t.str("code", &m.Code)
	}
	t.str("name", &m.Name)
	t.str("name_en", &m.NameEN)
	parseKey(t, "hours", "a string", &m.Hours, ParseHours, rejectHours("06:30-23:00"))
	if closed, present := parseEach(t, "closed", ParseClosure, rejectClosure); present {
		m.Closed = closed
	}
	cs, _ := t.tables("certificate")
	for _, ct := range cs {
		var c Certificate
		var typ string
		ct.str("type", &typ)
		c.Type = CertType(typ)
		ct.integer("fee_yen", &c.FeeYen, 0, maxFee)
		if _, set := ct.m["fee_yen"]; !set && ct.m != nil {
			d.add(joinKey(ct.path, "fee_yen"), "missing; must be the fee per copy in yen, an integer from 0 to %d", maxFee)
		}
		parseKey(ct, "hours", "a string", &c.Hours, ParseHours, rejectHours("09:00-17:00"))
		ct.boolean("weekdays_only", &c.WeekdaysOnly)
		ct.done()
		m.Certificates = append(m.Certificates, c)
	}
	fs, _ := t.tables("form")
	for _, ft := range fs {
		m.Forms = append(m.Forms, d.form(ft))
	}
	t.done()
	return m
}

// form reads one [[municipality.form]] table and its [[municipality.form.field]] tables.
func (d *decoder) form(t *table) forms.Form {
	var f forms.Form
	t.str("id", &f.ID)
	t.str("title", &f.Title)
	t.str("title_en", &f.TitleEN)
	t.boolean("electronic", &f.Electronic)
	fds, _ := t.tables("field")
	for _, ft := range fds {
		var fd forms.Field
		var src string
		ft.str("label", &fd.Label)
		ft.str("label_en", &fd.LabelEN)
		ft.str("source", &src)
		fd.Source = forms.Source(src)
		ft.integer("lines", &fd.Lines, 1, forms.MaxLines)
		var in string
		ft.str("input", &in)
		fd.Input = forms.Input(in)
		ft.done()
		f.Fields = append(f.Fields, fd)
	}
	t.done()
	return f
}
