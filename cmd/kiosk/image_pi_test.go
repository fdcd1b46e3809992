//go:build image

// The image as a Raspberry Pi boots it: the boot files raspi-firmware's hook put on the
// provisioning partition, read from the host with mtools and debugfs (TestImagePiBootFiles,
// in make test-image), and the image's own kernel, initramfs and Pi 3 device tree booted on
// QEMU's raspi3b machine with the image as its SD card (TestPiBoot, make test-image-pi).

package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// piModels are the boards the image is for, with the device tree the firmware loads for
// each (upstream_kernel=1: the kernel's own names) and the firmware files it starts.
var piModels = []struct {
	model    string
	dtb      string
	firmware []string
}{
	{"Raspberry Pi 4 Model B", "bcm2711-rpi-4-b.dtb", []string{"start4.elf", "fixup4.dat"}},
	{"Raspberry Pi 400", "bcm2711-rpi-400.dtb", []string{"start4.elf", "fixup4.dat"}},
	{"Compute Module 4 (IO board)", "bcm2711-rpi-cm4-io.dtb", []string{"start4.elf", "fixup4.dat"}},
	{"Raspberry Pi 3 Model B", "bcm2837-rpi-3-b.dtb", []string{"bootcode.bin", "start.elf", "fixup.dat"}},
	{"Raspberry Pi 3 Model B+", "bcm2837-rpi-3-b-plus.dtb", []string{"bootcode.bin", "start.elf", "fixup.dat"}},
	{"Raspberry Pi 3 Model A+", "bcm2837-rpi-3-a-plus.dtb", []string{"bootcode.bin", "start.elf", "fixup.dat"}},
	{"Raspberry Pi Zero 2 W", "bcm2837-rpi-zero-2-w.dtb", []string{"bootcode.bin", "start.elf", "fixup.dat"}},
}

// bootPart is the image's partition 1 (the FAT a Pi boots from), read with mtools.
type bootPart struct {
	t   *testing.T
	img string // mtools image spec: file@@offset
}

func (b bootPart) read(name string) []byte {
	b.t.Helper()
	out, err := exec.Command("mtype", "-i", b.img, "::"+name).Output()
	if err != nil {
		b.t.Fatalf("mtype %s: %v", name, err)
	}
	return out
}

// files lists every file on the partition (paths from its top, "/" separated).
func (b bootPart) files() map[string]bool {
	b.t.Helper()
	out, err := exec.Command("mdir", "-b", "-/", "-i", b.img, "::").Output()
	if err != nil {
		b.t.Fatalf("mdir: %v", err)
	}
	m := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), "::/")
		if l != "" && !strings.HasSuffix(l, "/") {
			m[l] = true
		}
	}
	return m
}

// piConfig is config.txt: its key=value settings, and the initramfs directive's file.
func piConfig(txt string) (map[string]string, string) {
	kv := map[string]string{}
	initramfs := ""
	for _, l := range strings.Split(txt, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if f := strings.Fields(l); f[0] == "initramfs" && len(f) >= 2 {
			initramfs = f[1]
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			kv[k] = v
		}
	}
	return kv, initramfs
}

// rootFile reads a file of the image's root file system (partition 2) with debugfs.
func rootFile(t *testing.T, img string, off int64, path string) []byte {
	t.Helper()
	out, err := exec.Command("debugfs", "-R", "cat "+path, fmt.Sprintf("%s?offset=%d", img, off)).Output()
	if err != nil {
		t.Fatalf("debugfs cat %s: %v", path, err)
	}
	return out
}

// rootDir lists a folder of the image's root file system with debugfs.
func rootDir(t *testing.T, img string, off int64, path string) []string {
	t.Helper()
	out, err := exec.Command("debugfs", "-R", "ls -p "+path, fmt.Sprintf("%s?offset=%d", img, off)).Output()
	if err != nil {
		t.Fatalf("debugfs ls %s: %v", path, err)
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") { // /inode/mode/uid/gid/name/size/
		if f := strings.Split(l, "/"); len(f) >= 7 && f[5] != "." && f[5] != ".." {
			names = append(names, f[5])
		}
	}
	return names
}

