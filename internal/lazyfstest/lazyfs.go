package lazyfstest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options tunes a mount; the zero value is what the power-cut tests use.
type Options struct {
	// CacheSize bounds LazyFS's cache (its custom_size, e.g. "64mb"); "" means
	// DefaultCacheSize. Everything a test writes between two fsyncs must fit.
	CacheSize string
	// LogOperations makes LazyFS log every file operation (see Operations): slow, for
	// measuring, not for the loops.
	LogOperations bool
}

// DefaultCacheSize is the cache of a mount whose Options leave it empty.
const DefaultCacheSize = "64mb"

// Timeouts of the harness's own waits.
const (
	mountTimeout = 15 * time.Second
	ackTimeout   = 10 * time.Second
	exitTimeout  = 10 * time.Second
	// A clear-cache takes milliseconds, but LazyFS's fault worker is one thread among
	// the loaded machine's others (load 7-15 on two cores seen): the wait tolerates
	// seconds of scheduling delay and still ends a wedged LazyFS (PowerCut then kills
	// it, which is a power cut too).
	clearTimeout = 10 * time.Second
	// stopTimeout bounds PowerCut's wait until every thread of the process is stopped.
	stopTimeout = 10 * time.Second
)

// maxCommand is LazyFS's read size on its fault FIFO, newline included.
const maxCommand = 100

// FS is one LazyFS mount. Dir is where the code under test reads and writes; Root is
// the backing folder, what the "disk" holds (read it only while nothing is mounted, or
// for files known to be synced).
type FS struct {
	Dir  string
	Root string

	t                   testing.TB
	opts                Options
	bin                 string
	cfg, fifo, done     string
	logPath, outPath    string
	mu                  sync.Mutex // serialises fault commands
	cmd                 *exec.Cmd
	stateMu             sync.Mutex // guards exited: read by other goroutines, replaced by Remount
	exited              chan struct{}
	faults, doneR       *os.File
	logOff              int64 // log bytes already looked at for acknowledgements
	crashes, cuts, mnts int
	base                string
	shm                 []string // names bound outside LazyFS (BindOutside)
}

// Mount builds LazyFS if needed and mounts a fresh one for the test; it is unmounted
// when the test ends. It skips the test when the machine cannot run FUSE file systems
// and fails it when the build fails.
func Mount(t testing.TB, opts Options) *FS {
	t.Helper()
	if why := unsupported(); why != "" {
		t.Skipf("lazyfstest: %s", why)
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	if opts.CacheSize == "" {
		opts.CacheSize = DefaultCacheSize
	}
	// A short base: LazyFS reads fault commands in chunks of 100 bytes, and torn-write
	// commands carry a backing path.
	base, err := os.MkdirTemp("", "lzfs")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	f := &FS{
		Dir: filepath.Join(base, "m"), Root: filepath.Join(base, "r"),
		t: t, opts: opts, bin: bin,
		cfg: filepath.Join(base, "lazyfs.toml"), fifo: filepath.Join(base, "faults.fifo"), done: filepath.Join(base, "done.fifo"),
		logPath: filepath.Join(base, "lazyfs.log"), outPath: filepath.Join(base, "lazyfs.out"), base: base,
	}
	for _, d := range []string{f.Dir, f.Root} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`[faults]
fifo_path=%q
fifo_path_completed=%q
[cache]
apply_eviction=false
[cache.simple]
custom_size=%q
blocks_per_page=1
[filesystem]
log_all_operations=%t
logfile=%q
`, f.fifo, f.done, opts.CacheSize, opts.LogOperations, f.logPath)
	if err := os.WriteFile(f.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Unmount(); err != nil {
			t.Errorf("lazyfstest: %v", err)
		}
		f.closeFIFOs()
	})
	if err := f.start(); err != nil {
		t.Fatal(err)
	}
	return f
}

