package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procStatusKB reads a "Name:   123 kB" line of /proc/PID/status.
func procStatusKB(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			return strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", name, pid)
}

// procCPUTicks is user+system time of a process in clock ticks.
func procCPUTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s, nil
}

// procWriteBytes is what a process caused to be written to storage.
func procWriteBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "write_bytes:"); ok {
			return strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		}
	}
	return 0, fmt.Errorf("no write_bytes in /proc/%d/io", pid)
}

// BenchmarkFootprint builds the kiosk binary as shipped (stripped), runs it in a real
// terminal and reports what a Raspberry Pi cares about: binary size, start-up time to the
// idle screen, RSS when idle and at the peak of a whole issuance, CPU and bytes written
// while idle (both must be ~0: no polling loops, no idle writes). Targets: binary < 25 MB,
// idle RSS < 30 MB, session RSS < 40 MB, start-up < 300 ms. Two set-ups:
//   - run: the appliance, `kiosk run` with a configuration file, the card in a reader of a
//     private pcscd and the reference center on loopback (outside the kiosk's process);
//   - demo: `kiosk demo`, which also carries the center, its database and ten virtual
//     cards in the same process (idle is measured once the cards are made).
//
// `make footprint` runs it.
func BenchmarkFootprint(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "kiosk")
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("run", func(b *testing.B) {
		r := newRunRig(b)
		footprint(b, fi.Size(), []string{bin, "run", "-config", r.cfgPath}, nil, func(s *tmuxSession, send func(...string)) {
			footprintSession(b, s, send, runRigPIN, func() {
				if err := r.host.Insert(r.card); err != nil {
					b.Fatal(err)
				}
			})
			if err := r.host.Remove(); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("demo", func(b *testing.B) {
		demoDir := filepath.Join(dir, "demo")
		ready := func() bool {
			log, _ := os.ReadFile(filepath.Join(demoDir, "kiosk.log"))
			return strings.Contains(string(log), "demo cards ready")
		}
		footprint(b, fi.Size(), []string{bin, "demo", "-dir", demoDir}, ready, func(s *tmuxSession, send func(...string)) {
			footprintSession(b, s, send, "1234", func() { send("F2") })
			send("F2", "F10")
		})
	})
}

// footprint starts command in tmux b.N times and reports the figures. ready, if set, says
// when start-up work after the idle screen is over; session runs one issuance.
func footprint(b *testing.B, binSize int64, command []string, ready func() bool, session func(*tmuxSession, func(...string))) {
	var startup, idleRSS, peakRSS, idleTicks, idleWrites float64
	for i := 0; i < b.N; i++ {
		s := &tmuxSession{socket: fmt.Sprintf("madoguchi-footprint-%d-%d", os.Getpid(), i)}
		start := time.Now()
		args := append([]string{"-L", s.socket, "new-session", "-d", "-x", "100", "-y", "30"}, command...)
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			b.Fatalf("tmux: %v\n%s", err, out)
		}
		kill := func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() }
		for !strings.Contains(s.screen(), "画面にタッチしてください") {
			if time.Since(start) > 20*time.Second {
				kill()
				b.Fatalf("no idle screen:\n%s", s.screen())
			}
			time.Sleep(5 * time.Millisecond)
		}
		startup += float64(time.Since(start).Milliseconds())
		out, err := exec.Command("tmux", "-L", s.socket, "list-panes", "-F", "#{pane_pid}").Output()
		if err != nil {
			kill()
			b.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		for deadline := time.Now().Add(30 * time.Second); ready != nil && !ready(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				kill()
				b.Fatal("start-up work never finished")
			}
		}
		time.Sleep(500 * time.Millisecond) // let start-up work settle
		rss, _ := procStatusKB(pid, "VmRSS")
		t0, _ := procCPUTicks(pid)
		w0, _ := procWriteBytes(pid)
		time.Sleep(3 * time.Second)
		t1, _ := procCPUTicks(pid)
		w1, _ := procWriteBytes(pid)
		idleRSS += float64(rss) / 1024
		idleTicks += float64(t1 - t0)
		idleWrites += float64(w1 - w0)

		send := func(keys ...string) {
			for _, k := range keys {
				exec.Command("tmux", "-L", s.socket, "send-keys", k).Run()
				time.Sleep(50 * time.Millisecond)
			}
		}
		session(s, send)
		hwm, _ := procStatusKB(pid, "VmHWM")
		peakRSS += float64(hwm) / 1024
		kill()
	}
	n := float64(b.N)
	b.ReportMetric(float64(binSize)/(1<<20), "binary-MB")
	b.ReportMetric(startup/n, "startup-ms")
	b.ReportMetric(idleRSS/n, "idle-RSS-MB")
	b.ReportMetric(peakRSS/n, "session-peak-RSS-MB")
	b.ReportMetric(idleTicks/n, "idle-CPU-ticks/3s")
	b.ReportMetric(idleWrites/n, "idle-write-bytes/3s")
}

// footprintSession goes through one issuance of 住民票の写し with the card's pin; place
// puts the card down.
func footprintSession(b *testing.B, s *tmuxSession, send func(...string), pin string, place func()) {
	wait := func(text string) {
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(s.screen(), text); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("never showed %q:\n%s", text, s.screen())
			}
		}
	}
	send("Enter", "1")
	wait("部数")
	send("Enter")
	wait("マイナンバーカードまたはスマートフォンを置いてください")
	place()
	wait("入力できる残り回数")
	send(strings.Split(pin, "")...)
	send("Enter")
	wait("手数料")
	send("Enter")
	wait("カードと証明書をお取りください")
}