// logConsole logs QEMU's stderr and the last n bytes of the guest's serial console.
func (v *vm) logConsole(stderr string, n int) {
	log, _ := os.ReadFile(filepath.Join(v.dir, "serial.log"))
	if len(log) > n {
		log = log[len(log)-n:]
	}
	v.t.Logf("qemu stderr: %s\nserial console (end):\n%s", stderr, log)
}

// TestImagePiBootFiles checks from the host that partition 1 holds a complete Raspberry
// Pi boot chain, consistent with the kernel the image's root carries.
func TestImagePiBootFiles(t *testing.T) {
	for _, p := range []string{"mdir", "mtype", "debugfs"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s missing (make deps installs it)", p)
		}
	}
	imgDir := imageDir(t)
	img := filepath.Join(imgDir, "madoguchi-trixie-arm64.img")
	lay := imageLayout(t, imgDir)
	fat := bootPart{t: t, img: fmt.Sprintf("%s@@%d", img, lay["fat_offset_mib"])}
	files := fat.files()

	// The MBR: the Pi's ROM and firmware boot from the first partition, FAT32 (LBA).
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	mbr := make([]byte, 512)
	_, err = f.ReadAt(mbr, 0)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if typ, start := mbr[446+4], binary.LittleEndian.Uint32(mbr[446+8:]); typ != 0x0c || int64(start)*512 != lay["fat_offset_mib"] {
		t.Errorf("partition 1: type %#x at sector %d, want 0x0c (FAT32 LBA) at %d", typ, start, lay["fat_offset_mib"]/512)
	}

	conf, initramfs := piConfig(string(fat.read("config.txt")))
	for k, want := range map[string]string{"arm_64bit": "1", "upstream_kernel": "1", "enable_uart": "1"} {
		if conf[k] != want {
			t.Errorf("config.txt: %s=%q, want %q", k, conf[k], want)
		}
	}
	kernel := conf["kernel"]
	version := strings.TrimPrefix(kernel, "vmlinuz-")
	if kernel == "" || version == kernel {
		t.Fatalf("config.txt: kernel=%q, want vmlinuz-<version>", kernel)
	}
	if initramfs != "initrd.img-"+version {
		t.Errorf("config.txt: initramfs %q, want initrd.img-%s", initramfs, version)
	}
	for _, name := range []string{kernel, initramfs} {
		if !files[name] {
			t.Errorf("config.txt names %s, which is not on partition 1", name)
		}
	}

	// The kernel and initramfs are the ones QEMU's direct boot uses, and of the version
	// whose modules and device trees the root carries.
	for name, twin := range map[string]string{kernel: "vmlinuz", initramfs: "initrd.img"} {
		want, err := os.ReadFile(filepath.Join(imgDir, twin))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fat.read(name), want) {
			t.Errorf("partition 1's %s differs from the image's %s", name, twin)
		}
	}
	if k := fat.read(kernel); !bytes.Contains(k, []byte("Linux version "+version+" ")) {
		t.Errorf("%s does not say it is Linux %s", kernel, version)
	}
	rootOff := lay["root_offset_mib"]
	if len(rootDir(t, img, rootOff, "/usr/lib/modules/"+version)) == 0 {
		t.Errorf("the root has no modules for %s", version)
	}
	dtbDir := "/usr/lib/linux-image-" + version + "/broadcom"
	kernelDTBs := map[string]bool{}
	for _, n := range rootDir(t, img, rootOff, dtbDir) {
		if strings.HasPrefix(n, "bcm") && strings.HasSuffix(n, ".dtb") {
			kernelDTBs[n] = true
			if !files[n] {
				t.Errorf("the kernel's %s is not on partition 1", n)
			} else if !bytes.Equal(fat.read(n), rootFile(t, img, rootOff, dtbDir+"/"+n)) {
				t.Errorf("partition 1's %s is not the one of kernel %s", n, version)
			}
		}
	}
	for n := range files {
		if strings.HasSuffix(n, ".dtb") && !kernelDTBs[n] {
			t.Errorf("partition 1 has %s, which kernel %s does not ship", n, version)
		}
	}

	for _, m := range piModels {
		t.Run(m.model, func(t *testing.T) {
			for _, n := range append([]string{m.dtb}, m.firmware...) {
				if !files[n] {
					t.Errorf("%s is not on partition 1", n)
				}
			}
			if dtb := fat.read(m.dtb); len(dtb) < 4 || binary.BigEndian.Uint32(dtb) != 0xd00dfeed {
				t.Errorf("%s is not a flattened device tree", m.dtb)
			}
		})
	}

	// The firmware's licence asks redistributions to carry its notice.
	if !files["LICENCE.raspi-firmware"] || !bytes.Contains(fat.read("LICENCE.raspi-firmware"), []byte("Redistribution")) {
		t.Error("partition 1 lacks raspi-firmware's licence notice LICENCE.raspi-firmware")
	}

	// cmdline.txt: the read-only root by label, as on QEMU, with the Pi's serial console.
	cmdline := strings.TrimSpace(string(fat.read("cmdline.txt")))
	args := map[string]bool{}
	for _, a := range strings.Fields(cmdline) {
		args[a] = true
	}
	virt, err := os.ReadFile(filepath.Join(imgDir, "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range strings.Fields(string(virt)) {
		if !strings.HasPrefix(a, "console=") && !args[a] {
			t.Errorf("cmdline.txt %q lacks %q of the QEMU boot", cmdline, a)
		}
	}
	for _, a := range []string{"root=LABEL=madoguchi-root", "ro", "rootwait", "console=ttyS1,115200"} {
		if !args[a] {
			t.Errorf("cmdline.txt %q lacks %q", cmdline, a)
		}
	}
	if args["rw"] {
		t.Errorf("cmdline.txt %q mounts the root rw", cmdline)
	}
	if strings.Contains(cmdline, "\n") {
		t.Errorf("cmdline.txt has more than one line: %q", cmdline)
	}

	// The provisioning service takes only these names from the partition's top level
	// (dist/image/provision): none of the boot files is one.
	prov, err := os.ReadFile(filepath.Join("dist", "image", "provision"))
	if err != nil {
		t.Fatal(err)
	}
	const pattern = `\.(toml|pem|crt|key|pub)$`
	if !bytes.Contains(prov, []byte("grep -E '"+pattern+"'")) {
		t.Fatalf("dist/image/provision no longer selects its files with %s: update this test", pattern)
	}
	re := regexp.MustCompile(pattern)
	for n := range files {
		if !strings.Contains(n, "/") && re.MatchString(n) {
			t.Errorf("boot file %s would be taken as provisioning", n)
		}
	}
	figure(t, "partition 1: %d files, kernel %s", len(files), version)
}

