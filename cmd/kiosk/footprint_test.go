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

// BenchmarkFootprint builds the kiosk binary, runs `kiosk demo` in a real terminal and
// reports what a Raspberry Pi cares about: binary size, start-up time to the idle screen,
// RSS when idle and at the peak of a whole issuance, CPU and bytes written while idle
// (both must be ~0: no polling loops, no idle writes). Targets: binary < 25 MB, idle RSS
// < 30 MB, session RSS < 40 MB, start-up < 300 ms. `make footprint` runs it.
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
	var startup, idleRSS, peakRSS, idleTicks, idleWrites float64
	for i := 0; i < b.N; i++ {
		demoDir := filepath.Join(dir, fmt.Sprintf("demo%d", i))
		s := &tmuxSession{socket: fmt.Sprintf("madoguchi-footprint-%d-%d", os.Getpid(), i)}
		start := time.Now()
		if out, err := exec.Command("tmux", "-L", s.socket, "new-session", "-d", "-x", "100", "-y", "30", bin, "demo", "-dir", demoDir).CombinedOutput(); err != nil {
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
		wait := func(text string) {
			for deadline := time.Now().Add(20 * time.Second); !strings.Contains(s.screen(), text); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					kill()
					b.Fatalf("never showed %q:\n%s", text, s.screen())
				}
			}
		}
		send("Enter", "1")
		wait("部数")
		send("Enter")
		wait("マイナンバーカードを置いてください")
		send("F2")
		wait("入力できる残り回数")
		send("1", "2", "3", "4", "Enter")
		wait("手数料")
		send("Enter")
		wait("カードと証明書をお取りください")
		hwm, _ := procStatusKB(pid, "VmHWM")
		peakRSS += float64(hwm) / 1024
		send("F2", "F10")
		kill()
	}
	n := float64(b.N)
	b.ReportMetric(float64(fi.Size())/(1<<20), "binary-MB")
	b.ReportMetric(startup/n, "startup-ms")
	b.ReportMetric(idleRSS/n, "idle-RSS-MB")
	b.ReportMetric(peakRSS/n, "session-peak-RSS-MB")
	b.ReportMetric(idleTicks/n, "idle-CPU-ticks/3s")
	b.ReportMetric(idleWrites/n, "idle-write-bytes/3s")
}
