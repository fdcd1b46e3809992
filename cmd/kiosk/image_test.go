//go:build image

// The appliance image booted whole: only with `go test -tags image` (`make test-image` runs
// it after .ci/image has built or found the image), so the ordinary suite needs no QEMU.
//
// The guest is the image from .ci/image, unchanged but for the provisioning partition the
// test fills like a technician would (kiosk.toml and the TLS files). QEMU runs it on the
// virt machine under TCG with a virtio GPU (seen through QMP screendump), a USB tablet (QMP
// input-send-event), user-mode networking with restrict=on whose one forward leads to the
// reference center on the host's loopback, and the serial console with systemd's debug
// shell (a kernel command line switch of the test's direct boot, no program of ours). A
// USB CCID reader with ccid-card-passthru waits on a unix socket for the host's VSCard
// server (IMAGE_VSCARD_SOCKET names where; see vmOptions.card).

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"madoguchi/center/centertest"
)

var update = flag.Bool("update", false, "rewrite the golden screen regions in testdata/image")

// guestCenter is where the guest reaches the center: QEMU's guestfwd turns a connection to
// it into one to the host's reference center on 127.0.0.1.
const guestCenter = "10.0.2.100:443"

// The guestfwd pipe: QEMU runs this test binary (IMAGE_TEST_PIPE=host:port) once per guest
// connection with the connection on stdin and stdout; it copies both ways to host:port.
func init() {
	addr := os.Getenv("IMAGE_TEST_PIPE")
	if addr == "" {
		return
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		os.Exit(1)
	}
	done := make(chan struct{}, 2)
	go func() { io.Copy(c, os.Stdin); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(os.Stdout, c); os.Stdout.Close(); done <- struct{}{} }()
	<-done
	<-done
	os.Exit(0)
}

// imageDir is the folder .ci/image made: IMAGE_DIR (make test-image sets it), else built now.
func imageDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("IMAGE_DIR"); d != "" {
		return d
	}
	out, err := exec.Command(filepath.Join("..", "..", ".ci", "image"), "path").Output()
	if err != nil {
		t.Fatalf(".ci/image path: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// imageLayout reads the partition offsets .ci/image wrote next to the image.
func imageLayout(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "layout"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			m[f[0]] = n << 20
		}
	}
	return m
}

