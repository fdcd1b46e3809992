package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallScript stages dist/install.sh into a temporary DESTDIR with a binary that
// runs here (this test binary stands in for the kiosk). systemctl, useradd, usermod and
// chown are replaced by stubs that record any call: staging must call none of them.
func TestInstallScript(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name   string
		prefix string
		binary string // "self": a binary that answers `config example`; "data": one that cannot run
		toml   bool   // kiosk.toml written from `config example`
	}{
		{"default prefix", "", "self", true},
		{"other prefix", "/opt/madoguchi", "self", true},
		{"foreign binary", "", "data", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := t.TempDir()
			stubs := t.TempDir()
			calls := filepath.Join(stubs, "calls")
			for _, s := range []string{"systemctl", "useradd", "usermod", "chown"} {
				must(t, os.WriteFile(filepath.Join(stubs, s), []byte("#!/bin/sh\necho \"$0 $*\" >> "+calls+"\n"), 0o755))
			}
			bin := filepath.Join(t.TempDir(), "kiosk")
			if tt.binary == "self" {
				// A wrapper: the test binary runs `dispatch` when KIOSK_TEST_MAIN is set.
				must(t, os.WriteFile(bin, []byte("#!/bin/sh\nKIOSK_TEST_MAIN=\"$*\" exec "+os.Args[0]+"\n"), 0o755))
			} else {
				must(t, os.WriteFile(bin, []byte{0x7f, 'E', 'L', 'F', 0, 0}, 0o755))
			}
			cmd := exec.Command("sh", "dist/install.sh", "-b", bin)
			cmd.Env = append(os.Environ(), "DESTDIR="+dest, "PATH="+stubs+":"+os.Getenv("PATH"))
			if tt.prefix != "" {
				cmd.Env = append(cmd.Env, "PREFIX="+tt.prefix)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("install.sh: %v\n%s", err, out)
			}
			if b, err := os.ReadFile(calls); err == nil {
				t.Fatalf("staging called system tools:\n%s", b)
			}
			prefix := tt.prefix
			if prefix == "" {
				prefix = "/usr/local"
			}
			modes := map[string]os.FileMode{
				prefix + "/bin/kiosk":                            0o755,
				"/etc/systemd/system/madoguchi-kiosk.service":    0o644,
				"/etc/polkit-1/rules.d/60-madoguchi-kiosk.rules": 0o644,
				"/etc/modules-load.d/madoguchi.conf":             0o644,
				"/etc/madoguchi":                                 0o750 | os.ModeDir,
				"/etc/madoguchi/foot.ini":                        0o644,
				"/var/lib/madoguchi":                             0o700 | os.ModeDir,
			}
			if tt.toml {
				modes["/etc/madoguchi/kiosk.toml"] = 0o640
			}
			for p, want := range modes {
				fi, err := os.Stat(filepath.Join(dest, p))
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
					t.Errorf("%s: mode %v, want %v", p, got, want)
				}
			}
			if _, err := os.Stat(filepath.Join(dest, "/etc/madoguchi/kiosk.toml")); tt.toml == os.IsNotExist(err) {
				t.Errorf("kiosk.toml present = %v, want %v\n%s", err == nil, tt.toml, out)
			}
			if tt.toml {
				b, _ := os.ReadFile(filepath.Join(dest, "/etc/madoguchi/kiosk.toml"))
				if !strings.HasPrefix(string(b), "# madoguchi kiosk configuration") {
					t.Errorf("kiosk.toml is not the example:\n%.200s", b)
				}
			}
			unit, _ := os.ReadFile(filepath.Join(dest, "/etc/systemd/system/madoguchi-kiosk.service"))
			for _, want := range []string{"ExecStart=/usr/bin/cage", prefix + "/bin/kiosk run -config /etc/madoguchi/kiosk.toml",
				"ExecStartPre=" + prefix + "/bin/kiosk check-config", "Restart=on-failure", "WatchdogSec=", "Type=notify", "NotifyAccess=all"} {
				if !strings.Contains(string(unit), want) {
					t.Errorf("unit lacks %q", want)
				}
			}

			// A second run keeps the technician's configuration.
			if tt.toml {
				conf := filepath.Join(dest, "/etc/madoguchi/kiosk.toml")
				must(t, os.WriteFile(conf, []byte("# edited\n"), 0o640))
				out, err := cmd2(cmd).CombinedOutput()
				if err != nil {
					t.Fatalf("second run: %v\n%s", err, out)
				}
				if b, _ := os.ReadFile(conf); string(b) != "# edited\n" || !strings.Contains(string(out), "kept the existing") {
					t.Errorf("second run replaced kiosk.toml:\n%s", out)
				}
			}
		})
	}
}

func cmd2(c *exec.Cmd) *exec.Cmd {
	n := exec.Command(c.Args[0], c.Args[1:]...)
	n.Env = c.Env
	return n
}

// TestInstallScriptRefusals: no binary, a relative prefix, or a system install by a
// non-root user (simulated with -n absent and a fake id) stop with a message.
func TestInstallScriptRefusals(t *testing.T) {
	dest := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"no binary", []string{"-b", filepath.Join(dest, "none")}, []string{"DESTDIR=" + dest}, "no kiosk binary"},
		{"relative prefix", []string{"-b", os.Args[0]}, []string{"DESTDIR=" + dest, "PREFIX=usr"}, "PREFIX must be an absolute path"},
		{"bad flag", []string{"-x"}, nil, "usage: install.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("sh", append([]string{"dist/install.sh"}, tt.args...)...)
			cmd.Env = append(os.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tt.want) {
				t.Fatalf("err %v, output:\n%s", err, out)
			}
		})
	}
}