// unsupported says what this machine lacks for FUSE mounts, or "".
func unsupported() string {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return "no /dev/fuse on this machine (FUSE kernel module not loaded or the device not passed into the container); LazyFS cannot mount"
	}
	if os.Geteuid() != 0 {
		return "not root: LazyFS's allow_other mount needs root here"
	}
	return ""
}

// newFIFOs makes both FIFOs afresh for a LazyFS about to start. The harness holds them
// open read-write (so neither side's open blocks), which also means a pipe outlives the
// LazyFS that read it: a command written just as a LazyFS crashed (its exit not yet
// seen) would wait in the old pipe and be read by the next LazyFS together with the
// next command (one read, "command unknown"), and its answer would be taken for the
// next clear-cache's. Then ClearCache returns before the cache is cleared and the late
// clear hits the restarted process (seen: unsynced WAL frames of a running center
// dropped, short reads, answered commits lost). Fresh pipes per LazyFS rule that out.
func (f *FS) newFIFOs() error {
	f.closeFIFOs()
	for _, p := range []string{f.fifo, f.done} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("lazyfstest: fifo: %w", err)
		}
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			return fmt.Errorf("lazyfstest: mkfifo %s: %w", p, err)
		}
	}
	var err error
	if f.faults, err = os.OpenFile(f.fifo, os.O_RDWR, 0); err != nil {
		return fmt.Errorf("lazyfstest: fifo: %w", err)
	}
	if f.doneR, err = os.OpenFile(f.done, os.O_RDWR, 0); err != nil {
		return fmt.Errorf("lazyfstest: fifo: %w", err)
	}
	return nil
}

func (f *FS) closeFIFOs() {
	for _, h := range []*os.File{f.faults, f.doneR} {
		if h != nil {
			h.Close()
		}
	}
	f.faults, f.doneR = nil, nil
}