// guestCenterTLS is a reference center whose server certificate also names the guest's
// address of it (the forward keeps the name the guest dialled).
func guestCenterTLS(t *testing.T) *centertest.Center {
	t.Helper()
	now := time.Now()
	p, err := centertest.NewPKI(now)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ := net.SplitHostPort(guestCenter)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-24 * time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.ParseIP(host)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.TLSCA, &key.PublicKey, p.TLSCAKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	p.Server = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	c, err := centertest.New(context.Background(), centertest.Options{PKI: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

const imageKioskTOML = `[kiosk]
id = "image-kiosk-1"
location = "QEMU 試験台"

[[municipality]]
code = "139998"
name = "見本市"
name_en = "Mihon City"
hours = "00:00-24:00"
closed = []
[[municipality.certificate]]
type = "juminhyo"
fee_yen = 200

[printer]
backend = "file"
dir = "/var/lib/madoguchi"

[center]
url = "https://` + guestCenter + `"
ca_file = "center-ca.pem"
document_key = "center-doc.pub"
client_cert = "kiosk.crt"
client_key = "kiosk.key"

[queue]
path = "/var/lib/madoguchi/kiosk.db"
`

// provisioning is what a technician puts on the MADOGUCHI partition: file name to content.
type provisioning map[string][]byte

func goodProvisioning(t *testing.T, c *centertest.Center) provisioning {
	t.Helper()
	dir := t.TempDir()
	if err := c.PKI().WriteKioskFiles(dir, "image-kiosk-1"); err != nil {
		t.Fatal(err)
	}
	p := provisioning{"kiosk.toml": []byte(imageKioskTOML)}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p[e.Name()] = b
	}
	return p
}

// vm is one QEMU guest booted from a copy of the image.
type vm struct {
	t      *testing.T
	dir    string
	cmd    *exec.Cmd
	start  time.Time
	qmp    *qmpConn
	serial *serialConn
	exited chan error
}

type vmOptions struct {
	centerAddr string // the host's center (127.0.0.1:port) behind guestCenter
	card       string // unix socket of ccid-card-passthru (QEMU listens); "" for none
	noGPU      bool   // no display device at all (the kiosk must not crash in a loop)
	printer    string // host tty (a printertest.Device's pty) behind the guest's PCI serial port; "" for none
	sound      string // host WAV file QEMU's USB sound card plays into; "" for no sound card
	keyboard   bool   // a USB keyboard (QMP send-key)
}

// newDisk copies the image (sparse) into a test folder and writes files onto its
// provisioning partition with mtools.
func newDisk(t *testing.T, imgDir string, files provisioning) string {
	t.Helper()
	work := t.TempDir()
	disk := filepath.Join(work, "disk.img")
	if out, err := exec.Command("cp", "--sparse=always", filepath.Join(imgDir, "madoguchi-trixie-arm64.img"), disk).CombinedOutput(); err != nil {
		t.Fatalf("copy image: %v: %s", err, out)
	}
	off := imageLayout(t, imgDir)["fat_offset_mib"]
	for name, b := range files {
		src := filepath.Join(work, name)
		if err := os.WriteFile(src, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mcopy", "-o", "-i", fmt.Sprintf("%s@@%d", disk, off), src, "::"+name).CombinedOutput(); err != nil {
			t.Fatalf("mcopy %s: %v: %s", name, err, out)
		}
	}
	return disk
}

// boot starts QEMU on disk.
func boot(t *testing.T, imgDir, disk string, o vmOptions) *vm {
	t.Helper()
	run := t.TempDir()
	cmdline, err := os.ReadFile(filepath.Join(imgDir, "cmdline"))
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	hostIP, guestPort, _ := net.SplitHostPort(guestCenter)
	args := []string{
		"-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "1024", "-accel", "tcg,thread=multi",
		"-kernel", filepath.Join(imgDir, "vmlinuz"), "-initrd", filepath.Join(imgDir, "initrd.img"),
		"-append", strings.TrimSpace(string(cmdline)) + " systemd.debug_shell=ttyAMA0 systemd.mask=serial-getty@ttyAMA0.service",
		"-drive", "file=" + disk + ",format=raw,if=none,id=d0,cache=writeback", "-device", "virtio-blk-pci,drive=d0",
		"-display", "none",
		"-device", "qemu-xhci,id=xhci", "-device", "usb-tablet,bus=xhci.0",
		"-device", "virtio-rng-pci",
		"-netdev", "user,id=n0,restrict=on,guestfwd=tcp:" + hostIP + ":" + guestPort + "-cmd:" + self,
		"-device", "virtio-net-pci,netdev=n0",
		"-chardev", "socket,id=ser0,path=" + filepath.Join(run, "serial.sock") + ",server=on,wait=off,logfile=" + filepath.Join(run, "serial.log"),
		"-serial", "chardev:ser0",
		"-qmp", "unix:" + filepath.Join(run, "qmp.sock") + ",server=on,wait=off",
		"-monitor", "none", "-nodefaults", "-no-user-config",
	}
	if !o.noGPU {
		args = append(args, "-device", "virtio-gpu-pci,xres=1280,yres=800")
	}
	if o.card != "" {
		// The card hook: a USB CCID reader whose card is the host's VSCard server's.
		args = append(args, "-device", "usb-ccid,id=ccid0,bus=xhci.0",
			"-chardev", "socket,id=vscard,path="+o.card+",server=on,wait=off",
			"-device", "ccid-card-passthru,chardev=vscard,id=card0")
	}
	if o.keyboard {
		args = append(args, "-device", "usb-kbd,bus=xhci.0")
	}
	if o.sound != "" {
		// A USB sound card (USB Audio Class, 48 kHz stereo) whose speaker is a WAV file.
		// Plugged in by plugSound, after the kiosk started.
		args = append(args, "-audiodev", "wav,id=snd0,path="+o.sound)
	}
	if o.printer != "" {
		// The printer: a 16550 on PCI (the guest's /dev/ttyS0) whose other end is the
		// host's ESC/POS printer on a pseudo-terminal.
		args = append(args, "-chardev", "serial,id=prn,path="+o.printer, "-device", "pci-serial,chardev=prn")
	}
	v := startQEMU(t, run, args, []string{"IMAGE_TEST_PIPE=" + o.centerAddr}, 6000, func(v *vm) {
		if v.serial == nil {
			return
		}
		out, _ := v.serial.run("journalctl -b --no-pager -o short-monotonic -u madoguchi-provision -u madoguchi-kiosk -u madoguchi-diag | tail -60; systemctl --failed --no-pager; journalctl -b --no-pager -o short-monotonic -p err | tail -20", 30*time.Second)
		t.Logf("guest journal:\n%s", out)
		if os.Getenv("IMAGE_KEEP") != "" { // debugging: leave the guest up for a while
			v.serial.c.Close()
			t.Logf("IMAGE_KEEP: guest left running for 10 minutes, serial console %s", filepath.Join(run, "serial.sock"))
			time.Sleep(10 * time.Minute)
		}
	})
	v.qmp = dialQMP(t, filepath.Join(run, "qmp.sock"))
	v.serial = dialSerial(t, filepath.Join(run, "serial.sock"))
	return v
}

// startQEMU starts qemu-system-aarch64 with args (and env added to the test's); run is
// the folder args put the serial console's socket and log in. The guest dies with the test binary; at the
// test's end it is killed, and when the test failed onFail (nil: nothing) looks at it
// first, while it is still up, and QEMU's stderr and the console's last keep bytes are
// logged.
func startQEMU(t *testing.T, run string, args, env []string, keep int, onFail func(*vm)) *vm {
	t.Helper()
	cmd := exec.Command("qemu-system-aarch64", args...)
	cmd.Env = append(os.Environ(), env...)
	// A test binary that dies (timeout, SIGQUIT) takes its guest with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	v := &vm{t: t, dir: run, cmd: cmd, exited: make(chan error, 1)}
	v.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("qemu-system-aarch64: %v", err)
	}
	go func() { v.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() && onFail != nil {
			onFail(v)
		}
		v.kill()
		if t.Failed() {
			v.logConsole(stderr.String(), keep)
		}
	})
	return v
}

