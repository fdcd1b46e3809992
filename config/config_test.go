package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// validSections is a minimal valid file, one section per entry. Test cases replace one
// section and put it first, so their line numbers count from line 1 of their own text.
var validSections = []struct{ name, text string }{
	{"kiosk", "[kiosk]\nid = \"k-1\"\nlocation = \"見本市役所\"\n"},
	{"municipality", "[[municipality]]\ncode = \"131016\"\nname = \"千代田区\"\n" +
		"[[municipality.certificate]]\ntype = \"juminhyo\"\nfee_yen = 300\n"},
	{"reader", "[reader]\n"},
	{"printer", "[printer]\nbackend = \"file\"\ndir = \"/var/lib/madoguchi/printed\"\n"},
	{"gpio", "[gpio]\n"},
	{"center", "[center]\nurl = \"https://center.example.jp/\"\n" +
		"client_cert = \"/etc/madoguchi/kiosk.crt\"\nclient_key = \"/etc/madoguchi/kiosk.key\"\n" +
		"ca_file = \"/etc/madoguchi/center-ca.pem\"\ndocument_key = \"/etc/madoguchi/center-doc.pub\"\n"},
	{"timeouts", "[timeouts]\n"},
	{"queue", "[queue]\n"},
	{"status", "[status]\n"},
}

// doc returns a file whose first lines are text, replacing the valid section name.
func doc(name, text string) string {
	var b strings.Builder
	b.WriteString(text)
	for _, s := range validSections {
		if s.name != name {
			b.WriteString("\n")
			b.WriteString(s.text)
		}
	}
	return b.String()
}

func problemStrings(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T, not Problems: %v", err, err)
	}
	return ps.Strings()
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