// TestPiBoot boots the image's kernel, initramfs and Pi 3 device tree on QEMU's raspi3b
// (Cortex-A53, BCM2837 peripherals) with a copy of the image as its SD card, and checks
// over the mini UART (ttyS1, the Pi 3's serial console) that the SD host driver found the
// card and the root (by label, read-only) and state file systems are mounted. QEMU loads
// the kernel itself: the GPU firmware on partition 1 does not run.
func TestPiBoot(t *testing.T) {
	if _, err := exec.LookPath("qemu-system-aarch64"); err != nil {
		t.Fatal("qemu-system-aarch64 missing (make deps installs it)")
	}
	imgDir := imageDir(t)
	lay := imageLayout(t, imgDir)
	work := t.TempDir()
	broken := "[printer]\nbackend = \"carrier-pigeon\"\n"
	disk := newDisk(t, imgDir, provisioning{"kiosk.toml": []byte(broken)})
	// QEMU's SD card must be a power of two in size; the rest reads as zeros.
	fi, err := os.Stat(disk)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(1)
	for size < fi.Size() {
		size <<= 1
	}
	if err := os.Truncate(disk, size); err != nil {
		t.Fatal(err)
	}
	fat := bootPart{t: t, img: fmt.Sprintf("%s@@%d", disk, lay["fat_offset_mib"])}
	conf, initramfs := piConfig(string(fat.read("config.txt")))
	cmdline := strings.TrimSpace(string(fat.read("cmdline.txt")))
	boot := map[string]string{"kernel": conf["kernel"], "initrd": initramfs, "dtb": "bcm2837-rpi-3-b.dtb"}
	for k, name := range boot {
		p := filepath.Join(work, name)
		if out, err := exec.Command("mcopy", "-n", "-i", fat.img, "::"+name, p).CombinedOutput(); err != nil {
			t.Fatalf("mcopy %s: %v: %s", name, err, out)
		}
		boot[k] = p
	}
	run := t.TempDir()
	args := []string{
		"-M", "raspi3b", "-m", "1G",
		"-kernel", boot["kernel"], "-initrd", boot["initrd"], "-dtb", boot["dtb"],
		// cmdline.txt as the firmware would pass it, and the test's root shell on the UART.
		"-append", cmdline + " systemd.debug_shell=ttyS1 systemd.mask=serial-getty@ttyS1.service",
		"-drive", "file=" + disk + ",format=raw,if=sd",
		"-display", "none",
		// The first serial port is the PL011 (Bluetooth on a Pi 3), the second the mini UART.
		"-serial", "null",
		"-chardev", "socket,id=ser0,path=" + filepath.Join(run, "serial.sock") + ",server=on,wait=off,logfile=" + filepath.Join(run, "serial.log"),
		"-serial", "chardev:ser0",
		"-monitor", "none", "-nodefaults", "-no-user-config",
	}
	v := startQEMU(t, run, args, nil, 8000, nil)
	start := v.start
	// No QMP here to wait for (boot's dialQMP retries until QEMU is up): wait for the
	// console's socket itself.
	for i := 0; i < 100 && v.serial == nil; i++ {
		if _, err := os.Stat(filepath.Join(run, "serial.sock")); err == nil {
			v.serial = dialSerial(t, filepath.Join(run, "serial.sock"))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v.serial == nil {
		t.Fatal("no serial socket from qemu")
	}
	if err := v.shellReady(bootTimeout()); err != nil {
		t.Fatal(err)
	}
	figure(t, "raspi3b: power-on to the root shell %.0f s", time.Since(start).Seconds())
	// ask runs a command that always exits 0, typing it again while no answer comes:
	// ttyS1 is also /dev/console, and a command typed while systemd wrote terminal
	// queries (ESC [6n) there got no answer (seen once; the shell answered again later).
	ask := func(cmd string) string {
		t.Helper()
		deadline := time.Now().Add(bootTimeout())
		for {
			out, err := v.serial.run(cmd, 20*time.Second)
			if err == nil {
				return strings.TrimSpace(strings.ReplaceAll(out, "\r", ""))
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v", err)
			}
			time.Sleep(2 * time.Second)
		}
	}
	// The kernel's messages go to ttyS1 too: keep them out of the answers.
	ask("dmesg -n 1")
	// Provisioning read partition 1 next to the boot files: it found the broken kiosk.toml
	// (and so the state file system, where it keeps the configuration, was mounted).
	deadline := time.Now().Add(bootTimeout())
	for {
		out := ask("cat /run/madoguchi/provision.txt 2>&1; true")
		if strings.Contains(out, "not valid") && strings.Contains(out, "carrier-pigeon") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no provisioning report about the broken kiosk.toml within %s:\n%s\n%s", bootTimeout(), out,
				ask("systemctl status madoguchi-provision --no-pager | cat"))
		}
		time.Sleep(3 * time.Second)
	}
	figure(t, "raspi3b: power-on to provisioning done %.0f s", time.Since(start).Seconds())

	if got := ask("dmesg | grep -E 'sdhost-bcm2835|mmcblk0:' | sed 's/^\\[[ 0-9.]*\\] //'"); !strings.Contains(got, "sdhost-bcm2835") || !strings.Contains(got, "mmcblk0: p1 p2 p3") {
		t.Errorf("the Pi's SD host driver did not find the card:\n%s", got)
	}
	for _, c := range []struct{ cmd, want string }{
		{"findmnt -no SOURCE,FSTYPE /", "/dev/mmcblk0p2 ext4"},
		{"findmnt -no OPTIONS / | cut -d, -f1", "ro"},
		{"findmnt -no SOURCE,FSTYPE /var/lib/madoguchi", "/dev/mmcblk0p3 ext4"},
		{"findmnt -no OPTIONS /var/lib/madoguchi | cut -d, -f1", "rw"},
		{"blkid -L MADOGUCHI; true", "/dev/mmcblk0p1"},
		{"findmnt -n /boot/firmware || echo unmounted", "unmounted"},
		{"tr -d '\\0' </proc/device-tree/model", "Raspberry Pi 3 Model B"},
	} {
		if got := ask(c.cmd + "; true"); got != c.want {
			t.Errorf("%s: %q, want %q", c.cmd, got, c.want)
		}
	}
}
