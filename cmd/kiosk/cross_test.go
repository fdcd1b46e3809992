//go:build cross

// The cross-build check: only with `go test -tags cross` (the .ci/cross script runs it), so
// the native suite neither builds for arm nor needs qemu.

package main

import (
	"bytes"
	"crypto/rand"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// crossTarget is what a Raspberry Pi build must look like.
type crossTarget struct {
	arch    string // .ci/cross's name and GOARCH
	class   elf.Class
	machine elf.Machine
	interp  string
	goarm   string // expected GOARM build setting, "" for none
}

var crossTargets = []crossTarget{
	{arch: "arm64", class: elf.ELFCLASS64, machine: elf.EM_AARCH64, interp: "/lib/ld-linux-aarch64.so.1"},
	{arch: "arm", class: elf.ELFCLASS32, machine: elf.EM_ARM, interp: "/lib/ld-linux-armhf.so.3", goarm: "7"},
}

// ARM ELF header flags (ARM ELF ABI): EABI version in the top byte, hard-float calling convention.
const (
	efARMEABIMask  = 0xFF000000
	efARMEABIVer5  = 0x05000000
	efARMFloatHard = 0x00000400
)

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestCrossStamp builds kiosk for every target twice through .ci/cross with a random stamp and
// checks that the two builds are byte-identical, that they are target ELF files linked against
// libpcsclite.so.1 with no build-machine paths inside, and that `kiosk version` under qemu prints
// exactly the stamp.
func TestCrossStamp(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, ".ci", "cross")
	cache := os.Getenv("CROSS_CACHE")
	if cache == "" {
		if c, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(c, "madoguchi")
		}
	}
	targets := crossTargets
	if env := os.Getenv("CROSS_ARCHES"); env != "" {
		want := strings.Fields(env)
		targets = slices.DeleteFunc(slices.Clone(targets), func(c crossTarget) bool { return !slices.Contains(want, c.arch) })
	}
	if len(targets) == 0 {
		t.Fatalf("CROSS_ARCHES=%q names no known target", os.Getenv("CROSS_ARCHES"))
	}
	version := "v0.0.0-crosstest-" + randomHex(t, 4)
	commit := randomHex(t, 20)
	outs := []string{t.TempDir(), t.TempDir()}
	for _, out := range outs {
		cmd := exec.Command(script, "build")
		cmd.Env = append(os.Environ(), "CROSS_OUT="+out, "VERSION="+version, "COMMIT="+commit)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf(".ci/cross build: %v\n%s", err, b)
		}
	}
	for _, tg := range targets {
		t.Run(tg.arch, func(t *testing.T) {
			bin := filepath.Join(outs[0], "linux_"+tg.arch, "kiosk")
			a, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(outs[1], "linux_"+tg.arch, "kiosk"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("two builds of the same tree differ (%d and %d bytes): not reproducible", len(a), len(b))
			}
			for _, leak := range []string{root, cache} {
				if leak != "" && bytes.Contains(a, []byte(leak)) {
					t.Errorf("binary contains the build machine's path %q (-trimpath missing?)", leak)
				}
			}
			checkELF(t, bin, tg)
			checkBuildInfo(t, bin, tg)

			out, err := exec.Command(script, "run", tg.arch, bin, "version").CombinedOutput()
			if err != nil {
				t.Fatalf("kiosk version under qemu: %v\n%s", err, out)
			}
			if want := "kiosk " + version + " (commit " + commit + ")\n"; string(out) != want {
				t.Errorf("kiosk version printed %q, want %q", out, want)
			}
		})
	}
}

// armFlags reads e_flags of a 32-bit little-endian ELF file (offset 36 of the header);
// debug/elf does not expose it.
func armFlags(t *testing.T, bin string) uint32 {
	t.Helper()
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hdr elf.Header32
	if err := binary.Read(f, binary.LittleEndian, &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.Flags
}

func checkBuildInfo(t *testing.T, bin string, tg crossTarget) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GOOS": "linux", "GOARCH": tg.arch, "CGO_ENABLED": "1", "-trimpath": "true", "GOARM": tg.goarm}
	got := map[string]string{}
	for _, s := range info.Settings {
		got[s.Key] = s.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("build setting %s=%q, want %q", k, got[k], v)
		}
	}
}

func checkELF(t *testing.T, bin string, tg crossTarget) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Class != tg.class || f.Machine != tg.machine || f.OSABI != elf.ELFOSABI_NONE {
		t.Errorf("ELF %v %v %v, want %v %v linux (SYSV ABI)", f.Class, f.Machine, f.OSABI, tg.class, tg.machine)
	}
	if tg.machine == elf.EM_ARM {
		if e := armFlags(t, bin); e&efARMEABIMask != efARMEABIVer5 || e&efARMFloatHard == 0 {
			t.Errorf("ARM e_flags %#x, want EABI5 with the hard-float ABI", e)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(libs, "libpcsclite.so.1") {
		t.Errorf("NEEDED %v, want libpcsclite.so.1 (cgo PC/SC client)", libs)
	}
	interp := f.Section(".interp")
	if interp == nil {
		t.Fatal("no .interp: not a dynamically linked executable")
	}
	data, err := interp.Data()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimRight(string(data), "\x00"); got != tg.interp {
		t.Errorf("interpreter %q, want %q", got, tg.interp)
	}
}