func (f *FS) start() error {
	if err := f.newFIFOs(); err != nil {
		return err
	}
	out, err := os.OpenFile(f.outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(f.bin, f.Dir, "--config-path", f.cfg, "-o", "allow_other", "-o", "modules=subdir", "-o", "subdir="+f.Root, "-f")
	cmd.Stdout, cmd.Stderr = out, out
	// LazyFS ends with the test process (its SIGTERM handler unmounts). The parent-death
	// signal is bound to the OS thread that starts the child, so one locked thread that
	// never ends starts every LazyFS.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := startOnSpawner(cmd); err != nil {
		return fmt.Errorf("lazyfstest: start lazyfs: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	f.stateMu.Lock()
	f.cmd, f.exited = cmd, exited
	f.stateMu.Unlock()
	f.logOff = 0 // lazyfs starts its log afresh
	f.mnts++
	deadline := time.Now().Add(mountTimeout)
	for !mounted(f.Dir) {
		select {
		case <-exited:
			return fmt.Errorf("lazyfstest: lazyfs exited before mounting: %s\n%s", cmd.ProcessState, f.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lazyfstest: %s not mounted after %v\n%s", f.Dir, mountTimeout, f.logTail())
		}
	}
	// The fault worker starts after the mount; a clear-cache of the empty cache is the
	// handshake that it reads commands. Its start can take seconds on a loaded machine
	// (seen under the race run), so the handshake waits longer than a power cut's.
	if err := f.clearCache(mountTimeout); err != nil {
		return err
	}
	for _, name := range f.shm {
		if err := f.bind(name); err != nil {
			return err
		}
	}
	return nil
}

// BindOutside keeps the file name (relative to Dir) off LazyFS: a file of the ordinary
// file system is bind-mounted there, now and after every Remount, and emptied at every
// power cut. It is for SQLite's -shm file, which SQLite memory-maps: FUSE does not serve
// shared mappings coherently (a reader gets SIGBUS once LazyFS dropped the file's size),
// and nothing in it must survive a power cut — SQLite rebuilds it from the WAL when the
// first connection opens the database.
func (f *FS) BindOutside(name string) error {
	f.shm = append(f.shm, name)
	return f.bind(name)
}

func (f *FS) bind(name string) error {
	backing := filepath.Join(f.base, "outside-"+filepath.Base(name))
	target := filepath.Join(f.Dir, name)
	for _, p := range []string{backing, target} {
		h, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("lazyfstest: bind %s: %w", name, err)
		}
		h.Close()
	}
	if out, err := exec.Command("mount", "--bind", backing, target).CombinedOutput(); err != nil {
		return fmt.Errorf("lazyfstest: bind %s: %v %s", name, err, out)
	}
	return nil
}

// emptyOutside empties the files bound outside LazyFS: their contents do not survive a
// power cut either.
func (f *FS) emptyOutside() {
	for _, name := range f.shm {
		os.Truncate(filepath.Join(f.base, "outside-"+filepath.Base(name)), 0)
	}
}

var (
	spawnOnce sync.Once
	spawnReq  chan spawn
)

type spawn struct {
	cmd  *exec.Cmd
	done chan error
}

func startOnSpawner(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReq = make(chan spawn)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for r := range spawnReq {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawnReq <- spawn{cmd, done}
	return <-done
}

// mountedAt reports whether anything is mounted at path.
func mountedAt(path string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if fields := strings.Fields(line); len(fields) >= 5 && fields[4] == path {
			return true
		}
	}
	return false
}

// mounted reports whether dir is a FUSE mount point in this mount namespace.
func mounted(dir string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 || fields[4] != dir {
			continue
		}
		for i, fl := range fields {
			if fl == "-" && i+1 < len(fields) && strings.HasPrefix(fields[i+1], "fuse") {
				return true
			}
		}
	}
	return false
}

// Running reports whether the LazyFS process is alive (a crash fault ends it).
func (f *FS) Running() bool {
	select {
	case <-f.Exited():
		return false
	default:
		return true
	}
}

// WaitCrash waits up to d for LazyFS to kill itself (after a CrashAt, TornOp or TornSeq
// fault fired) and reports whether it did.
func (f *FS) WaitCrash(d time.Duration) bool {
	select {
	case <-f.Exited():
		return true
	case <-time.After(d):
		return false
	}
}

// Exited is closed when the LazyFS process ends.
func (f *FS) Exited() <-chan struct{} {
	f.stateMu.Lock()
	defer f.stateMu.Unlock()
	return f.exited
}

// Figures counts what happened to this mount: mounts (1 + remounts), power cuts and
// LazyFS crashes seen by Remount.
func (f *FS) Figures() (mounts, cuts, crashes int) { return f.mnts, f.cuts, f.crashes }

// command writes one fault command and waits until LazyFS acknowledged it in its log
// (ack "" waits for nothing).
func (f *FS) command(cmd, ack string) error {
	if !f.Running() {
		return fmt.Errorf("lazyfstest: %s: lazyfs is not running", cmd)
	}
	if len(cmd) >= maxCommand {
		return fmt.Errorf("lazyfstest: %s: longer than lazyfs reads (%d bytes)", cmd, maxCommand-1)
	}
	if _, err := f.faults.WriteString(cmd + "\n"); err != nil {
		return fmt.Errorf("lazyfstest: %s: %w", cmd, err)
	}
	if ack == "" {
		return nil
	}
	deadline := time.Now().Add(ackTimeout)
	for {
		b, _ := os.ReadFile(f.logPath)
		if int64(len(b)) > f.logOff {
			s := string(b[f.logOff:])
			if strings.Contains(s, "INVALID") {
				f.logOff = int64(len(b))
				return fmt.Errorf("lazyfstest: %s refused by lazyfs:\n%s", cmd, tail(s, 2000))
			}
			if i := strings.Index(s, ack); i >= 0 {
				f.logOff += int64(i + len(ack))
				return nil
			}
		}
		if !f.Running() {
			return fmt.Errorf("lazyfstest: %s: lazyfs exited\n%s", cmd, f.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("lazyfstest: %s: no acknowledgement in %v\n%s", cmd, ackTimeout, f.logTail())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ClearCache drops every write not yet fsynced, as a power cut does, and returns once
// LazyFS has done it.
func (f *FS) ClearCache() error { return f.clearCache(clearTimeout) }

func (f *FS) clearCache(timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.command("lazyfs::clear-cache", ""); err != nil {
		return err
	}
	want := "finished::clear-cache\n"
	got := make([]byte, 0, len(want))
	buf := make([]byte, len(want))
	deadline := time.Now().Add(timeout)
	for len(got) < len(want) {
		// Short reads, so that a LazyFS that died meanwhile ends the wait at once.
		wake := time.Now().Add(100 * time.Millisecond)
		if wake.After(deadline) {
			wake = deadline
		}
		f.doneR.SetReadDeadline(wake)
		n, err := f.doneR.Read(buf[:len(want)-len(got)])
		got = append(got, buf[:n]...)
		switch {
		case err == nil:
		case !errors.Is(err, os.ErrDeadlineExceeded):
			return fmt.Errorf("lazyfstest: clear-cache: waiting for lazyfs: %w", err)
		case !f.Running():
			return fmt.Errorf("lazyfstest: clear-cache: lazyfs exited\n%s", f.logTail())
		case time.Now().After(deadline):
			return fmt.Errorf("lazyfstest: clear-cache: no answer in %v: %w\n%s", timeout, err, f.logTail())
		}
	}
	if string(got) != want {
		return fmt.Errorf("lazyfstest: clear-cache: lazyfs answered %q", got)
	}
	return nil
}

// PowerCut cuts the power under a process: it is stopped (so it writes nothing more),
// every write it did not fsync is dropped, and it is killed. The caller still waits for
// the process. A process that has already exited is fine: only the cache is cleared.
func (f *FS) PowerCut(p *os.Process) error {
	stopped := p.Signal(syscall.SIGSTOP) == nil
	if stopped && !waitStopped(p.Pid, stopTimeout) {
		// A thread still inside LazyFS after that long: LazyFS is wedged. Ending it is
		// the power cut.
		f.kill()
	}
	if err := f.ClearCache(); err != nil {
		// Ending LazyFS drops its whole cache too: still a power cut (Remount follows).
		f.kill()
	}
	f.emptyOutside() // before the kill: the stopped process touches its mappings no more
	p.Signal(syscall.SIGKILL)
	f.cuts++
	return nil
}

// kill ends LazyFS at once: everything not fsynced is lost, as in a power cut.
func (f *FS) kill() {
	if f.Running() {
		f.cmd.Process.Kill()
		<-f.Exited()
	}
}

// waitStopped waits up to d until the kernel reports every thread of the process
// stopped, so that no write of its is still on its way into LazyFS when the cache is
// cleared, and reports whether they all stopped (or the process is gone). A thread
// inside a FUSE request stops only when LazyFS has answered it; the thread-group
// leader alone says nothing about the threads running SQLite (a Go process has many).
func waitStopped(pid int, d time.Duration) bool {
	task := "/proc/" + strconv.Itoa(pid) + "/task"
	for deadline := time.Now().Add(d); ; {
		ents, err := os.ReadDir(task)
		if err != nil {
			return true // gone
		}
		all := true
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(task, e.Name(), "stat"))
			if err != nil {
				continue // that thread ended
			}
			// state is the field after the parenthesised command name
			if j := bytes.LastIndexByte(b, ')'); j >= 0 && j+2 < len(b) {
				switch b[j+2] {
				case 'T', 't', 'Z', 'X':
					continue
				}
			}
			all = false
			break
		}
		if all {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// Timing says whether a crash fault fires before or after its operation.
type Timing string

const (
	Before Timing = "before"
	After  Timing = "after"
)

// CrashAt makes LazyFS kill itself (losing its cache) at the next operation op (fsync,
// write, rename, link, create, unlink, truncate, …) on a path matching the regular
// expression; for rename and link it matches the source path (LazyFS matches a
// destination-only fault against "none", so it never fires).
func (f *FS) CrashAt(when Timing, op, pathRegex string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.command(fmt.Sprintf("lazyfs::crash::timing=%s::op=%s::from_rgx=%s", when, op, pathRegex), "VALID crash fault")
}

// TornOp makes the next write to the file name (relative to Dir) be split into parts
// equal pieces of which only the 1-based pieces in persist reach the disk; LazyFS then
// crashes.
func (f *FS) TornOp(name string, parts int, persist ...int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cmd := fmt.Sprintf("lazyfs::torn-op::file=%s::persist=%s::parts=%d", filepath.Join(f.Root, name), joinInts(persist), parts)
	return f.command(cmd, "configured successfully")
}

// TornSeq makes the next sequence of op calls (write) to the file name (relative to Dir)
// between two fsyncs persist only the 1-based calls in persist; LazyFS crashes after the
// last of them.
func (f *FS) TornSeq(name, op string, persist ...int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	cmd := fmt.Sprintf("lazyfs::torn-seq::op=%s::file=%s::persist=%s", op, filepath.Join(f.Root, name), joinInts(persist))
	return f.command(cmd, "configured successfully")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Remount ends this LazyFS (if it still runs it is killed, and its unsynced data with
// it: a power cut) and mounts a new one over the same backing folder. Every process using Dir
// must have ended.
func (f *FS) Remount() error {
	if f.Running() {
		f.kill() // LazyFS's cache, all that was not fsynced, goes with it
		f.cuts++
	} else {
		f.crashes++
	}
	f.emptyOutside()
	if err := f.Unmount(); err != nil {
		return err
	}
	return f.start()
}

// Unmount unmounts Dir and ends LazyFS; a busy or dead mount is detached lazily.
// Nothing is synced: what is not on the backing folder is lost.
func (f *FS) Unmount() error {
	if f.cmd == nil {
		return nil
	}
	var errs []error
	// On a dead LazyFS the bound files cannot be reached; the lazy unmount below takes
	// them with it.
	for _, name := range f.shm {
		target := filepath.Join(f.Dir, name)
		for f.Running() && mountedAt(target) {
			if out, err := exec.Command("umount", "-l", target).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("unmount %s: %v %s", target, err, out))
				break
			}
		}
	}
	if mounted(f.Dir) {
		if out, err := exec.Command("fusermount3", "-u", f.Dir).CombinedOutput(); err != nil {
			if out2, err2 := exec.Command("fusermount3", "-u", "-z", f.Dir).CombinedOutput(); err2 != nil {
				if out3, err3 := exec.Command("umount", "-l", f.Dir).CombinedOutput(); err3 != nil {
					errs = append(errs, fmt.Errorf("unmount %s: %v %s; %v %s; %v %s", f.Dir, err, out, err2, out2, err3, out3))
				}
			}
		}
	}
	if f.Running() {
		f.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-f.exited:
		case <-time.After(exitTimeout):
			f.cmd.Process.Kill()
			<-f.exited
		}
	}
	f.cmd = nil
	return errors.Join(errs...)
}

// Operations returns the file operations LazyFS logged since the mount (Options
// LogOperations), one line each as LazyFS writes them: "write(path=…,size=…,off=…)",
// "fsync(path=…,isdatasync=…)".
func (f *FS) Operations() ([]string, error) {
	b, err := os.ReadFile(f.logPath)
	if err != nil {
		return nil, err
	}
	var ops []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if _, op, ok := strings.Cut(sc.Text(), "[lazyfs.ops]: lfs_"); ok {
			ops = append(ops, op)
		}
	}
	return ops, sc.Err()
}

// LogTail is the end of LazyFS's log and output, for a failing test's message.
func (f *FS) LogTail() string { return f.logTail() }

func (f *FS) logTail() string {
	b, _ := os.ReadFile(f.logPath)
	o, _ := os.ReadFile(f.outPath)
	return "lazyfs log: " + tail(string(b), 1500) + "\nlazyfs output: " + tail(string(o), 1000)
}
