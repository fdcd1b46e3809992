package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"madoguchi/center"
	"madoguchi/reader"
)

// fileSystem is the seam the file checks read through; osFS in production, a fault-
// injecting wrapper in tests (root can read any file, so "permission denied" cannot be
// produced with chmod under a root test run).
type fileSystem interface {
	Stat(name string) (fs.FileInfo, error)
	ReadFile(name string) ([]byte, error)
}

type osFS struct{}

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (osFS) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }

// CheckFiles checks the files and directories the configuration names: the TLS files
// exist, are regular, readable and hold what they should (PEM certificates; a key that
// matches client_cert); the private key is not accessible by group or others (mode &
// 0o077 == 0); the font exists; the file printer's directory and the queue's directory
// exist. It returns Problems, or nil. Device files (printer, GPIO) are not checked here:
// hardware may be unplugged while a technician edits the file; `kiosk diag` tests them.
func (c *Config) CheckFiles() error { return c.checkFiles(osFS{}, nil).err() }

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// regular checks that name is a readable regular file and returns its contents.
func (v *validator) regular(fsys fileSystem, key, name string, private bool) ([]byte, bool) {
	fi, err := fsys.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		v.add(key, "%q does not exist", name)
		return nil, false
	case err != nil:
		v.add(key, "cannot check %q: %s", name, errText(err))
		return nil, false
	case !fi.Mode().IsRegular():
		v.add(key, "%q is not a regular file", name)
		return nil, false
	case private && fi.Mode().Perm()&0o077 != 0:
		v.add(key, "%q is accessible by group or others (mode %04o); a private key must be mode 0600 or stricter: chmod 600 %s",
			name, fi.Mode().Perm(), name)
		return nil, false
	}
	data, err := fsys.ReadFile(name)
	if err != nil {
		v.add(key, "cannot read %q: %s", name, errText(err))
		return nil, false
	}
	return data, true
}

func (v *validator) dir(fsys fileSystem, key, name, what string) {
	fi, err := fsys.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		v.add(key, "%s %q does not exist", what, name)
	case err != nil:
		v.add(key, "cannot check %q: %s", name, errText(err))
	case !fi.IsDir():
		v.add(key, "%q is not a directory", name)
	}
}

func (c *Config) checkFiles(fsys fileSystem, skip map[string]bool) Problems {
	if skip == nil {
		skip = map[string]bool{}
	}
	v := &validator{c: c, skip: skip}
	ce := c.Center
	if ce.CAFile != "" && !skip["center.ca_file"] {
		if pem, ok := v.regular(fsys, "center.ca_file", ce.CAFile, false); ok {
			if !x509.NewCertPool().AppendCertsFromPEM(pem) {
				v.add("center.ca_file", "%q holds no PEM certificate", ce.CAFile)
			}
		}
	}
	if ce.DocumentKey != "" && !skip["center.document_key"] {
		if pemBytes, ok := v.regular(fsys, "center.document_key", ce.DocumentKey, false); ok {
			if _, err := center.ParseDocumentKey(pemBytes); err != nil {
				v.add("center.document_key", "%q is not the center's document key: %v", ce.DocumentKey, err)
			}
		}
	}
	if k := c.Reader.TextIssuerKey; k != "" && !skip["reader.text_issuer_key"] {
		if pemBytes, ok := v.regular(fsys, "reader.text_issuer_key", k, false); ok {
			if _, err := reader.ParseIssuerKey(pemBytes); err != nil {
				v.add("reader.text_issuer_key", "%q is not J-LIS's key for the four facts: %v", k, err)
			}
		}
	}
	var cert, key []byte
	certOK, keyOK := false, false
	if ce.ClientCert != "" && !skip["center.client_cert"] {
		cert, certOK = v.regular(fsys, "center.client_cert", ce.ClientCert, false)
	}
	if ce.ClientKey != "" && !skip["center.client_key"] {
		key, keyOK = v.regular(fsys, "center.client_key", ce.ClientKey, true)
	}
	if certOK && keyOK {
		if _, err := tls.X509KeyPair(cert, key); err != nil {
			if strings.Contains(err.Error(), "certificate input") {
				v.add("center.client_cert", "%q cannot be used: %v", ce.ClientCert, err)
			} else {
				v.add("center.client_key", "%q cannot be used with center.client_cert: %v", ce.ClientKey, err)
			}
		}
	}
	for i := range key {
		key[i] = 0 // do not keep the kiosk's private key around in memory
	}
	p := c.Printer
	if p.Font != "" && !skip["printer.font"] {
		v.regular(fsys, "printer.font", p.Font, false)
	}
	if p.Backend == BackendFile && p.Dir != "" && !skip["printer.dir"] {
		v.dir(fsys, "printer.dir", p.Dir, "directory")
	}
	if c.Queue.Path != "" && !skip["queue.path"] {
		v.dir(fsys, "queue.path", filepath.Dir(c.Queue.Path), "the queue's directory")
		if fi, err := fsys.Stat(c.Queue.Path); err == nil && !fi.Mode().IsRegular() {
			v.add("queue.path", "%q is not a regular file", c.Queue.Path)
		}
	}
	return v.probs
}
