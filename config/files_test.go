package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeIdentity writes a self-signed certificate and its key (mode 0600) and returns
// their PEM bytes.
func writeIdentity(t *testing.T, certPath, keyPath string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kiosk-test"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:         true,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	if certPath != "" {
		writeFile(t, certPath, certPEM, 0o644)
	}
	if keyPath != "" {
		writeFile(t, keyPath, keyPEM, 0o600)
	}
	return certPEM, keyPEM
}

// writeDocumentKey writes an Ed25519 public key as the center publishes its document key.
func writeDocumentKey(t *testing.T, path string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is subject to umask
		t.Fatal(err)
	}
}

// kioskDir is a directory holding a valid config (kiosk.toml, with relative paths) and
// every file it names.
type kioskDir struct {
	dir, file          string
	ca, cert, key, out string
}

const dirConfig = `[kiosk]
id = "k-1"
location = "test"

[[municipality]]
code = "131016"
name = "千代田区"
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 300

[printer]
backend = "file"
dir = "printed"

[center]
url = "https://127.0.0.1:8443/"
ca_file = "ca.pem"
client_cert = "kiosk.crt"
client_key = "kiosk.key"
document_key = "doc.pub"

[queue]
path = "kiosk.db"
`

func newKioskDir(t *testing.T) kioskDir {
	t.Helper()
	dir := t.TempDir()
	k := kioskDir{
		dir: dir, file: filepath.Join(dir, "kiosk.toml"),
		ca: filepath.Join(dir, "ca.pem"), cert: filepath.Join(dir, "kiosk.crt"),
		key: filepath.Join(dir, "kiosk.key"), out: filepath.Join(dir, "printed"),
	}
	writeFile(t, k.file, []byte(dirConfig), 0o644)
	caPEM, _ := writeIdentity(t, "", "")
	writeFile(t, k.ca, caPEM, 0o644)
	writeIdentity(t, k.cert, k.key)
	writeDocumentKey(t, filepath.Join(dir, "doc.pub"))
	if err := os.Mkdir(k.out, 0o755); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestLoadResolvesRelativePaths(t *testing.T) {
	k := newKioskDir(t)
	c, err := Load(k.file)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, e := range []struct{ name, got, want string }{
		{"File", c.File, k.file},
		{"CAFile", c.Center.CAFile, k.ca},
		{"ClientCert", c.Center.ClientCert, k.cert},
		{"ClientKey", c.Center.ClientKey, k.key},
		{"Printer.Dir", c.Printer.Dir, k.out},
		{"Queue.Path", c.Queue.Path, filepath.Join(k.dir, "kiosk.db")},
	} {
		if e.got != e.want {
			t.Errorf("%s = %q, want %q", e.name, e.got, e.want)
		}
	}
	if c.Municipalities[0].Hours != DefaultHours || len(c.Municipalities[0].Closed) != 1 || c.Municipalities[0].Closed[0].String() != "12-29..01-03" {
		t.Errorf("municipality defaults = %v %v, want %v [12-29..01-03]", c.Municipalities[0].Hours, c.Municipalities[0].Closed, DefaultHours)
	}
	if c.Timeouts != DefaultTimeouts || c.Queue.MaxMessages != DefaultMaxMessages || c.Status.Listen != DefaultStatusListen {
		t.Errorf("defaults not applied: %+v %+v %+v", c.Timeouts, c.Queue, c.Status)
	}
}

// faultFS makes ReadFile fail with "permission denied" for the names in denied.
type faultFS struct {
	osFS
	denied map[string]bool
}

func (f faultFS) ReadFile(name string) ([]byte, error) {
	if f.denied[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.osFS.ReadFile(name)
}

func TestLoadFileProblems(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, k kioskDir) // breaks the kiosk dir
		denied func(k kioskDir) []string      // files the fault FS refuses to read
		want   func(k kioskDir) []string
	}{
		{
			name:   "key readable by others",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Chmod(k.key, 0o644)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: "` + k.key + `" is accessible by group or others (mode 0644); a private key must be mode 0600 or stricter: chmod 600 ` + k.key}
			},
		},
		{
			name:   "key writable by group",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Chmod(k.key, 0o620)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: "` + k.key + `" is accessible by group or others (mode 0620); a private key must be mode 0600 or stricter: chmod 600 ` + k.key}
			},
		},
		{
			name:   "key 0400 is fine",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Chmod(k.key, 0o400)) },
			want:   func(k kioskDir) []string { return nil },
		},
		{
			name:   "key missing",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Remove(k.key)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: "` + k.key + `" does not exist`}
			},
		},
		{
			name:   "key unreadable",
			denied: func(k kioskDir) []string { return []string{k.key} },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: cannot read "` + k.key + `": permission denied`}
			},
		},
		{
			name:   "key is a directory",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Remove(k.key)); must(t, os.Mkdir(k.key, 0o700)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: "` + k.key + `" is not a regular file`}
			},
		},
		{
			name: "key of another certificate",
			break_: func(t *testing.T, k kioskDir) {
				_, other := writeIdentity(t, "", "")
				writeFile(t, k.key, other, 0o600)
			},
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:20: center.client_key: "` + k.key + `" cannot be used with center.client_cert: tls: private key does not match public key`}
			},
		},
		{
			name: "certificate and key swapped",
			break_: func(t *testing.T, k kioskDir) {
				cert, key := writeIdentity(t, "", "")
				writeFile(t, k.cert, key, 0o644)
				writeFile(t, k.key, cert, 0o600)
			},
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:19: center.client_cert: "` + k.cert + `" cannot be used: tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched`}
			},
		},
		{
			name:   "certificate unreadable",
			denied: func(k kioskDir) []string { return []string{k.cert} },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:19: center.client_cert: cannot read "` + k.cert + `": permission denied`}
			},
		},
		{
			name: "document key is a certificate",
			break_: func(t *testing.T, k kioskDir) {
				writeFile(t, filepath.Join(k.dir, "doc.pub"), mustRead(t, k.ca), 0o644)
			},
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:21: center.document_key: "` + filepath.Join(k.dir, "doc.pub") + `" is not the center's document key: center: document key: no PUBLIC KEY block`}
			},
		},
		{
			name:   "document key missing",
			break_: func(t *testing.T, k kioskDir) { os.Remove(filepath.Join(k.dir, "doc.pub")) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:21: center.document_key: "` + filepath.Join(k.dir, "doc.pub") + `" does not exist`}
			},
		},
		{
			name:   "ca file not PEM",
			break_: func(t *testing.T, k kioskDir) { writeFile(t, k.ca, []byte("not a certificate\n"), 0o644) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:18: center.ca_file: "` + k.ca + `" holds no PEM certificate`}
			},
		},
		{
			name:   "ca file missing",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Remove(k.ca)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:18: center.ca_file: "` + k.ca + `" does not exist`}
			},
		},
		{
			name:   "printer dir missing",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Remove(k.out)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:14: printer.dir: directory "` + k.out + `" does not exist`}
			},
		},
		{
			name:   "printer dir is a file",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Remove(k.out)); writeFile(t, k.out, nil, 0o644) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:14: printer.dir: "` + k.out + `" is not a directory`}
			},
		},
		{
			name:   "queue file is a directory",
			break_: func(t *testing.T, k kioskDir) { must(t, os.Mkdir(filepath.Join(k.dir, "kiosk.db"), 0o755)) },
			want: func(k kioskDir) []string {
				return []string{`kiosk.toml:24: queue.path: "` + filepath.Join(k.dir, "kiosk.db") + `" is not a regular file`}
			},
		},
		{
			name: "every problem at once, in line order",
			break_: func(t *testing.T, k kioskDir) {
				must(t, os.Remove(k.ca))
				must(t, os.Chmod(k.key, 0o640))
				must(t, os.Remove(k.out))
				cfg := strings.Replace(dirConfig, `id = "k-1"`, `id = ""`, 1)
				cfg = strings.Replace(cfg, `fee_yen = 300`, `fee_yen = 300
