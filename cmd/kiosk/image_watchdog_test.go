//go:build image

// The appliance under faults, booted whole like TestImage: a kiosk frozen in front of a
// resident, a card reader that is not plugged in, a machine without a display, and the
// spoken guide synthesizing Japanese inside the guest. Both tests run side by side (most
// of their time is the guest waiting on systemd's timers).

package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"madoguchi/kiosk"
	"madoguchi/screens"
)

// The shipped unit's timers (dist/madoguchi-kiosk.service), which the tests measure against.
const (
	unitWatchdog = 30 * time.Second
	unitRestart  = 5 * time.Second
)

// waitKioskIdle waits for the idle screen with the kiosk's unit active, as TestImage does.
func (v *vm) waitKioskIdle(t *testing.T, timeout time.Duration) {
	t.Helper()
	shellUp := false
	v.waitGolden(t, timeout, "idle-title.png", idleTitle, func() bool {
		if !shellUp {
			shellUp = v.shellReady(2*time.Second) == nil
		}
		return shellUp && v.unitActive("madoguchi-kiosk")
	})
}

// idleTop is the idle screen above its bottom row: the header and the middle.
var idleTop = region{0, 0, 1280, 640}

// pickLanguage switches the idle screen (no card reader) to l with the language picker.
func (v *vm) pickLanguage(t *testing.T, g grid, l kiosk.Lang) {
	t.Helper()
	view := guestView(kiosk.StateIdle)
	view.CardPresent = false
	tap := func(arg int) {
		t.Helper()
		for _, tg := range screens.Targets(g.cols, g.rows, view, nil) {
			if tg.Background || tg.Input.Kind != kiosk.InputPickLanguage || tg.Input.Arg != arg {
				continue
			}
			if err := v.tap((tg.X+tg.W/2)*g.cw+g.cw/2, (tg.Y+tg.H/2)*g.ch+g.ch/2, 1280, 800); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("no language picker target %d", arg)
	}
	settle()
	tap(0) // the header's 言語 Language opens the picker
	view.Picking = true
	settle()
	tap(slices.Index(kiosk.Langs, l) + 1)
}

// guestTime is the guest's clock (seconds since the epoch) at the end of cmd's output:
// cmd's last line must be `date +%s.%N`.
func guestTime(t *testing.T, out string) float64 {
	t.Helper()
	lines := strings.Fields(out)
	if len(lines) == 0 {
		t.Fatalf("no guest time in %q", out)
	}
	f, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	if err != nil {
		t.Fatalf("guest time %q: %v", out, err)
	}
	return f
}

// journalTime is the time of the first line of the unit's journal since `since` (guest
// seconds) that contains what; 0 when there is none.
func (v *vm) journalTime(t *testing.T, unit string, since float64, what string) float64 {
	t.Helper()
	out, _ := v.serial.run(fmt.Sprintf("journalctl -u %s --since @%.0f -o short-unix --no-pager | grep -F %q | head -1", unit, since-1, what), 30*time.Second)
	f := strings.Fields(strings.TrimSpace(out))
	if len(f) == 0 {
		return 0
	}
	ts, _ := strconv.ParseFloat(f[0], 64)
	if ts < since {
		return 0
	}
	return ts
}

// TestImageWatchdog boots the image with no USB card reader: the shipped unit is ready
// through sd_notify (Type=notify, in its own cgroup), the idle screen and `kiosk diag`
// say the reader is missing, the spoken guide synthesizes Japanese, and a kiosk frozen with SIGSTOP is
// killed by systemd's watchdog within WatchdogSec and comes back to the idle screen.
func TestImageWatchdog(t *testing.T) {
	t.Parallel()
	imgDir := imageDir(t)
	c := guestCenterTLS(t)
	disk := newDisk(t, imgDir, goodProvisioning(t, c))
	speaker := filepath.Join(t.TempDir(), "speaker.wav")
	v := boot(t, imgDir, disk, vmOptions{centerAddr: strings.TrimPrefix(c.URL(), "https://"), sound: speaker, keyboard: true})
	v.waitKioskIdle(t, bootTimeout())
	figure(t, "power-on to idle screen %.0f s (no card reader)", time.Since(v.start).Seconds())

	// The shipped unit as it runs: ready by the kiosk's own READY=1, watchdog armed.
	props := v.guest(t, "systemctl show -p Type -p NotifyAccess -p WatchdogUSec -p StatusText -p ActiveState -p SubState madoguchi-kiosk")
	for _, want := range []string{"Type=notify", "NotifyAccess=all", "WatchdogUSec=30s", "StatusText=serving", "ActiveState=active", "SubState=running"} {
		if !strings.Contains(props, want) {
			t.Errorf("kiosk unit lacks %s:\n%s", want, props)
		}
	}
	if got := v.guest(t, "cat /proc/$(pidof kiosk)/cgroup"); !strings.HasSuffix(got, "/madoguchi-kiosk.service") {
		t.Errorf("the kiosk runs in cgroup %q, want the unit's own (its notifications are filed by cgroup)", got)
	}

	// The reader is unplugged: the idle screen says so (red, in the middle) and offers
	// nothing to tap, diag says so too (and the display is there).
	v.waitGolden(t, time.Minute, "idle-no-reader.png", idleMiddle, func() bool { return true })
	// The reader is unplugged: diag says so (and the display is there).
	out, err := v.serial.run("runuser -u madoguchi -- /usr/local/bin/kiosk diag -config /etc/madoguchi/kiosk.toml", 90*time.Second)
	if err == nil {
		t.Errorf("kiosk diag is healthy without a card reader:\n%s", out)
	}
	for _, want := range []string{"no card reader found", "display [ok]", "NOT HEALTHY"} {
		if !strings.Contains(out, want) {
			t.Errorf("kiosk diag without a reader lacks %q:\n%s", want, out)
		}
	}

	t.Run("voice", func(t *testing.T) {
		// A USB sound card is plugged in now, long after the kiosk started (the unit's
		// DeviceAllow=char-alsa is resolved when it starts).
		if err := v.plugSound(); err != nil {
			t.Fatal(err)
		}
		var cards string
		for deadline := time.Now().Add(time.Minute); !strings.Contains(cards, "USB") && time.Now().Before(deadline); time.Sleep(2 * time.Second) {
			cards = v.guest(t, "cat /proc/asound/cards 2>/dev/null; true") // no ALSA core loaded: no /proc/asound
		}
		if !strings.Contains(cards, "USB") {
			t.Fatalf("the guest has no USB sound card a minute after it was plugged in:\n%s", cards)
		}
		// 音声案内 (bottom left of the idle screen) speaks the idle guide: Open JTalk with
		// the contrib voice synthesizes it into the cache on /var/cache (memory).
		start := time.Now()
		if err := v.tap(139, 750, 1280, 800); err != nil {
			t.Fatal(err)
		}
		var wav string
		for deadline := time.Now().Add(2 * time.Minute); wav == "" && time.Now().Before(deadline); time.Sleep(time.Second) {
			out, _ := v.serial.run("ls /var/cache/madoguchi/voice/*.wav 2>/dev/null | head -1", 20*time.Second)
			wav = strings.TrimSpace(out)
		}
		if wav == "" {
			t.Fatalf("no synthesized sentence in /var/cache/madoguchi/voice after the tap:\n%s",
				v.guest(t, "journalctl -u madoguchi-kiosk -b --no-pager -o cat | grep -i voice | tail -20; true"))
		}
		figure(t, "tap on 音声案内 to the first synthesized sentence %.1f s (TCG)", time.Since(start).Seconds())
		info := strings.Fields(v.guest(t, "sox --i -r "+wav+"; sox --i -c "+wav+"; sox --i -D "+wav))
		if len(info) != 3 || info[0] != "16000" || info[1] != "1" {
			t.Fatalf("synthesized %s: rate, channels, seconds = %v, want 16000 1 …", wav, info)
		}
		if secs, _ := strconv.ParseFloat(info[2], 64); secs < 0.5 {
			t.Errorf("synthesized sentence lasts %s s: no speech", info[2])
		}
		// And it is heard: the guest's ALSA has the USB sound card, the kiosk's aplay plays
		// the sentence into it, and the host's end of that card receives speech.
		var heard float64
		for deadline := time.Now().Add(2 * time.Minute); heard < 0.3 && time.Now().Before(deadline); time.Sleep(time.Second) {
			heard = audibleSeconds(t, speaker)
		}
		figure(t, "tap on 音声案内 to %.1f s of sound at the sound card's output %.1f s (TCG)", heard, time.Since(start).Seconds())
		if heard < 0.3 {
			t.Errorf("the sound card played %.2f s of sound, want the spoken guide (≥ 0.3 s):\n%s", heard,
				v.guest(t, "aplay -l 2>&1; grep -w alsa /proc/devices; journalctl -k -b --no-pager -o short-monotonic | grep -i 'snd\\|audio' | head; "+
					"systemctl show -p ExecMainStartTimestampMonotonic madoguchi-kiosk; "+
					"journalctl -u madoguchi-kiosk -b --no-pager -o cat | grep -i 'voice\\|aplay\\|alsa\\|sound' | tail -20; true"))
		}
		// The sound card's group is open to the kiosk however late the card came: the ALSA
		// core is loaded at boot (install.sh's modules-load.d file), before the kiosk unit
		// starts and resolves DeviceAllow=char-alsa.
		if got := v.guest(t, "systemctl show -p Result --value systemd-modules-load; grep -x snd /etc/modules-load.d/madoguchi.conf"); got != "success\nsnd" {
			t.Errorf("modules-load: %q, want success and snd in /etc/modules-load.d/madoguchi.conf", got)
		}
		if got := v.guest(t, "findmnt -no FSTYPE --target /var/cache/madoguchi"); got != "tmpfs" {
			t.Errorf("the voice cache is on %q, want tmpfs (the root is read-only)", got)
		}
		// Japanese from Open JTalk, not espeak-ng's: the guide's voice is the kiosk's language.
		if got := v.guest(t, "ls /usr/share/hts-voice/nitech-jp-atr503-m001/*.htsvoice | head -1"); got == "" {
			t.Error("the Open JTalk voice is not installed in the image")
		}
	})

	t.Run("keyboard at the counter", func(t *testing.T) {
		// Someone plugs in a USB keyboard: Ctrl-Alt-F2 switches the kernel's virtual
		// terminal but starts no (hidden) login prompt, Ctrl-Alt-Del and Alt-SysRq-B do not
		// reboot, and the kiosk keeps its display.
		pid := v.guest(t, "pidof kiosk")
		boot := v.guest(t, "cat /proc/sys/kernel/random/boot_id")
		for _, keys := range [][]string{{"ctrl", "alt", "f2"}, {"ctrl", "alt", "delete"}, {"alt", "sysrq", "b"}} {
			var ks []map[string]string
			for _, k := range keys {
				ks = append(ks, map[string]string{"type": "qcode", "data": k})
			}
			if _, err := v.qmp.do("send-key", map[string]any{"keys": ks}); err != nil {
				t.Fatalf("send-key %v: %v", keys, err)
			}
			time.Sleep(5 * time.Second)
			if err := v.shellReady(time.Minute); err != nil {
				t.Fatalf("after %v: %v", keys, err)
			}
			if got := v.guest(t, "cat /proc/sys/kernel/random/boot_id"); got != boot {
				t.Fatalf("%v rebooted the kiosk", keys)
			}
			if got := v.guest(t, "systemctl list-units --no-legend --plain 'getty@*' 'autovt@*' | cat; pgrep -a agetty || true"); got != "" {
				t.Errorf("after %v a login prompt runs:\n%s", keys, got)
			}
			if got := v.guest(t, "pidof kiosk"); got != pid {
				t.Errorf("after %v the kiosk is %q, was %s", keys, got, pid)
			}
		}
		v.waitGolden(t, time.Minute, "idle-no-reader.png", idleMiddle, func() bool { return true })
	})

	t.Run("nepali", func(t *testing.T) {
		// Devanagari on foot's real screen: every cluster where the layout put it (the
		// kiosk resets foot's mode 2027, screens.TerminalSetup), then back to Japanese.
		g := v.termGrid(t)
		v.pickLanguage(t, g, kiosk.LangNE)
		v.waitGolden(t, time.Minute, "idle-no-reader-ne.png", idleTop, func() bool { return true })
		v.pickLanguage(t, g, kiosk.LangJA)
		v.waitGolden(t, time.Minute, "idle-no-reader.png", idleMiddle, func() bool { return true })
	})

	t.Run("frozen kiosk", func(t *testing.T) {
		pid0 := v.guest(t, "pidof kiosk")
		n0 := v.guest(t, "systemctl show -p NRestarts --value madoguchi-kiosk")
		stopped := guestTime(t, v.guest(t, "kill -STOP "+pid0+"; date +%s.%N"))
		start := time.Now()
		var pid string
		for deadline := time.Now().Add(unitWatchdog + unitRestart + 2*time.Minute); ; time.Sleep(time.Second) {
			if time.Now().After(deadline) {
				t.Fatalf("the frozen kiosk (pid %s) was not restarted:\n%s", pid0, v.guest(t, "systemctl status madoguchi-kiosk --no-pager | cat"))
			}
			out, err := v.serial.run("pidof kiosk", 10*time.Second)
			if pid = strings.TrimSpace(out); err == nil && pid != "" && pid != pid0 && v.unitActive("madoguchi-kiosk") {
				break
			}
		}
		restarted := time.Since(start)
		v.waitKioskIdle(t, 2*time.Minute)
		idle := time.Since(start)
		timeout := v.journalTime(t, "madoguchi-kiosk", stopped, "Watchdog timeout")
		if timeout == 0 {
			t.Fatalf("no watchdog timeout in the journal:\n%s", v.guest(t, "journalctl -u madoguchi-kiosk -b --no-pager -o cat | tail -20"))
		}
		wd := time.Duration((timeout - stopped) * float64(time.Second))
		figure(t, "frozen kiosk: watchdog fired %.1f s after SIGSTOP (WatchdogSec %s), new kiosk running %.0f s and its idle screen %.0f s after SIGSTOP",
			wd.Seconds(), unitWatchdog, restarted.Seconds(), idle.Seconds())
		if wd <= 0 || wd > unitWatchdog+time.Second {
			t.Errorf("watchdog fired %s after the freeze, want within WatchdogSec %s", wd, unitWatchdog)
		}
		if n := v.guest(t, "systemctl show -p NRestarts --value madoguchi-kiosk"); n == n0 {
			t.Errorf("NRestarts still %s after the watchdog", n)
		}
		if got := v.guest(t, "ps -o stat= -p "+pid0+" || echo gone"); got != "gone" {
			t.Errorf("the frozen kiosk %s is still there (%s)", pid0, got)
		}
		if got := v.guest(t, "systemctl is-active madoguchi-diag || true"); got == "active" {
			t.Error("the out-of-service screen came up for one watchdog restart")
		}
	})
}

// TestImageNoDisplay boots the image without a GPU: cage cannot start, so the kiosk fails
// at start-up. systemd's start limit ends the retries, the journal says why, the
// out-of-service unit does not loop either, and `kiosk diag` names the missing display.
func TestImageNoDisplay(t *testing.T) {
	t.Parallel()
	imgDir := imageDir(t)
	c := guestCenterTLS(t)
	disk := newDisk(t, imgDir, goodProvisioning(t, c))
	v := boot(t, imgDir, disk, vmOptions{centerAddr: strings.TrimPrefix(c.URL(), "https://"), noGPU: true})
	if err := v.shellReady(bootTimeout()); err != nil {
		t.Fatal(err)
	}
	state := func(unit string) (active, restarts string) {
		f := strings.Fields(v.guest(t, "systemctl show -p ActiveState -p NRestarts --value "+unit+" | tr '\\n' ' '"))
		for len(f) < 2 {
			f = append(f, "")
		}
		// systemctl show prints the properties in its own order: NRestarts is the number.
		if _, err := strconv.Atoi(f[0]); err == nil {
			f[0], f[1] = f[1], f[0]
		}
		return f[0], f[1]
	}
	deadline := time.Now().Add(8 * time.Minute)
	for {
		if a, _ := state("madoguchi-kiosk"); a == "failed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kiosk without a display never gave up:\n%s", v.guest(t, "systemctl status madoguchi-kiosk --no-pager | cat"))
		}
		time.Sleep(3 * time.Second)
	}
	figure(t, "power-on to the kiosk's start limit without a display %.0f s", time.Since(v.start).Seconds())
	_, n := state("madoguchi-kiosk")
	if r, _ := strconv.Atoi(n); r < 1 || r > 10 {
		t.Errorf("the kiosk was restarted %s times, want between 1 and StartLimitBurst (10)", n)
	}
	journal := v.guest(t, "journalctl -u madoguchi-kiosk -b --no-pager -o cat")
	for _, want := range []string{"Start request repeated too quickly", "Failed to start madoguchi-kiosk.service"} {
		if !strings.Contains(journal, want) {
			t.Errorf("the kiosk's journal lacks %q", want)
		}
	}
	t.Logf("why (cage's last lines):\n%s", v.guest(t, "journalctl -u madoguchi-kiosk -b --no-pager -o cat | grep -iE 'gpu|drm|backend|session' | tail -4; true"))
	// Nothing restarts any more: the same counts a while later.
	time.Sleep(15 * time.Second)
	if a, n2 := state("madoguchi-kiosk"); a != "failed" || n2 != n {
		t.Errorf("the kiosk went on after its start limit: %s, %s restarts (was %s)", a, n2, n)
	}
	if _, dn := state("madoguchi-diag"); dn != "" {
		if r, _ := strconv.Atoi(dn); r > 3 {
			t.Errorf("the out-of-service screen restarted %d times without a display", r)
		}
	}
	out, _ := v.serial.run("runuser -u madoguchi -- /usr/local/bin/kiosk diag -config /etc/madoguchi/kiosk.toml", 90*time.Second)
	if !strings.Contains(out, "display [warn]") || !strings.Contains(out, "no display device") {
		t.Errorf("kiosk diag does not name the missing display:\n%s", out)
	}
}

