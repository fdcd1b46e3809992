package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestExampleParses(t *testing.T) {
	c, err := Parse("example.toml", Example())
	if err != nil {
		t.Fatalf("the shipped example has problems:\n%v", err)
	}
	if len(c.Municipalities) != 1 || len(c.Municipalities[0].Certificates) != len(CertTypes) {
		t.Errorf("example offers %d municipalities / certificates %v; want 1 municipality offering every type",
			len(c.Municipalities), c.Municipalities)
	}
}

// TestExampleLoads loads the example with its /etc and /var/lib paths moved into a
// temporary directory that holds real files, so the file checks pass as on a kiosk.
func TestExampleLoads(t *testing.T) {
	dir := t.TempDir()
	text := strings.NewReplacer("/etc/madoguchi/", dir+"/", "/var/lib/madoguchi/", dir+"/").Replace(string(Example()))
	file := filepath.Join(dir, "kiosk.toml")
	writeFile(t, file, []byte(text), 0o644)
	ca, _ := writeIdentity(t, "", "")
	writeFile(t, filepath.Join(dir, "center-ca.pem"), ca, 0o644)
	writeIdentity(t, filepath.Join(dir, "kiosk.crt"), filepath.Join(dir, "kiosk.key"))
	writeDocumentKey(t, filepath.Join(dir, "center-doc.pub"))
	c, err := Load(file)
	if err != nil {
		t.Fatalf("Load(example): %v", err)
	}
	if c.Center.ClientKey != filepath.Join(dir, "kiosk.key") {
		t.Errorf("ClientKey = %q", c.Center.ClientKey)
	}
}

// TestExampleDocumentsEveryKey checks that every key the decoder knows appears in the
// example, set or commented out ("# key ="), in its section.
func TestExampleDocumentsEveryKey(t *testing.T) {
	d := &decoder{file: "example.toml", lines: map[string]int{}, bad: map[string]bool{}, schema: map[string][]string{}}
	var root map[string]any
	if _, err := toml.Decode(string(Example()), &root); err != nil {
		t.Fatal(err)
	}
	d.decode(root)
	sections := map[string]string{} // table path → its text in the example
	cur := ""
	header := regexp.MustCompile(`^#?\s*\[\[?([a-z.]+)\]\]?`)
	for _, line := range strings.Split(string(Example()), "\n") {
		if m := header.FindStringSubmatch(line); m != nil {
			cur = m[1]
		}
		sections[cur] += line + "\n"
	}
	var paths []string
	for p := range d.schema {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(paths) < 10 {
		t.Fatalf("schema has only %v", paths)
	}
	for _, p := range paths {
		for _, k := range d.schema[p] {
			if p == "" || p == "municipality" && (k == "certificate" || k == "form") {
				continue // sections and arrays of tables, checked as headers
			}
			re := regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(k) + ` = `)
			if !re.MatchString(sections[p]) {
				t.Errorf("example.toml does not document %s.%s", p, k)
			}
		}
	}
	for _, k := range d.schema[""] {
		if _, ok := sections[k]; !ok {
			t.Errorf("example.toml has no [%s] section", k)
		}
	}
}

func TestDemoValidates(t *testing.T) {
	c := Demo(t.TempDir())
	if err := c.Validate(); err != nil {
		t.Fatalf("Demo config: %v", err)
	}
	// The demo works at any hour of any day, also at the year end.
	for _, at := range []string{"2026-12-31T03:00:00+09:00", "2027-01-01T23:59:00+09:00"} {
		tm, err := time.Parse(time.RFC3339, at)
		must(t, err)
		if !c.Municipalities[0].OpenAt(tm) {
			t.Errorf("demo municipality closed at %s", at)
		}
	}
}

func TestDefaultNamesOnlyRequiredSettings(t *testing.T) {
	err := Default().Validate()
	sameLines(t, problemStrings(t, err), []string{
		"kiosk.id: missing or empty; must be " + idRule,
		"kiosk.location: missing or empty; must be text of 1 to 200 characters without control characters",
		"municipality: missing; add at least one [[municipality]] table",
		`printer.backend: missing or empty; must be "escpos", "ipp" or "file"`,
		`center.url: missing or empty; must be an https:// URL without user, query or fragment, such as "https://center.example.jp/"`,
		"center.client_cert: missing or empty; must be the path of the kiosk's PEM certificate",
		"center.client_key: missing or empty; must be the path of the kiosk's PEM private key",
		"center.ca_file: missing or empty; must be the path of the PEM CA certificate the center's TLS certificate must chain to",
		"center.document_key: missing or empty; must be the path of the center's PEM document-signing public key",
	})
}