// kill is the power cut: QEMU ends at once, whatever the guest was doing.
func (v *vm) kill() {
	if v.cmd.Process != nil {
		v.cmd.Process.Kill()
		<-v.exited
		v.exited <- nil
	}
}

// ---- QMP

type qmpConn struct {
	mu sync.Mutex
	c  net.Conn
	r  *bufio.Reader
}

func dialQMP(t *testing.T, path string) *qmpConn {
	t.Helper()
	var c net.Conn
	var err error
	for i := 0; i < 100; i++ {
		if c, err = net.Dial("unix", path); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("qmp: %v", err)
	}
	q := &qmpConn{c: c, r: bufio.NewReader(c)}
	if _, err := q.r.ReadBytes('\n'); err != nil { // greeting
		t.Fatalf("qmp greeting: %v", err)
	}
	if _, err := q.do("qmp_capabilities", nil); err != nil {
		t.Fatalf("qmp: %v", err)
	}
	return q
}

func (q *qmpConn) do(cmd string, args any) (json.RawMessage, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	q.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := q.c.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("qmp %s: %w", cmd, err)
	}
	for {
		line, err := q.r.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("qmp %s: %w", cmd, err)
		}
		var resp struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Desc string `json:"desc"`
			} `json:"error"`
			Event string `json:"event"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			return nil, fmt.Errorf("qmp %s: %w", cmd, err)
		}
		if resp.Event != "" {
			continue
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("qmp %s: %s", cmd, resp.Error.Desc)
		}
		return resp.Return, nil
	}
}

// plugSound plugs the USB sound card (vmOptions.sound) into the running guest, as a
// technician plugs in a USB speaker or headset after power-on.
func (v *vm) plugSound() error {
	_, err := v.qmp.do("device_add", map[string]any{"driver": "usb-audio", "bus": "xhci.0", "audiodev": "snd0", "id": "sound"})
	return err
}

// screen is the guest's display now.
func (v *vm) screen() (image.Image, error) {
	f := filepath.Join(v.dir, "screen.ppm")
	if _, err := v.qmp.do("screendump", map[string]any{"filename": f}); err != nil {
		return nil, err
	}
	return readPPM(f)
}

// tap presses and releases the tablet's button at (x, y) in screen pixels.
func (v *vm) tap(x, y, w, h int) error {
	ax, ay := x*0x7fff/(w-1), y*0x7fff/(h-1)
	move := map[string]any{"events": []any{
		map[string]any{"type": "abs", "data": map[string]any{"axis": "x", "value": ax}},
		map[string]any{"type": "abs", "data": map[string]any{"axis": "y", "value": ay}},
	}}
	if _, err := v.qmp.do("input-send-event", move); err != nil {
		return err
	}
	for _, down := range []bool{true, false} {
		time.Sleep(80 * time.Millisecond)
		ev := map[string]any{"events": []any{map[string]any{"type": "btn", "data": map[string]any{"button": "left", "down": down}}}}
		if _, err := v.qmp.do("input-send-event", ev); err != nil {
			return err
		}
	}
	return nil
}

func readPPM(path string) (image.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(b))
	var magic string
	var w, h, maxv int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxv); err != nil || magic != "P6" || maxv != 255 {
		return nil, fmt.Errorf("%s: not a P6 PPM (%v)", path, err)
	}
	r.ReadByte()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	px := make([]byte, 3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if _, err := io.ReadFull(r, px); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			img.Set(x, y, color.RGBA{px[0], px[1], px[2], 255})
		}
	}
	return img, nil
}

// ---- serial console (systemd's debug shell)

type serialConn struct {
	c      net.Conn
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	prompt bool // the debug shell's prompt was seen: typing is safe
}

func dialSerial(t *testing.T, path string) *serialConn {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("serial: %v", err)
	}
	s := &serialConn{c: c}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := c.Read(b)
			s.mu.Lock()
			s.buf.Write(b[:n])
			if !s.prompt && bytes.Contains(s.buf.Bytes(), []byte("root@")) {
				s.prompt = true
			}
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

// ansi matches the terminal control sequences bash and systemd put around output.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]|\r`)