const idRule = `1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`
const certTypesRule = `one of "juminhyo", "kisai-jiko", "inkan", "koseki", "koseki-fuhyo", "kazei"`

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name    string
		section string // the valid section the text replaces
		text    string
		want    []string // exact problems; nil means valid
	}{
		// [kiosk]
		{"kiosk all keys", "kiosk", "[kiosk]\nid = \"k.1_a-B\"\nlocation = \"x\"\nlanguage = \"en\"\nlog_level = \"debug\"\nmax_copies = 1\n", nil},
		{"kiosk technician pin", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\ntechnician_pin = \"20261127\"\n", nil},
		{"kiosk technician pin short", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\ntechnician_pin = \"1234\"\n",
			[]string{`kiosk.toml:4: kiosk.technician_pin: must be 6 to 12 digits, or "" to disable technician mode (got 4 characters)`}},
		{"kiosk technician pin letters", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\ntechnician_pin = \"secret99\"\n",
			[]string{`kiosk.toml:4: kiosk.technician_pin: must be 6 to 12 digits, or "" to disable technician mode (got 8 characters)`}},
		{"kiosk id missing", "kiosk", "[kiosk]\nlocation = \"x\"\n",
			[]string{"kiosk.toml:1: kiosk.id: missing or empty; must be " + idRule}},
		{"kiosk id space", "kiosk", "[kiosk]\nid = \"kiosk 1\"\nlocation = \"x\"\n",
			[]string{`kiosk.toml:2: kiosk.id: must be ` + idRule + `, got "kiosk 1"`}},
		{"kiosk id too long", "kiosk", "[kiosk]\nid = \"" + strings.Repeat("a", 65) + "\"\nlocation = \"x\"\n",
			[]string{`kiosk.toml:2: kiosk.id: must be ` + idRule + `, got "` + strings.Repeat("a", 65) + `"`}},
		{"kiosk id starts with dot", "kiosk", "[kiosk]\nid = \".k\"\nlocation = \"x\"\n",
			[]string{`kiosk.toml:2: kiosk.id: must be ` + idRule + `, got ".k"`}},
		{"kiosk id wrong type", "kiosk", "[kiosk]\nid = 5\nlocation = \"x\"\n",
			[]string{"kiosk.toml:2: kiosk.id: must be a string, got integer 5"}},
		{"kiosk location blank", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"  \"\n",
			[]string{"kiosk.toml:3: kiosk.location: missing or empty; must be text of 1 to 200 characters without control characters"}},
		{"kiosk location control", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"a\\tb\"\n",
			[]string{`kiosk.toml:3: kiosk.location: must be text of 1 to 200 characters without control characters, got "a\tb"`}},
		{"kiosk language pt-BR", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nlanguage = \"pt-BR\"\n", nil},
		{"kiosk language", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nlanguage = \"fr\"\n",
			[]string{`kiosk.toml:4: kiosk.language: must be one of ja en zh-Hans zh-Hant ko vi tl pt-BR ne id es, got "fr"`}},
		{"kiosk log level", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nlog_level = \"verbose\"\n",
			[]string{`kiosk.toml:4: kiosk.log_level: must be "debug", "info", "warn" or "error", got "verbose"`}},
		{"kiosk max copies high", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nmax_copies = 11\n",
			[]string{"kiosk.toml:4: kiosk.max_copies: must be an integer from 1 to 10, got 11"}},
		{"kiosk max copies zero", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nmax_copies = 0\n",
			[]string{"kiosk.toml:4: kiosk.max_copies: must be an integer from 1 to 10, got 0"}},
		{"kiosk max copies huge", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nmax_copies = 9999999999\n",
			[]string{"kiosk.toml:4: kiosk.max_copies: must be an integer from 1 to 10, got 9999999999"}},
		{"kiosk max copies string", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nmax_copies = \"10\"\n",
			[]string{`kiosk.toml:4: kiosk.max_copies: must be an integer, got string "10"`}},
		{"kiosk typo", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nlangauge = \"en\"\n",
			[]string{`kiosk.toml:4: kiosk.langauge: unknown key; did you mean "language"?`}},
		{"kiosk unknown", "kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\ncolour = \"red\"\n",
			[]string{"kiosk.toml:4: kiosk.colour: unknown key; allowed here: id, location, language, log_level, max_copies, technician_pin, translations"}},
		{"kiosk not a table", "kiosk", "kiosk = 5\n",
			[]string{"kiosk.toml:1: kiosk: must be a table ([kiosk]), got integer 5"}},
		{"kiosk section missing", "kiosk", "", []string{
			"kiosk.toml: kiosk.id: missing or empty; must be " + idRule,
			"kiosk.toml: kiosk.location: missing or empty; must be text of 1 to 200 characters without control characters",
		}},

		// [[municipality]]
		{"municipality missing", "municipality", "",
			[]string{"kiosk.toml: municipality: missing; add at least one [[municipality]] table"}},
		{"municipality not array", "municipality", "municipality = \"x\"\n",
			[]string{`kiosk.toml:1: municipality: must be an array of tables ([[municipality]]), got string "x"`}},
		{"municipality single table", "municipality", "[municipality]\ncode = \"131016\"\n",
			[]string{`kiosk.toml:1: municipality: must be an array of tables ([[municipality]]), got table`}},
		{"kiosk array of tables", "kiosk", "[[kiosk]]\nid = \"k\"\n",
			[]string{`kiosk.toml:1: kiosk: must be a table ([kiosk]), got array`}},
		{"municipality all keys", "municipality", "[[municipality]]\ncode = \"011002\"\nname = \"札幌市\"\nhours = \"00:00-24:00\"\nclosed = []\n" +
			"[[municipality.certificate]]\ntype = \"koseki\"\nfee_yen = 0\nhours = \"09:00-17:00\"\nweekdays_only = true\n", nil},
		{"code missing", "municipality", "[[municipality]]\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:1: municipality[0].code: missing or empty; must be a 6-digit 全国地方公共団体コード such as "131016"`}},
		{"code five digits", "municipality", "[[municipality]]\ncode = \"13101\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:2: municipality[0].code: must be a 6-digit 全国地方公共団体コード such as "131016", got "13101"`}},
		{"code letters", "municipality", "[[municipality]]\ncode = \"13101a\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:2: municipality[0].code: must be a 6-digit 全国地方公共団体コード such as "131016", got "13101a"`}},
		{"code prefecture", "municipality", "[[municipality]]\ncode = \"481017\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:2: municipality[0].code: must start with a prefecture number from 01 to 47, got "481017"`}},
		{"code check digit", "municipality", "[[municipality]]\ncode = \"131017\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:2: municipality[0].code: check digit is wrong: "131017" must end in 6`}},
		{"code integer", "municipality", "[[municipality]]\ncode = 11002\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:2: municipality[0].code: must be a string, got integer 11002 (write it as a quoted string: code = "011002")`}},
		{"code duplicate", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"a\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n" +
			"[[municipality]]\ncode = \"131016\"\nname = \"b\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:8: municipality[1].code: duplicate: "131016" is also the code of municipality[0] (line 2)`}},
		{"name missing", "municipality", "[[municipality]]\ncode = \"131016\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{"kiosk.toml:1: municipality[0].name: missing or empty; must be text of 1 to 100 characters without control characters"}},
		{"hours reversed", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nhours = \"23:00-06:30\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].hours: must open before it closes, such as "06:30-23:00", got "23:00-06:30"`}},
		{"hours one digit", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nhours = \"6:30-23:00\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].hours: must be "HH:MM-HH:MM" such as "06:30-23:00", got "6:30-23:00" (opening time is not HH:MM)`}},
		{"hours past midnight", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nhours = \"06:30-24:30\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].hours: must be "HH:MM-HH:MM" such as "06:30-23:00", got "06:30-24:30" (closing time is not from 00:00 to 24:00)`}},
		{"hours integer", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nhours = 630\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].hours: must be a string, got integer 630`}},
		{"closed bad day", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nclosed = [\n  \"12-29..01-03\",\n  \"02-30\",\n]\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:6: municipality[0].closed[1]: must be "MM-DD", "YYYY-MM-DD" or a range "FROM..TO" such as "12-29..01-03", got "02-30" (no such day)`}},
		{"closed mixed range", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nclosed = [\"12-29..2027-01-03\"]\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].closed[0]: must be "MM-DD", "YYYY-MM-DD" or a range "FROM..TO" such as "12-29..01-03", got "12-29..2027-01-03" (both ends of a range must be MM-DD or both YYYY-MM-DD)`}},
		{"closed not array", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nclosed = \"12-29\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].closed: must be an array of strings, got string "12-29"`}},
		{"closed element type", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\nclosed = [1229]\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:4: municipality[0].closed[0]: must be a string, got integer 1229`}},
		{"certificate missing", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n",
			[]string{"kiosk.toml:1: municipality[0].certificate: missing; add at least one [[municipality.certificate]] table"}},
		{"certificate type missing", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\nfee_yen = 1\n",
			[]string{"kiosk.toml:4: municipality[0].certificate[0].type: missing or empty; must be " + certTypesRule}},
		{"certificate type unknown", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"jumin\"\nfee_yen = 1\n",
			[]string{`kiosk.toml:5: municipality[0].certificate[0].type: must be ` + certTypesRule + `, got "jumin"`}},
		{"certificate type duplicate", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 2\n",
			[]string{`kiosk.toml:8: municipality[0].certificate[1].type: duplicate: "inkan" is also offered by municipality[0].certificate[0] (line 4)`}},
		{"fee missing", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\n",
			[]string{"kiosk.toml:4: municipality[0].certificate[0].fee_yen: missing; must be the fee per copy in yen, an integer from 0 to 10000"}},
		{"fee negative", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = -1\n",
			[]string{"kiosk.toml:6: municipality[0].certificate[0].fee_yen: must be an integer from 0 to 10000, got -1"}},
		{"fee too high", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 10001\n",
			[]string{"kiosk.toml:6: municipality[0].certificate[0].fee_yen: must be an integer from 0 to 10000, got 10001"}},
		{"fee string", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = \"300\"\n",
			[]string{`kiosk.toml:6: municipality[0].certificate[0].fee_yen: must be an integer, got string "300"`}},
		{"certificate hours", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\nhours = \"17:00-09:00\"\n",
			[]string{`kiosk.toml:7: municipality[0].certificate[0].hours: must open before it closes, such as "09:00-17:00", got "17:00-09:00"`}},
		{"certificate hours format", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\nhours = \"9-17\"\n",
			[]string{`kiosk.toml:7: municipality[0].certificate[0].hours: must be "HH:MM-HH:MM" such as "09:00-17:00", got "9-17" (opening time is not HH:MM)`}},
		{"weekdays only type", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\nweekdays_only = \"yes\"\n",
			[]string{`kiosk.toml:7: municipality[0].certificate[0].weekdays_only: must be true or false, got string "yes"`}},
		{"certificate typo", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\nfee_yn = 2\n",
			[]string{`kiosk.toml:7: municipality[0].certificate[0].fee_yn: unknown key; did you mean "fee_yen"?`}},
		{"inline certificates", "municipality", "[[municipality]]\ncode = \"131016\"\nname = \"x\"\ncertificate = [\n  {type = \"inkan\", fee_yen = 1},\n  {type = \"koseki\", fee_yen = -5},\n]\n",
			[]string{"kiosk.toml:6: municipality[0].certificate[1].fee_yen: must be an integer from 0 to 10000, got -5"}},
		{"municipality typo", "municipality", "[[municipality]]\ncode = \"131016\"\nnmae = \"x\"\n[[municipality.certificate]]\ntype = \"inkan\"\nfee_yen = 1\n", []string{
			"kiosk.toml:1: municipality[0].name: missing or empty; must be text of 1 to 100 characters without control characters",
			`kiosk.toml:3: municipality[0].nmae: unknown key; did you mean "name"?`,
		}},

		// [reader]
		{"reader pattern", "reader", "[reader]\nname_pattern = \"(?i)sony|acs\"\n", nil},
		{"reader pattern bad", "reader", "[reader]\nname_pattern = \"(\"\n",
			[]string{"kiosk.toml:2: reader.name_pattern: must be a regular expression (Go RE2 syntax): error parsing regexp: missing closing ): `(`"}},
		{"reader pattern type", "reader", "[reader]\nname_pattern = 1\n",
			[]string{"kiosk.toml:2: reader.name_pattern: must be a string, got integer 1"}},

		// [printer]
		{"printer escpos defaults", "printer", "[printer]\nbackend = \"escpos\"\n", nil},
		{"printer ipp", "printer", "[printer]\nbackend = \"ipp\"\nipp_url = \"ipps://printer.local/ipp/print\"\nfont = \"/usr/share/fonts/x.ttf\"\n", nil},
		{"printer backend missing", "printer", "[printer]\n",
			[]string{`kiosk.toml:1: printer.backend: missing or empty; must be "escpos", "ipp" or "file"`}},
		{"printer backend unknown", "printer", "[printer]\nbackend = \"cups\"\n",
			[]string{`kiosk.toml:2: printer.backend: must be "escpos", "ipp" or "file", got "cups"`}},
		{"printer escpos a4", "printer", "[printer]\nbackend = \"escpos\"\npaper = \"a4\"\n",
			[]string{`kiosk.toml:3: printer.paper: must be "80mm" with backend "escpos", got "a4"`}},
		{"printer escpos device relative", "printer", "[printer]\nbackend = \"escpos\"\ndevice = \"lp0\"\n",
			[]string{`kiosk.toml:3: printer.device: must be an absolute device path such as "/dev/usb/lp0", got "lp0"`}},
		{"printer ipp url missing", "printer", "[printer]\nbackend = \"ipp\"\n",
			[]string{`kiosk.toml:1: printer.ipp_url: missing or empty; must be an ipp://, ipps://, http:// or https:// printer URI such as "ipp://127.0.0.1:631/ipp/print"`}},
		{"printer ipp url scheme", "printer", "[printer]\nbackend = \"ipp\"\nipp_url = \"lpd://x/q\"\n",
			[]string{`kiosk.toml:3: printer.ipp_url: must be an ipp://, ipps://, http:// or https:// printer URI such as "ipp://127.0.0.1:631/ipp/print", got "lpd://x/q"`}},
		{"printer ipp 80mm", "printer", "[printer]\nbackend = \"ipp\"\nipp_url = \"ipp://x/q\"\npaper = \"80mm\"\n",
			[]string{`kiosk.toml:4: printer.paper: must be "a4" with backend "ipp", got "80mm"`}},
		{"printer file dir missing", "printer", "[printer]\nbackend = \"file\"\n",
			[]string{`kiosk.toml:1: printer.dir: missing or empty; must be the absolute path of the directory documents are written to`}},
		{"printer file paper", "printer", "[printer]\nbackend = \"file\"\ndir = \"/tmp\"\npaper = \"a3\"\n",
			[]string{`kiosk.toml:4: printer.paper: must be "a4" or "80mm", got "a3"`}},
		{"printer other backend's keys", "printer", "[printer]\nbackend = \"file\"\ndir = \"/tmp\"\ndevice = \"/dev/usb/lp0\"\nipp_url = \"ipp://x/q\"\n", []string{
			`kiosk.toml:4: printer.device: only used with backend = "escpos"; remove it`,
			`kiosk.toml:5: printer.ipp_url: only used with backend = "ipp"; remove it`,
		}},
		{"printer font type", "printer", "[printer]\nbackend = \"file\"\ndir = \"/tmp\"\nfont = false\n",
			[]string{`kiosk.toml:4: printer.font: must be a string, got boolean false`}},

		// [gpio]
		{"gpio all pins", "gpio", "[gpio]\npaper_low = \"GPIO17\"\ndoor = \"GPIO27\"\ncard_led = \"GPIO22\"\nbuzzer = \"P1_11\"\n", nil},
		{"gpio bad name", "gpio", "[gpio]\npaper_low = \"GPIO 17\"\n",
			[]string{`kiosk.toml:2: gpio.paper_low: must be a pin name such as "GPIO17" (letters, digits and "_"), or "" when not wired, got "GPIO 17"`}},
		{"gpio duplicate", "gpio", "[gpio]\ndoor = \"GPIO17\"\nbuzzer = \"GPIO17\"\n",
			[]string{`kiosk.toml:3: gpio.buzzer: pin "GPIO17" is also used by gpio.door`}},
		{"gpio integer", "gpio", "[gpio]\ncard_led = 17\n",
			[]string{`kiosk.toml:2: gpio.card_led: must be a string, got integer 17`}},

		// [center]
		{"center all keys", "center", "[center]\nurl = \"https://127.0.0.1:8443/api/\"\nca_file = \"/etc/madoguchi/ca.pem\"\nclient_cert = \"/etc/madoguchi/kiosk.crt\"\nclient_key = \"/etc/madoguchi/kiosk.key\"\ndocument_key = \"/etc/madoguchi/doc.pub\"\nconnect_timeout = \"1s\"\nrequest_timeout = \"1m\"\n", nil},
		{"center missing", "center", "[center]\n", []string{
			`kiosk.toml:1: center.url: missing or empty; must be an https:// URL without user, query or fragment, such as "https://center.example.jp/"`,
			`kiosk.toml:1: center.client_cert: missing or empty; must be the path of the kiosk's PEM certificate`,
			`kiosk.toml:1: center.client_key: missing or empty; must be the path of the kiosk's PEM private key`,
			`kiosk.toml:1: center.ca_file: missing or empty; must be the path of the PEM CA certificate the center's TLS certificate must chain to`,
			`kiosk.toml:1: center.document_key: missing or empty; must be the path of the center's PEM document-signing public key`,
		}},
		{"center fallbacks", "center", "[center]\nurl = \"https://c1/\"\nfallback_urls = [\"https://c2:8443/\", \"https://c3\"]\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n", nil},
		{"center fallback not https", "center", "[center]\nurl = \"https://c1/\"\nfallback_urls = [\"https://c2/\", \"http://c3/\", \"https://c4/api\"]\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n", []string{
			`kiosk.toml:3: center.fallback_urls[1]: must be an https:// URL of another instance of the same center, such as "https://center2.example.jp/", got "http://c3/"`,
			`kiosk.toml:3: center.fallback_urls[2]: must be an https:// URL of another instance of the same center, such as "https://center2.example.jp/", got "https://c4/api"`,
		}},
		{"center fallbacks not strings", "center", "[center]\nurl = \"https://c1/\"\nfallback_urls = \"https://c2/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n", []string{
			`kiosk.toml:3: center.fallback_urls: must be an array of strings, got string "https://c2/"`,
		}},
		{"center http", "center", "[center]\nurl = \"http://center.example.jp/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n",
			[]string{`kiosk.toml:2: center.url: must be an https:// URL without user, query or fragment, such as "https://center.example.jp/", got "http://center.example.jp/"`}},
		{"center user info", "center", "[center]\nurl = \"https://u:p@center.example.jp/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n",
			[]string{`kiosk.toml:2: center.url: must be an https:// URL without user, query or fragment, such as "https://center.example.jp/", got "https://u:p@center.example.jp/"`}},
		{"center timeouts", "center", "[center]\nurl = \"https://c/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nconnect_timeout = \"0s\"\nrequest_timeout = \"6m\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n", []string{
			"kiosk.toml:5: center.connect_timeout: must be from 1s to 2m, got 0s",
			"kiosk.toml:6: center.request_timeout: must be from 5s to 5m, got 6m",
			"kiosk.toml:29: timeouts.center: must be at least center.request_timeout (6m), got 1m",
		}},
		{"center timeout not a duration", "center", "[center]\nurl = \"https://c/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nrequest_timeout = \"30\"\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n",
			[]string{`kiosk.toml:5: center.request_timeout: must be a duration such as "30s", "5m" or "1h30m", got "30"`}},
		{"center timeout integer", "center", "[center]\nurl = \"https://c/\"\nclient_cert = \"a.crt\"\nclient_key = \"a.key\"\nconnect_timeout = 10\nca_file = \"ca.pem\"\ndocument_key = \"doc.pub\"\n",
			[]string{`kiosk.toml:5: center.connect_timeout: must be a duration string such as "30s", "5m" or "1h30m", got integer 10`}},

		// [timeouts]
		{"timeouts all keys", "timeouts", "[timeouts]\nidle = \"5s\"\nchoose = \"10m\"\ncard = \"1m\"\npin = \"45s\"\ncenter = \"30s\"\nfee = \"2m\"\nprint = \"30m\"\ntake = \"1m30s\"\n", nil},
		{"timeouts too short", "timeouts", "[timeouts]\nidle = \"4s\"\nchoose = \"4s\"\ncard = \"4s\"\npin = \"4s\"\ncenter = \"9s\"\nfee = \"4s\"\nprint = \"29s\"\ntake = \"4s\"\n", []string{
			"kiosk.toml:2: timeouts.idle: must be from 5s to 10m, got 4s",
			"kiosk.toml:3: timeouts.choose: must be from 5s to 10m, got 4s",
			"kiosk.toml:4: timeouts.card: must be from 5s to 10m, got 4s",
			"kiosk.toml:5: timeouts.pin: must be from 5s to 10m, got 4s",
			"kiosk.toml:6: timeouts.center: must be from 10s to 10m, got 9s",
			"kiosk.toml:7: timeouts.fee: must be from 5s to 10m, got 4s",
			"kiosk.toml:8: timeouts.print: must be from 30s to 30m, got 29s",
			"kiosk.toml:9: timeouts.take: must be from 5s to 10m, got 4s",
		}},
		{"timeouts too long", "timeouts", "[timeouts]\nidle = \"11m\"\nprint = \"1h\"\ntake = \"10m1s\"\n", []string{
			"kiosk.toml:2: timeouts.idle: must be from 5s to 10m, got 11m",
			"kiosk.toml:3: timeouts.print: must be from 30s to 30m, got 1h",
			"kiosk.toml:4: timeouts.take: must be from 5s to 10m, got 10m1s",
		}},
		{"timeouts center below request timeout", "timeouts", "[timeouts]\ncenter = \"20s\"\n",
			[]string{"kiosk.toml:2: timeouts.center: must be at least center.request_timeout (30s), got 20s"}},
		{"timeouts typo", "timeouts", "[timeouts]\npni = \"30s\"\n",
			[]string{`kiosk.toml:2: timeouts.pni: unknown key; did you mean "pin"?`}},

		// [reminder]
		{"reminder all keys", "reminder", "[reminder]\nbeep_after = \"0s\"\nbeep_every = \"2s\"\nalert_after = \"30s\"\n", nil},
		{"reminder out of range", "reminder", "[reminder]\nbeep_after = \"6m\"\nbeep_every = \"1s\"\nalert_after = \"2h\"\n", []string{
			"kiosk.toml:2: reminder.beep_after: must be from 0s to 5m, got 6m",
			"kiosk.toml:3: reminder.beep_every: must be from 2s to 5m, got 1s",
			"kiosk.toml:4: reminder.alert_after: must be from 30s to 1h, got 2h",
		}},
		{"reminder alert before beep", "reminder", "[reminder]\nbeep_after = \"2m\"\nalert_after = \"1m\"\n",
			[]string{"kiosk.toml:3: reminder.alert_after: must be at least reminder.beep_after (2m), got 1m"}},
		{"reminder typo", "reminder", "[reminder]\nalert = \"1m\"\n",
			[]string{`kiosk.toml:2: reminder.alert: unknown key; did you mean "alert_after"?`}},
		{"gpio paper tray shares a pin", "gpio", "[gpio]\nbuzzer = \"GPIO5\"\npaper_tray = \"GPIO5\"\n",
			[]string{`kiosk.toml:3: gpio.paper_tray: pin "GPIO5" is also used by gpio.buzzer`}},

		// [queue]
		{"queue all keys", "queue", "[queue]\npath = \"/var/lib/k/q.db\"\nmax_messages = 100\nmax_bytes = 1_048_576\nmax_age = \"1h\"\nretention = \"0s\"\nbatch_size = 100\nretry_min = \"100ms\"\nretry_max = \"1h\"\nparked_application_retention = \"720h\"\n", nil},
		{"queue out of range", "queue", "[queue]\nmax_messages = 99\nmax_bytes = 1\nmax_age = \"30m\"\nretention = \"-1s\"\nbatch_size = 0\nretry_min = \"50ms\"\nretry_max = \"2h\"\n", []string{
			"kiosk.toml:2: queue.max_messages: must be an integer from 100 to 1000000, got 99",
			"kiosk.toml:3: queue.max_bytes: must be an integer from 1048576 to 4294967296 (bytes), got 1",
			"kiosk.toml:4: queue.max_age: must be from 1h to 8760h, got 30m",
			"kiosk.toml:5: queue.retention: must be from 0s to 8760h, got -1s",
			"kiosk.toml:6: queue.batch_size: must be an integer from 1 to 100, got 0",
			"kiosk.toml:7: queue.retry_min: must be from 100ms to 1m, got 50ms",
			"kiosk.toml:8: queue.retry_max: must be from 1s to 1h, got 2h",
		}},
		{"queue parked application retention", "queue", "[queue]\nparked_application_retention = \"30m\"\n",
			[]string{"kiosk.toml:2: queue.parked_application_retention: must be from 1h to 720h, got 30m"}},
		{"queue retry order", "queue", "[queue]\nretry_min = \"30s\"\nretry_max = \"10s\"\n",
			[]string{"kiosk.toml:3: queue.retry_max: must be at least queue.retry_min (30s), got 10s"}},
		{"queue bytes float", "queue", "[queue]\nmax_bytes = 1.5\n",
			[]string{"kiosk.toml:2: queue.max_bytes: must be an integer, got float 1.5"}},
		{"queue path type", "queue", "[queue]\npath = [\"a\"]\n",
			[]string{"kiosk.toml:2: queue.path: must be a string, got array"}},

		// [status]
		{"status ipv6 loopback", "status", "[status]\nlisten = \"[::1]:9180\"\n", nil},
		{"status localhost", "status", "[status]\nlisten = \"localhost:9180\"\n", nil},
		{"status disabled", "status", "[status]\nlisten = \"\"\n", nil},
		{"status remote allowed", "status", "[status]\nlisten = \"0.0.0.0:9180\"\nallow_remote = true\n", nil},
		{"status remote", "status", "[status]\nlisten = \"0.0.0.0:9180\"\n",
			[]string{`kiosk.toml:2: status.listen: must be a loopback address such as "127.0.0.1:9180" unless status.allow_remote = true, got "0.0.0.0:9180"`}},
		{"status all interfaces", "status", "[status]\nlisten = \":9180\"\n",
			[]string{`kiosk.toml:2: status.listen: must be a loopback address such as "127.0.0.1:9180" unless status.allow_remote = true, got ":9180"`}},
		{"status no port", "status", "[status]\nlisten = \"127.0.0.1\"\n",
			[]string{`kiosk.toml:2: status.listen: must be HOST:PORT such as "127.0.0.1:9180", or "" to disable, got "127.0.0.1"`}},
		{"status port range", "status", "[status]\nlisten = \"127.0.0.1:70000\"\n",
			[]string{`kiosk.toml:2: status.listen: must be HOST:PORT such as "127.0.0.1:9180", or "" to disable, got "127.0.0.1:70000"`}},
		{"status allow remote type", "status", "[status]\nallow_remote = 1\n",
			[]string{`kiosk.toml:2: status.allow_remote: must be true or false, got integer 1`}},

		// [screen]
		{"screen terminal", "screen", "[screen]\ninput = \"terminal\"\n", nil},
		{"screen evdev all keys", "screen", "[screen]\ninput = \"evdev\"\ndevice = \"/dev/input/by-id/usb-ILITEK-event-if00\"\nrotation = 270\nswap_xy = true\nx_min = 4095\nx_max = 0\ny_min = 30\ny_max = 4000\n", nil},
		{"screen evdev name pattern", "screen", "[screen]\ninput = \"evdev\"\ndevice = \"ft5x06|Goodix\"\n", nil},
		{"screen input unknown", "screen", "[screen]\ninput = \"libinput\"\n",
			[]string{`kiosk.toml:2: screen.input: must be "terminal" (taps as mouse reports from the terminal, foot 1.15 or newer) or "evdev" (the kiosk reads the touchscreen itself), got "libinput"`}},
		{"screen device pattern", "screen", "[screen]\ninput = \"evdev\"\ndevice = \"ft5x06(\"\n",
			[]string{"kiosk.toml:3: screen.device: must be a device path such as \"/dev/input/event0\" or a name pattern (Go RE2 syntax): error parsing regexp: missing closing ): `ft5x06(`"}},
		{"screen device outside /dev", "screen", "[screen]\ninput = \"evdev\"\ndevice = \"/tmp/event0\"\n",
			[]string{`kiosk.toml:3: screen.device: must be a device file under /dev (such as "/dev/input/event0" or a /dev/input/by-id link) or a name pattern, got "/tmp/event0"`}},
		{"screen rotation", "screen", "[screen]\nrotation = 45\n",
			[]string{"kiosk.toml:2: screen.rotation: must be 0, 90, 180 or 270 (degrees clockwise), got 45"}},
		{"screen rotation out of range", "screen", "[screen]\nrotation = -90\n",
			[]string{"kiosk.toml:2: screen.rotation: must be an integer from 0 to 270, got -90"}},
		{"screen calibration half", "screen", "[screen]\nx_min = 100\ny_max = 3900\n", []string{
			"kiosk.toml:1: screen.x_max: missing; set x_min and x_max together (the raw values at the two edges), or neither",
			"kiosk.toml:1: screen.y_min: missing; set y_min and y_max together (the raw values at the two edges), or neither",
		}},
		{"screen calibration equal", "screen", "[screen]\ny_min = 200\ny_max = 200\n",
			[]string{"kiosk.toml:3: screen.y_max: must differ from screen.y_min (200): the raw values at the two edges of the panel"}},
		{"screen calibration type", "screen", "[screen]\nx_min = \"0\"\nx_max = 4095\n",
			[]string{`kiosk.toml:2: screen.x_min: must be an integer, got string "0"`}},
		{"screen swap type", "screen", "[screen]\nswap_xy = \"yes\"\n",
			[]string{`kiosk.toml:2: screen.swap_xy: must be true or false, got string "yes"`}},
		{"screen typo", "screen", "[screen]\nrotaton = 90\n",
			[]string{`kiosk.toml:2: screen.rotaton: unknown key; did you mean "rotation"?`}},

		// the file as a whole
		{"unknown section", "reader", "[printr]\nbackend = \"file\"\n",
			[]string{`kiosk.toml:1: printr: unknown key; did you mean "printer"?`}},
		{"unknown top-level key", "reader", "kiosk_id = \"k\"\n",
			[]string{"kiosk.toml:1: kiosk_id: unknown key; allowed here: kiosk, municipality, reader, printer, gpio, reminder, center, timeouts, queue, status, screen, voice, keypad, display"}},
		{"quoted unknown key", "reader", "[reader]\n\"name pattern\" = \"x\"\n",
			[]string{`kiosk.toml:2: reader."name pattern": unknown key; did you mean "name_pattern"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("kiosk.toml", []byte(doc(tt.section, tt.text)))
			sameLines(t, problemStrings(t, err), tt.want)
			if (c == nil) != (err != nil) {
				t.Errorf("Parse returned config %v with error %v; want exactly one of them", c != nil, err)
			}
		})
	}
}

func TestLineEndingsAndBOM(t *testing.T) {
	text := doc("kiosk", "[kiosk]\nid = \"k\"\nlocation = \"x\"\nlanguage = \"fr\"\n")
	want := []string{`kiosk.toml:4: kiosk.language: must be one of ja en zh-Hans zh-Hant ko vi tl pt-BR ne id es, got "fr"`}
	for name, src := range map[string]string{
		"crlf": strings.ReplaceAll(text, "\n", "\r\n"),
		"bom":  "\xef\xbb\xbf" + text,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("kiosk.toml", []byte(src))
			sameLines(t, problemStrings(t, err), want)
		})
	}
}

func TestHelpers(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte(doc("reader", "[reader]\nname_pattern = \"^ACS ACR1252\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"ACS ACR1252 Dual Reader [ACR1252 Dual Reader PICC] 00 00": true, "Virtual PCD 00 00": false} {
		if got := c.Reader.Match(name); got != want {
			t.Errorf("Reader.Match(%q) = %v, want %v", name, got, want)
		}
	}
	if !(Reader{}).Match("anything") {
		t.Error("a Reader without a pattern must match any reader")
	}
	if m, ok := c.Municipality("131016"); !ok || m.Name != "千代田区" {
		t.Errorf("Municipality(131016) = %v, %v", m, ok)
	}
	if _, ok := c.Municipality("011002"); ok {
		t.Error("Municipality(011002) found in a config without it")
	}
}

func TestProblemsError(t *testing.T) {
	ps := Problems{
		{File: "k.toml", Line: 3, Key: "kiosk.id", Msg: "bad"},
		{File: "k.toml", Line: 2, Col: 5, Msg: "TOML syntax error: x"},
		{Key: "center.url", Msg: "missing"},
	}
	want := "config: 3 problems:\n\tk.toml:3: kiosk.id: bad\n\tk.toml:2:5: TOML syntax error: x\n\tcenter.url: missing"
	if ps.Error() != want {
		t.Errorf("Error() = %q, want %q", ps.Error(), want)
	}
	if got := ps[:1].Error(); got != "config: k.toml:3: kiosk.id: bad" {
		t.Errorf("one problem: Error() = %q", got)
	}
	if ps[:0].err() != nil {
		t.Error("no problems must be a nil error")
	}
	sorted := ps.sorted().Strings()
	sameLines(t, sorted, []string{"center.url: missing", "k.toml:2:5: TOML syntax error: x", "k.toml:3: kiosk.id: bad"})
}

func TestMunicipalityNameEN(t *testing.T) {
	tests := []struct {
		name, value string
		ok          bool
	}{
		{"romaji", "Chiyoda City", true},
		{"macron and hyphen", "Ōtsu-shi", true},
		{"kanji", "千代田区", false},
		{"kana", "ちよだ", false},
		{"control", "Chiyoda\x1b[2J", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Demo(t.TempDir())
			c.Municipalities[0].NameEN = tt.value
			err := c.Validate()
			if got := err == nil || !strings.Contains(err.Error(), "name_en"); got != tt.ok {
				t.Errorf("name_en %q: %v, want ok %v", tt.value, err, tt.ok)
			}
		})
	}
}

func TestScreenSection(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte(doc("screen", "[screen]\ninput = \"evdev\"\ndevice = \"/dev/input/../input/event3\"\nrotation = 90\nswap_xy = true\nx_min = 4095\nx_max = 0\ny_min = 10\ny_max = 4000\n")))
	if err != nil {
		t.Fatal(err)
	}
	want := Screen{Input: InputEvdev, DevicePath: "/dev/input/event3", Rotation: 90, SwapXY: true, XMin: 4095, XMax: 0, YMin: 10, YMax: 4000}
	if c.Screen != want {
		t.Errorf("screen %+v, want %+v", c.Screen, want)
	}
	c, err = Parse("kiosk.toml", []byte(doc("screen", "[screen]\ninput = \"evdev\"\ndevice = \"(?i)goodix\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Screen.DevicePath != "" || c.Screen.DevicePattern == nil || !c.Screen.DevicePattern.MatchString("Goodix Capacitive TouchScreen") {
		t.Errorf("device pattern: %+v", c.Screen)
	}
	c, err = Parse("kiosk.toml", []byte(doc("screen", "")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Screen != (Screen{Input: InputTerminal}) {
		t.Errorf("default screen %+v, want the terminal path", c.Screen)
	}
}

func TestVoiceAndKeypad(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte(doc("voice", `
[voice]
default_on = true
volume = 55
device = "plughw:CARD=Headphones,DEV=0"
cache_dir = "voice"
jack = "Headphone Jack"
[display]
high_contrast = true
[keypad]
kind = "matrix"
rows = "GPIO5, GPIO6,GPIO13,GPIO19"
cols = "GPIO12,GPIO16,GPIO20"
`)))
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Voice; !v.Enabled || !v.DefaultOn || v.Volume != 55 || v.Device != "plughw:CARD=Headphones,DEV=0" || !filepath.IsAbs(v.CacheDir) || v.JackPattern == nil || !v.JackPattern.MatchString("bcm2835 Headphone Jack") {
		t.Errorf("voice %+v", v)
	}
	if d := c.Display; !d.Switches || !d.HighContrast || d.EasyJapanese {
		t.Errorf("display %+v", d)
	}
	if k := c.Keypad; k.Kind != KeypadMatrix || len(k.Rows) != 4 || k.Rows[1] != "GPIO6" || len(k.Cols) != 3 {
		t.Errorf("keypad %+v", k)
	}
	for _, bad := range []struct{ toml, want string }{
		{"[voice]\nvolume = 0", "voice.volume"},
		{"[keypad]\nkind = \"braille\"", "keypad.kind"},
		{"[keypad]\nkind = \"usb\"", "keypad.device"},
		{"[keypad]\nkind = \"matrix\"\nrows = \"GPIO5\"", "keypad.cols"},
	} {
		_, err := Parse("kiosk.toml", []byte(doc("voice", bad.toml+"\n")))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want a problem with %s", bad.toml, err, bad.want)
		}
	}
}