// TestApplianceIdleWrites measures the bytes written to the root device while the kiosk
// idles for IMAGE_IDLE (default 10m): `make image-idle-writes`, not part of `make test`
// (TestImage checks 30 s in CI).
func TestApplianceIdleWrites(t *testing.T) {
	idle := 10 * time.Minute
	if d, err := time.ParseDuration(os.Getenv("IMAGE_IDLE")); err == nil {
		idle = d
	}
	imgDir := imageDir(t)
	c := guestCenterTLS(t)
	disk := newDisk(t, imgDir, goodProvisioning(t, c))
	v := boot(t, imgDir, disk, vmOptions{centerAddr: strings.TrimPrefix(c.URL(), "https://"), card: filepath.Join(t.TempDir(), "vscard.sock")})
	v.waitKioskIdle(t, bootTimeout())
	written := func() (root, state int64) {
		for i, dev := range []string{"vda2", "vda3"} {
			f := strings.Fields(v.guest(t, "cat /sys/block/vda/"+dev+"/stat"))
			n, _ := strconv.ParseInt(f[6], 10, 64) // sectors written
			if i == 0 {
				root = n * 512
			} else {
				state = n * 512
			}
		}
		return
	}
	r0, s0 := written()
	time.Sleep(idle)
	r1, s1 := written()
	figure(t, "bytes written in %s idle: root device %d, state file system %d", idle, r1-r0, s1-s0)
	if r1 != r0 {
		t.Errorf("the root device was written while idle: %d bytes", r1-r0)
	}
}

// audibleSeconds is how long the WAV file QEMU's sound card writes (16-bit stereo at
// 48 kHz, the usb-audio device's format) holds sound above a whisper. QEMU writes the
// header's sizes only when it exits, so the samples are read past the 44-byte header.
func audibleSeconds(t *testing.T, path string) float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) <= 44 {
		return 0
	}
	const rate, channels, whisper = 48000, 2, 300 // whisper: about -40 dBFS
	loud := 0
	for i := 44; i+1 < len(b); i += 2 {
		if s := int16(binary.LittleEndian.Uint16(b[i:])); s > whisper || s < -whisper {
			loud++
		}
	}
	return float64(loud) / (rate * channels)
}