// run types a command into the guest's root shell and returns its output once the
// shell printed the end marker, or an error after timeout.
func (s *serialConn) run(cmd string, timeout time.Duration) (string, error) {
	s.n++
	mark := fmt.Sprintf("END%dMARK", s.n)
	s.mu.Lock()
	s.buf.Reset()
	s.mu.Unlock()
	// The markers are assembled by the shell so the echoed command line (which the serial
	// console may garble) never matches: the answer is what lies between the two.
	begin := fmt.Sprintf("BEG%dMARK", s.n)
	line := fmt.Sprintf("echo \"BEG%d\"\"MARK\"; %s; echo \"END%d\"\"MARK $?\"\n", s.n, cmd, s.n)
	if _, err := s.c.Write([]byte(line)); err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		out := s.buf.String()
		s.mu.Unlock()
		if i := strings.Index(out, mark+" "); i >= 0 {
			body := out[:i]
			if j := strings.LastIndex(body, begin); j >= 0 {
				body = body[j+len(begin):]
				body = strings.TrimPrefix(strings.TrimPrefix(body, "\r"), "\n")
			}
			body = ansi.ReplaceAllString(body, "")
			rest := out[i+len(mark)+1:]
			code := strings.Fields(rest + " x")[0]
			if code != "0" {
				return body, fmt.Errorf("guest: %q exited %s: %s", cmd, code, body)
			}
			return body, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "", fmt.Errorf("guest: %q: no answer within %s", cmd, timeout)
}

// shellReady waits until the debug shell answers. It types nothing before the shell's
// prompt came: lines typed into the guest's PL011 UART while it boots stalled its input
// for good (seen: the prompt came, nothing typed after it ever arrived).
func (v *vm) shellReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		v.serial.mu.Lock()
		up := v.serial.prompt
		v.serial.mu.Unlock()
		if !up {
			time.Sleep(time.Second)
			continue
		}
		if _, err := v.serial.run("true", 5*time.Second); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no root shell on the serial console within %s", timeout)
}

