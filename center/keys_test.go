package center_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"madoguchi/center"
)

// TestClientFilesLoad reads a kiosk's files as the kiosk and `kiosk diag` do.
func TestClientFilesLoad(t *testing.T) {
	dir := t.TempDir()
	pki := sharedPKI(t)
	if err := pki.WriteKioskFiles(dir, "kiosk-1"); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := center.ClientFiles{Cert: filepath.Join(dir, "kiosk.crt"), Key: filepath.Join(dir, "kiosk.key"),
		CA: filepath.Join(dir, "center-ca.pem"), DocumentKey: filepath.Join(dir, "center-doc.pub")}
	tests := []struct {
		name    string
		change  func(f *center.ClientFiles)
		wantErr string
	}{
		{"all there", func(*center.ClientFiles) {}, ""},
		{"no certificate", func(f *center.ClientFiles) { f.Cert = filepath.Join(dir, "none.crt") }, "kiosk certificate:"},
		{"key of another certificate", func(f *center.ClientFiles) { f.Key = filepath.Join(dir, "center-doc.pub") }, "kiosk certificate:"},
		{"no CA", func(f *center.ClientFiles) { f.CA = filepath.Join(dir, "none.pem") }, "center CA:"},
		{"CA file without a certificate", func(f *center.ClientFiles) { f.CA = notPEM }, "holds no PEM certificate"},
		{"no document key", func(f *center.ClientFiles) { f.DocumentKey = notPEM }, "document key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.change(&f)
			o, err := f.Load()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o.BaseURL = "https://127.0.0.1:8443"
			cl, err := center.NewClient(o)
			if err != nil || cl.KioskID() != "kiosk-1" {
				t.Fatalf("client from the files: %v", err)
			}
		})
	}
}