fee = 1`, 1)
				writeFile(t, k.file, []byte(cfg), 0o644)
			},
			want: func(k kioskDir) []string {
				return []string{
					`kiosk.toml:2: kiosk.id: missing or empty; must be ` + idRule,
					`kiosk.toml:11: municipality[0].certificate[0].fee: unknown key; did you mean "fee_yen"?`,
					`kiosk.toml:15: printer.dir: directory "` + k.out + `" does not exist`,
					`kiosk.toml:19: center.ca_file: "` + k.ca + `" does not exist`,
					`kiosk.toml:21: center.client_key: "` + k.key + `" is accessible by group or others (mode 0640); a private key must be mode 0600 or stricter: chmod 600 ` + k.key,
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKioskDir(t)
			if tt.break_ != nil {
				tt.break_(t, k)
			}
			fsys := faultFS{denied: map[string]bool{}}
			if tt.denied != nil {
				for _, n := range tt.denied(k) {
					fsys.denied[n] = true
				}
			}
			// Messages name the file as given: load it by its relative name.
			t.Chdir(k.dir)
			c, err := load(fsys, "kiosk.toml")
			sameLines(t, problemStrings(t, err), tt.want(k))
			if (c == nil) != (err != nil) {
				t.Errorf("load returned config %v with error %v", c != nil, err)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnreadableKeyForReal uses a real chmod; root reads everything, so it only runs as
// another user (the fault-FS case above covers root runs).
func TestUnreadableKeyForReal(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read a mode 0000 file; covered by TestLoadFileProblems/key_unreadable")
	}
	k := newKioskDir(t)
	must(t, os.Chmod(k.key, 0))
	_, err := Load(k.file)
	sameLines(t, problemStrings(t, err), []string{
		k.file + `:20: center.client_key: cannot read "` + k.key + `": permission denied`,
	})
}

func TestLoadConfigFileProblems(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.toml")
	writeFile(t, big, bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1), 0o644)
	denied := filepath.Join(dir, "denied.toml")
	writeFile(t, denied, []byte(dirConfig), 0o644)
	tests := []struct {
		name, path string
		want       string
	}{
		{"missing", filepath.Join(dir, "nope.toml"), filepath.Join(dir, "nope.toml") + ": config file does not exist"},
		{"directory", dir, dir + ": is a directory, not a config file"},
		{"unreadable", denied, denied + ": cannot read config file: permission denied"},
		{"too large", big, big + ": config file is 1048580 bytes; the limit is 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(faultFS{denied: map[string]bool{denied: true}}, tt.path)
			sameLines(t, problemStrings(t, err), []string{tt.want})
			if c != nil {
				t.Error("config returned with a problem")
			}
			if want := "config: " + tt.want; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unclosed header", "[reader\n", "k.toml:2:8: TOML syntax error: expected '.' or ']' to end table name, but got '\\n' instead"},
		{"duplicate key", "[kiosk]\nid = \"a\"\nid = \"b\"\n", "k.toml:3:10: TOML syntax error: Key 'kiosk.id' has already been defined."},
		{"newline in string", "[kiosk]\nid = \"a\nx=1\n", "k.toml:2:8: TOML syntax error: strings cannot contain newlines"},
		{"double equals", "a = 1\n\n  b == 2\n", "k.toml:3:6: TOML syntax error: expected value but found '=' instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("k.toml", []byte(tt.text))
			sameLines(t, problemStrings(t, err), []string{tt.want})
		})
	}
}

func TestCheck(t *testing.T) {
	k := newKioskDir(t)
	var out bytes.Buffer
	if !Check(k.file, &out) {
		t.Fatalf("Check = false for a good file:\n%s", out.String())
	}
	if want := k.file + ": ok\n"; out.String() != want {
		t.Errorf("Check output = %q, want %q", out.String(), want)
	}

	must(t, os.Chmod(k.key, 0o644))
	cfg := strings.Replace(dirConfig, `url = "https://127.0.0.1:8443/"`, `url = "http://127.0.0.1:8443/"`, 1)
	writeFile(t, k.file, []byte(cfg), 0o644)
	out.Reset()
	if Check(k.file, &out) {
		t.Fatal("Check = true for a bad file")
	}
	want := k.file + `:17: center.url: must be an https:// URL without user, query or fragment, such as "https://center.example.jp/", got "http://127.0.0.1:8443/"` + "\n" +
		k.file + `:20: center.client_key: "` + k.key + `" is accessible by group or others (mode 0644); a private key must be mode 0600 or stricter: chmod 600 ` + k.key + "\n" +
		k.file + ": 2 problems\n"
	if out.String() != want {
		t.Errorf("Check output:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	missing := filepath.Join(k.dir, "missing.toml")
	if Check(missing, &out) {
		t.Fatal("Check = true for a missing file")
	}
	if want := missing + ": config file does not exist\n" + missing + ": 1 problem\n"; out.String() != want {
		t.Errorf("Check output = %q, want %q", out.String(), want)
	}
}