func TestValidateCodeBuiltConfig(t *testing.T) {
	c := Demo("/tmp/x")
	c.Center.ClientKey = "kiosk.key"
	c.Printer.Dir = "printed"
	c.Printer.Font = "font.ttf"
	c.Queue.Path = "q.db"
	c.Municipalities[0].Hours = Hours{}
	c.Municipalities[0].Closed = []Closure{{From: Date{Month: 2, Day: 30}, To: Date{Month: 2, Day: 30}}}
	c.Kiosk.LogLevel = 3
	c.Timeouts.Take = 0
	err := c.Validate()
	sameLines(t, problemStrings(t, err), []string{
		`kiosk.log_level: must be "debug", "info", "warn" or "error", got "INFO+3"`,
		`municipality[0].hours: must open before it closes, such as "06:30-23:00", got "00:00-00:00"`,
		`municipality[0].closed[0]: must be "MM-DD", "YYYY-MM-DD" or a range "FROM..TO" such as "12-29..01-03", got "02-30"`,
		`printer.dir: must be the absolute path of the directory documents are written to, got "printed"`,
		`printer.font: must be an absolute path, got "font.ttf"`,
		`center.client_key: must be the path of the kiosk's PEM private key, got "kiosk.key"`,
		`timeouts.take: must be from 5s to 10m, got 0s`,
		`queue.path: must be an absolute path, got "q.db"`,
	})
}

// ExampleParse shows the problems report: every problem, with file, line, key and what
// is allowed.
func ExampleParse() {
	text := `[kiosk]
id = "kiosk-0001"
location = "見本市役所"
langauge = "en"

[[municipality]]
code = "131017"
name = "千代田区"
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 300

[printer]
backend = "file"
dir = "/var/lib/madoguchi/printed"

[center]
url = "http://center.example.jp/"
client_cert = "/etc/madoguchi/kiosk.crt"
client_key = "/etc/madoguchi/kiosk.key"
ca_file = "/etc/madoguchi/center-ca.pem"
document_key = "/etc/madoguchi/center-doc.pub"

[timeouts]
pin = "2s"
`
	_, err := Parse("kiosk.toml", []byte(text))
	if ps, ok := err.(Problems); ok {
		for _, p := range ps {
			fmt.Println(p)
		}
	}
	// Output:
	// kiosk.toml:4: kiosk.langauge: unknown key; did you mean "language"?
	// kiosk.toml:7: municipality[0].code: check digit is wrong: "131017" must end in 6
	// kiosk.toml:18: center.url: must be an https:// URL without user, query or fragment, such as "https://center.example.jp/", got "http://center.example.jp/"
	// kiosk.toml:25: timeouts.pin: must be from 5s to 10m, got 2s
}

// ExampleCheck is what `kiosk check-config FILE` does: print every problem, or "ok".
func ExampleCheck() {
	dir, _ := os.MkdirTemp("", "config-example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(file, []byte("[kiosk]\nid = \"k-1\"\nlocation = \"x\"\n[reader]\nname_patern = \"acs\"\n[queue]\npath = \"kiosk.db\"\n"), 0o644)
	var out strings.Builder
	ok := Check(file, &out)
	fmt.Print(strings.ReplaceAll(out.String(), dir, "DIR"))
	fmt.Println("exit status 0:", ok)
	// Output:
	// DIR/kiosk.toml: municipality: missing; add at least one [[municipality]] table
	// DIR/kiosk.toml: printer.backend: missing or empty; must be "escpos", "ipp" or "file"
	// DIR/kiosk.toml: center.url: missing or empty; must be an https:// URL without user, query or fragment, such as "https://center.example.jp/"
	// DIR/kiosk.toml: center.client_cert: missing or empty; must be the path of the kiosk's PEM certificate
	// DIR/kiosk.toml: center.client_key: missing or empty; must be the path of the kiosk's PEM private key
	// DIR/kiosk.toml: center.ca_file: missing or empty; must be the path of the PEM CA certificate the center's TLS certificate must chain to
	// DIR/kiosk.toml: center.document_key: missing or empty; must be the path of the center's PEM document-signing public key
	// DIR/kiosk.toml:5: reader.name_patern: unknown key; did you mean "name_pattern"?
	// DIR/kiosk.toml: 8 problems
	// exit status 0: false
}