// ---- screens

// rect is a region of the 1280x800 screen in pixels.
type region struct{ x0, y0, x1, y1 int }

// idleTitle is the idle screen's title region: the header's left part, 証明書交付サービス.
var idleTitle = region{0, 0, 640, 96}

// idleMiddle is the idle screen's middle, below the header and above the bottom row's
// buttons: the invitation to touch, or the notice that no card reader can be used.
var idleMiddle = region{0, 160, 1280, 640}

func crop(img image.Image, r region) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.x1-r.x0, r.y1-r.y0))
	for y := r.y0; y < r.y1; y++ {
		for x := r.x0; x < r.x1; x++ {
			out.Set(x-r.x0, y-r.y0, img.At(x, y))
		}
	}
	return out
}

// differs is the share of pixels of a and b that differ.
func differs(a, b image.Image) float64 {
	if a.Bounds() != b.Bounds() {
		return 1
	}
	n, d := 0, 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if a.At(x, y) != b.At(x, y) {
				d++
			}
		}
	}
	return float64(d) / float64(n)
}

// lit is the share of pixels that are not the background (black).
func lit(img image.Image) float64 {
	n, d := 0, 0
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if cr, cg, cb, _ := img.At(x, y).RGBA(); cr|cg|cb != 0 {
				d++
			}
		}
	}
	return float64(d) / float64(n)
}

func golden(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "image", name))
	if err != nil {
		return nil
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// waitScreen polls the display until match says yes, and returns that screen.
func (v *vm) waitScreen(t *testing.T, timeout time.Duration, what string, match func(image.Image) bool) image.Image {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last image.Image
	for time.Now().Before(deadline) {
		img, err := v.screen()
		if err == nil {
			last = img
			if match(img) {
				return img
			}
		}
		select {
		case err := <-v.exited:
			v.exited <- err
			t.Fatalf("qemu exited while waiting for %s: %v", what, err)
		case <-time.After(time.Second):
		}
	}
	if last != nil {
		p := filepath.Join(t.TempDir(), "last.png")
		writePNG(t, p, last)
		t.Logf("last screen while waiting for %s: %s", what, p)
	}
	t.Fatalf("no %s within %s", what, timeout)
	return nil
}

// ---- the tests

// bootTimeout is how long a boot to the first screen may take: IMAGE_BOOT_TIMEOUT, else 8
// minutes (about 2 on an idle 2-core machine).
func bootTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("IMAGE_BOOT_TIMEOUT")); err == nil {
		return d
	}
	return 8 * time.Minute
}

// matchGolden is a screen test: the region of the screen equals testdata/image/name (a
// few pixels may differ). With -update, wait decides instead, and the region becomes the
// golden file.
func (v *vm) waitGolden(t *testing.T, timeout time.Duration, name string, r region, ready func() bool) image.Image {
	t.Helper()
	if *update {
		img := v.waitScreen(t, timeout, "the screen for "+name, func(image.Image) bool { return ready() })
		time.Sleep(3 * time.Second)
		img, err := v.screen()
		if err != nil {
			t.Fatal(err)
		}
		writePNG(t, filepath.Join("testdata", "image", name), crop(img, r))
		return img
	}
	want := golden(t, name)
	if want == nil {
		t.Fatalf("no testdata/image/%s: run `make test-image` with IMAGE_TEST_FLAGS=-update once, and look at it", name)
	}
	return v.waitScreen(t, timeout, name, func(img image.Image) bool { return differs(crop(img, r), want) < 0.002 })
}

