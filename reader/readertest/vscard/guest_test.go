package vscard

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"madoguchi/reader/readertest"
)

// guestDir is where .ci/vscard-guest (make vscard-guest, part of make test) leaves
// Debian's kernel, its USB modules and busybox.
func guestDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VSCARD_GUEST")
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "madoguchi", "vscard-guest", "current")
	}
	if _, err := os.Stat(filepath.Join(dir, "done")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no guest in %s: make test runs make vscard-guest (.ci/vscard-guest) first", dir)
		}
		t.Skipf("no guest in %s: run make vscard-guest", dir)
	}
	return dir
}

// The guest's script: load the USB modules, start pcscd (libccid finds QEMU's reader),
// then report through the serial console what opensc-tool sees while the host takes the
// card out and puts it back. Every wait is bounded; the guest powers off at the end.
const guestInit = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/usr/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs run /run
mkdir -p /run/pcscd /tmp
for m in usb-common usbcore xhci-hcd xhci-pci; do insmod /lib/modules/$m.ko || echo "GUEST: insmod $m failed"; done
for i in $(seq 100); do grep -q 08e6 /sys/bus/usb/devices/*/idVendor 2>/dev/null && break; sleep 0.1; done
echo "GUEST: usb $(cat /sys/bus/usb/devices/*/product 2>/dev/null | tr '\n' ',')"
pcscd --foreground >/tmp/pcscd.log 2>&1 &
for i in $(seq 100); do opensc-tool -r 0 -a >/dev/null 2>&1 && break; sleep 0.2; done
echo "GUEST: readers $(opensc-tool -l 2>&1 | tail -n +3 | tr '\n' ' ')"
echo "GUEST: atr $(opensc-tool -r 0 -a 2>&1)"
echo "GUEST: name $(opensc-tool -r 0 -n 2>&1)"
for i in $(seq 100); do opensc-tool -r 0 -a >/dev/null 2>&1 || break; sleep 0.2; done
echo "GUEST: out $(opensc-tool -r 0 -a 2>&1 | tr '\n' ' ')"
for i in $(seq 100); do opensc-tool -r 0 -a >/dev/null 2>&1 && break; sleep 0.2; done
echo "GUEST: in $(opensc-tool -r 0 -a 2>&1)"
echo "GUEST: apdu $(opensc-tool -r 0 -s 00:A4:04:0C:0A:D3:92:F0:00:26:01:00:00:00:01 2>&1 | tr '\n' ' ')"
echo "GUEST: end"
poweroff -f
`

// TestGuestSeesCard boots Debian 12's kernel in qemu-system-x86_64 (KVM is not used: on
// these nested machines KVM fails at CPU set-up; TCG boots in about 10 s) with QEMU's
// usb-ccid reader, ccid-card-passthru and this package's Client on a unix chardev. In the
// guest, the host's own pcscd 1.9.9 + libccid 1.5.2 + opensc-tool run from an initramfs
// the test builds. It checks that the guest sees the reader and the card's ATR, that
// OpenSC's APDU probing names the card "jpki", that a removal and an insertion on the
// host reach the guest's pcscd, and that an APDU after re-insertion is answered 90 00.
func TestGuestSeesCard(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a guest (about 15 s): runs without -short")
	}
	dir := guestDir(t)
	needFile(t, qemuBinary, "qemu-system-x86")
	needFile(t, "/usr/sbin/pcscd", "pcscd")
	needFile(t, "/usr/bin/opensc-tool", "opensc")
	work := shortTempDir(t)
	initrd := filepath.Join(work, "initrd.cpio")
	if err := buildInitramfs(initrd, dir); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(work, "vscard.sock")
	l, err := Listen(Endpoint{Network: "unix", Address: sock})
	if err != nil {
		t.Fatal(err)
	}
	card := newCard(t, readertest.Options{ATR: readertest.ATRJINC})
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- (&Client{Card: card, OnEvent: rec.add}).ListenAndServe(ctx, l) }()
	defer func() { cancel(); <-served }()

	cmd := exec.CommandContext(ctx, qemuBinary,
		"-M", "pc", "-accel", "tcg", "-m", "512", "-nodefaults", "-no-user-config", "-display", "none",
		"-no-reboot", "-serial", "stdio",
		"-kernel", filepath.Join(dir, "vmlinuz"), "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 loglevel=3",
		"-device", "qemu-xhci,id=xhci", "-device", "usb-ccid,bus=xhci.0",
		"-device", "ccid-card-passthru,chardev=vscard",
		"-chardev", "socket,id=vscard,path="+sock)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var console strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		console.WriteString(line + "\n")
		rest, ok := strings.CutPrefix(line, "GUEST: ")
		if !ok {
			continue
		}
		key, val, _ := strings.Cut(rest, " ")
		got[key] = val
		switch key {
		case "name":
			card.Remove() // the guest now waits for the slot to empty
		case "out":
			card.Insert() // and now for the card to come back
		}
	}
	err = cmd.Wait()
	t.Logf("guest ran %v", time.Since(start).Round(100*time.Millisecond))
	if _, ok := got["end"]; !ok || err != nil {
		t.Fatalf("guest did not finish (%v)\nconsole:\n%s\nqemu:\n%s", err, console.String(), stderr.String())
	}
	atr := strings.ToLower(fmt.Sprintf("%X", readertest.ATRJINC))
	for _, c := range []struct{ key, want string }{
		{"usb", "QEMU USB CCID"},
		{"readers", "Gemalto Gemplus USB SmartCard Reader 433-Swap"},
		{"atr", atr},
		{"name", "jpki"},
		{"out", "Card not present"},
		{"in", atr},
		{"apdu", "SW1=0x90, SW2=0x00"},
	} {
		if v := strings.ReplaceAll(got[c.key], ":", ""); !strings.Contains(v, c.want) && !strings.Contains(got[c.key], c.want) {
			t.Errorf("guest %s: %q, want %q", c.key, got[c.key], c.want)
		}
	}
	if t.Failed() {
		t.Logf("console:\n%s", console.String())
	}
	if rec.count(EventInserted) != 2 || rec.count(EventRemoved) != 1 || rec.count(EventAPDU) < 10 {
		t.Errorf("events %v", rec.ev)
	}
}

// buildInitramfs writes an uncompressed newc cpio archive: /init, busybox, the USB
// modules, and the host's pcscd, libccid, opensc-tool with every library ldd names.
func buildInitramfs(out, guest string) error {
	files := map[string]string{ // path in the guest → path on the host
		"bin/busybox":                filepath.Join(guest, "busybox"),
		"usr/sbin/pcscd":             "/usr/sbin/pcscd",
		"usr/bin/opensc-tool":        "/usr/bin/opensc-tool",
		"etc/opensc/opensc.conf":     "/etc/opensc/opensc.conf",
		"etc/reader.conf.d/.keep":    "",
		"usr/lib/pcsc/drivers/.keep": "",
		"lib/modules/usb-common.ko":  filepath.Join(guest, "modules/usb-common.ko"),
		"lib/modules/usbcore.ko":     filepath.Join(guest, "modules/usbcore.ko"),
		"lib/modules/xhci-hcd.ko":    filepath.Join(guest, "modules/xhci-hcd.ko"),
		"lib/modules/xhci-pci.ko":    filepath.Join(guest, "modules/xhci-pci.ko"),
		"proc/.keep":                 "",
		"sys/.keep":                  "",
		"dev/.keep":                  "",
		"run/.keep":                  "",
		"tmp/.keep":                  "",
	}
	bundle := "/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents"
	files[strings.TrimPrefix(bundle, "/")+"/Info.plist"] = bundle + "/Info.plist"
	files[strings.TrimPrefix(bundle, "/")+"/Linux/libccid.so"] = bundle + "/Linux/libccid.so"
	// Libraries: what ldd lists for the programs and the libraries they dlopen.
	dlopened := []string{bundle + "/Linux/libccid.so"}
	for _, lib := range []string{"libpcsclite.so.1", "libgcc_s.so.1", "libopensc.so.8"} {
		for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"} {
			if p := filepath.Join(d, lib); fileExists(p) {
				dlopened = append(dlopened, p)
				files[strings.TrimPrefix(p, "/")] = p
				break
			}
		}
	}
	for _, bin := range append([]string{"/usr/sbin/pcscd", "/usr/bin/opensc-tool"}, dlopened...) {
		outp, err := exec.Command("ldd", bin).Output()
		if err != nil {
			return fmt.Errorf("ldd %s: %w", bin, err)
		}
		for _, f := range strings.Fields(string(outp)) {
			if strings.HasPrefix(f, "/") {
				files[strings.TrimPrefix(f, "/")] = f
			}
		}
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := &cpioWriter{w: bufio.NewWriter(f), dirs: map[string]bool{}}
	w.file("init", 0o100755, []byte(guestInit))
	for _, n := range names {
		if files[n] == "" {
			w.dir(filepath.Dir(n))
			continue
		}
		data, err := os.ReadFile(files[n]) // follows symbolic links
		if err != nil {
			f.Close()
			return err
		}
		w.file(n, 0o100755, data)
	}
	w.entry("TRAILER!!!", 0, nil)
	if w.err == nil {
		w.err = w.w.Flush()
	}
	if err := f.Close(); w.err == nil {
		w.err = err
	}
	return w.err
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// cpioWriter writes the "newc" format the kernel unpacks as an initramfs.
type cpioWriter struct {
	w    *bufio.Writer
	ino  uint32
	dirs map[string]bool
	err  error
}

func (c *cpioWriter) dir(d string) {
	if d == "." || d == "/" || c.dirs[d] {
		return
	}
	c.dir(filepath.Dir(d))
	c.dirs[d] = true
	c.entry(d, 0o040755, nil)
}

func (c *cpioWriter) file(name string, mode uint32, data []byte) {
	c.dir(filepath.Dir(name))
	c.entry(name, mode, data)
}

func (c *cpioWriter) entry(name string, mode uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	fields := []uint32{c.ino, mode, 0, 0, 1, 0, uint32(len(data)), 0, 0, 0, 0, uint32(len(name) + 1), 0}
	var hdr bytes.Buffer
	hdr.WriteString("070701")
	for _, v := range fields {
		fmt.Fprintf(&hdr, "%08x", v)
	}
	hdr.WriteString(name)
	hdr.WriteByte(0)
	pad(&hdr)
	hdr.Write(data)
	pad(&hdr)
	_, c.err = c.w.Write(hdr.Bytes())
}

func pad(b *bytes.Buffer) {
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
}