// guest runs a shell command in the guest and fails the test when it fails.
func (v *vm) guest(t *testing.T, cmd string) string {
	t.Helper()
	out, err := v.serial.run(cmd, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.ReplaceAll(out, "\r", ""))
}

// unitActive says whether the guest's unit is active (the shell must be up).
func (v *vm) unitActive(unit string) bool {
	out, err := v.serial.run("systemctl is-active "+unit, 20*time.Second)
	return err == nil && strings.TrimSpace(strings.ReplaceAll(out, "\r", "")) == "active"
}

func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("figure: "+format, args...)
}

// TestImage boots the appliance image: the idle screen by itself after power-on, the
// read-only root and the state file system, no writes to the root while idle, a tap that
// starts a session, a power cut, and a broken configuration or a missing TLS file on the
// provisioning partition.
// The watchdog, an unplugged reader and a missing display: image_watchdog_test.go.
func TestImage(t *testing.T) {
	for _, p := range []string{"qemu-system-aarch64", "mcopy"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s missing (make deps installs it)", p)
		}
	}
	imgDir := imageDir(t)
	if fi, err := os.Stat(filepath.Join(imgDir, "madoguchi-trixie-arm64.img")); err == nil {
		figure(t, "image size %d MiB", fi.Size()>>20)
	}
	c := guestCenterTLS(t)
	centerAddr := strings.TrimPrefix(c.URL(), "https://")

	t.Run("appliance", func(t *testing.T) {
		disk := newDisk(t, imgDir, goodProvisioning(t, c))
		v := boot(t, imgDir, disk, vmOptions{centerAddr: centerAddr, card: filepath.Join(t.TempDir(), "vscard.sock")})
		shellUp := false
		ready := func() bool {
			if !shellUp {
				shellUp = v.shellReady(2*time.Second) == nil
			}
			if !shellUp || !v.unitActive("madoguchi-kiosk") {
				return false
			}
			_, err := v.serial.run("pidof kiosk", 10*time.Second)
			return err == nil
		}
		v.waitGolden(t, bootTimeout(), "idle-title.png", idleTitle, ready)
		figure(t, "power-on to idle screen %.0f s (QEMU TCG, 2 vCPUs)", time.Since(v.start).Seconds())
		if err := v.shellReady(2 * time.Minute); err != nil {
			t.Fatal(err)
		}

		// Firmware-style: the root is read-only, the state has its own checked file system.
		if got := v.guest(t, "findmnt -no OPTIONS /"); !strings.HasPrefix(got, "ro") {
			t.Errorf("root mounted %q, want ro", got)
		}
		if got := v.guest(t, "findmnt -no FSTYPE,OPTIONS /var/lib/madoguchi"); !strings.HasPrefix(got, "ext4 rw") {
			t.Errorf("/var/lib/madoguchi mounted %q, want its own ext4 rw", got)
		}
		if got := v.guest(t, "systemctl show -p Result --value 'systemd-fsck@dev-disk-by\\x2dlabel-madoguchi\\x2dstate.service'"); got != "success" {
			t.Errorf("fsck of the state file system at boot: %q, want success", got)
		}
		if got := v.guest(t, "systemctl --failed --no-legend --plain | cat"); got != "" {
			t.Errorf("failed units:\n%s", got)
		}
		if got := v.guest(t, "test -f /var/lib/madoguchi/etc/kiosk.key && stat -c %U:%a /var/lib/madoguchi/etc/kiosk.key"); got != "madoguchi:600" {
			t.Errorf("provisioned kiosk.key is %q, want madoguchi:600", got)
		}

		// Bytes written to the root device while the kiosk idles (goal 0).
		written := func() int64 {
			f := strings.Fields(v.guest(t, "cat /sys/block/vda/vda2/stat"))
			n, _ := strconv.ParseInt(f[6], 10, 64) // sectors written
			return n * 512
		}
		w0 := written()
		const idle = 30 * time.Second
		time.Sleep(idle)
		figure(t, "bytes written to the root device in %s idle: %d", idle, written()-w0)
		if d := written() - w0; d != 0 {
			t.Errorf("the root device was written while idle: %d bytes", d)
		}

		// A tap through the USB tablet starts a session: the title changes.
		idleImg, _ := v.screen()
		if err := v.tap(640, 400, 1280, 800); err != nil {
			t.Fatal(err)
		}
		v.waitScreen(t, time.Minute, "the first screen of a session", func(img image.Image) bool {
			return differs(crop(img, idleTitle), crop(idleImg, idleTitle)) > 0.01
		})

		// Power cut during a session: QEMU killed, booted again, the idle screen again with
		// the state file system checked.
		if err := v.tap(640, 400, 1280, 800); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		v.kill()
		v2 := boot(t, imgDir, disk, vmOptions{centerAddr: centerAddr})
		shellUp = false
		v = v2
		v2.waitGolden(t, bootTimeout(), "idle-title.png", idleTitle, ready)
		figure(t, "power cut to idle screen again %.0f s", time.Since(v2.start).Seconds())
		if got := v2.guest(t, "systemctl show -p Result --value 'systemd-fsck@dev-disk-by\\x2dlabel-madoguchi\\x2dstate.service'"); got != "success" {
			t.Errorf("fsck of the state file system after the power cut: %q, want success", got)
		}
	})

	// A bad provisioning partition: the kiosk does not start, the out-of-service screen
	// shows the provisioning report, which names what is wrong; no restart loop.
	for _, tc := range []struct {
		name  string
		spoil func(provisioning)
		want  []string
	}{
		{"broken configuration", func(p provisioning) {
			p["kiosk.toml"] = append(p["kiosk.toml"], []byte("\n[printer]\nbackend = \"carrier-pigeon\"\n")...)
		}, []string{"設定ファイルに誤りがあります", "not valid", "kiosk.toml", "TOML syntax error"}},
		{"missing TLS file", func(p provisioning) { delete(p, "kiosk.key") },
			[]string{"ファイルがありません", "missing on the provisioning partition: kiosk.key", "center.client_key", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := goodProvisioning(t, c)
			tc.spoil(p)
			disk := newDisk(t, imgDir, p)
			v := boot(t, imgDir, disk, vmOptions{centerAddr: centerAddr})
			if err := v.shellReady(8 * time.Minute); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Minute)
			for !v.unitActive("madoguchi-diag") {
				if time.Now().After(deadline) {
					t.Fatalf("madoguchi-diag never started:\n%s", v.guest(t, "systemctl status madoguchi-provision madoguchi-diag madoguchi-kiosk | cat"))
				}
				time.Sleep(3 * time.Second)
			}
			figure(t, "power-on to the out-of-service screen %.0f s (%s)", time.Since(v.start).Seconds(), tc.name)
			report := v.guest(t, "cat /run/madoguchi/provision.txt")
			t.Logf("provisioning report:\n%s", report)
			for _, want := range tc.want {
				if !strings.Contains(report, want) {
					t.Errorf("provisioning report lacks %q", want)
				}
			}
			if got := v.guest(t, "journalctl -b -u madoguchi-provision --no-pager -o cat | cat"); !strings.Contains(got, tc.want[0]) {
				t.Errorf("the journal of madoguchi-provision lacks %q:\n%s", tc.want[0], got)
			}
			if got := v.guest(t, "systemctl show -p NRestarts --value madoguchi-kiosk"); got != "0" {
				t.Errorf("the kiosk was restarted %s times: a crash loop", got)
			}
			v.waitScreen(t, time.Minute, "text on the out-of-service screen", func(img image.Image) bool { return lit(img) > 0.005 })
		})
	}
}
