package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for administration
)

// Dirs where Debian's postgresql-NN package puts its server binaries. A pg_ctl elsewhere
// on PATH (e.g. /usr/local/bin) is never used.
const debianRoot = "/usr/lib/postgresql"

// Bin returns the folder of Debian's newest PostgreSQL server binaries, or an error that
// names the package to install.
func Bin() (string, error) {
	dirs, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin"))
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pgtest: no PostgreSQL server under " + debianRoot + " (Debian package postgresql; make deps installs it)")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Server is one PostgreSQL cluster of a test: its own folder, socket and process.
type Server struct {
	Dir    string // the temporary folder: data/ and the socket
	Bin    string
	Port   int // the socket's number (.s.PGSQL.<Port>); TCP only when started with TCP
	User   string
	cred   *syscall.Credential
	cmd    *exec.Cmd
	exited chan struct{}
	dbs    atomic.Int64

	mu       sync.Mutex
	stopped  bool
	schemaDB bool // the database of NewSchema exists
}

// Options of Start.
type Options struct {
	// Settings are extra "-c name=value" settings of the server.
	Settings map[string]string
	// Port: the socket's (and with TCP the listening) port; default 5432 (no TCP: the
	// socket is in the server's own folder, so parallel servers never collide).
	Port int
	// TCP listens on 127.0.0.1:Port too.
	TCP bool
	// StandbyOf, when set, makes this server a streaming-replication standby of that
	// one: pg_basebackup over its socket (with -R: standby.signal and primary_conninfo)
	// instead of initdb.
	StandbyOf *Server
}

// Start initialises a cluster in a fresh temporary folder and starts it, listening on a
// unix socket in that folder only. As root, initdb and postgres run as the unprivileged
// user postgres (created by Debian's package), which owns the folder. Stop removes it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{Dir: dir, Bin: bin, Port: opts.Port, exited: make(chan struct{})}
	if s.Port == 0 {
		s.Port = 5432
	}
	fail := func(err error) (*Server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	s.User = "postgres"
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("pgtest: running as root needs the user postgres (Debian package postgresql): %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(fmt.Errorf("pgtest: %w", err))
		}
	} else if u, err := user.Current(); err == nil {
		s.User = u.Username
	}
	data := filepath.Join(dir, "data")
	if p := opts.StandbyOf; p != nil {
		if err := s.run(ctx, filepath.Join(bin, "pg_basebackup"), "-D", data, "-h", p.Dir, "-p", strconv.Itoa(p.Port), "-U", p.User,
			"-R", "-X", "stream", "--checkpoint=fast", "--no-sync"); err != nil {
			return fail(err)
		}
	} else if err := s.run(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", s.User, "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return fail(err)
	}
	args := []string{"-D", data, "-k", dir, "-p", strconv.Itoa(s.Port), "-c", "listen_addresses=" + map[bool]string{true: "127.0.0.1", false: ""}[opts.TCP],
		"-c", "fsync=on", "-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "logging_collector=off"}
	keys := make([]string, 0, len(opts.Settings))
	for k := range opts.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+opts.Settings[k])
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return fail(fmt.Errorf("pgtest: %w", err))
	}
	defer logf.Close()
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("pgtest: start postgres: %w", err))
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.wait(ctx); err != nil {
		s.Kill()
		return fail(fmt.Errorf("%w\n%s", err, s.Log()))
	}
	return s, nil
}

// run runs an administration command as the server's user.
func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", filepath.Base(name), err, out)
	}
	return nil
}

// wait polls until the server accepts connections.
func (s *Server) wait(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		db, err := sql.Open("pgx", s.DSN("postgres"))
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("pgtest: postgres exited at start")
		case <-ctx.Done():
			return fmt.Errorf("pgtest: postgres not ready: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// DSN is the connection string of database db over the unix socket.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", s.Dir, s.Port, s.User, db)
}

// NewDatabase creates a fresh, empty database (UTF8, C collation) and returns its
// connection string: one per test, so that tests never see each other's rows.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return s.DSN(name), nil
}

// NewSchema creates a fresh, empty schema in the shared database "schemas" (created on
// first use) and returns a connection string whose search_path is that schema: much
// cheaper than a database per test, with the same isolation of tables. Advisory locks
// and database-level settings are shared; tests that change those take NewDatabase.
func (s *Server) NewSchema(ctx context.Context) (string, error) {
	s.mu.Lock()
	if !s.schemaDB {
		db, err := sql.Open("pgx", s.DSN("postgres"))
		if err != nil {
			s.mu.Unlock()
			return "", fmt.Errorf("pgtest: %w", err)
		}
		_, err = db.ExecContext(ctx, `CREATE DATABASE schemas TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`)
		db.Close()
		if err != nil {
			s.mu.Unlock()
			return "", fmt.Errorf("pgtest: create database: %w", err)
		}
		s.schemaDB = true
	}
	s.mu.Unlock()
	name := fmt.Sprintf("s%d", s.dbs.Add(1))
	db, err := sql.Open("pgx", s.DSN("schemas"))
	if err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		return "", fmt.Errorf("pgtest: create schema: %w", err)
	}
	return s.DSN("schemas") + " search_path=" + name, nil
}

// Promote ends a standby's recovery (pg_ctl promote, waiting until it accepts writes).
func (s *Server) Promote(ctx context.Context) error {
	_, err := s.Run(ctx, "pg_ctl", "promote", "-w", "-t", "60", "-D", filepath.Join(s.Dir, "data"))
	return err
}

// Log returns the server's log so far (for a failing test's message).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "postgres.log"))
	return strings.TrimSpace(string(b))
}

// Kill ends the server at once (SIGKILL to its process group: the postmaster and its
// backends), as a crash of the database machine would; the folder stays.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-s.exited
}

// Exited is closed when the server process has ended.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stop shuts the server down (fast shutdown; SIGKILL after 20 s) and removes its folder.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(20 * time.Second):
			s.Kill()
		}
	}
	return os.RemoveAll(s.Dir)
}

// Run runs a PostgreSQL client or administration program of Bin (psql, pg_basebackup,
// pg_ctl, ...) as the server's user and returns its combined output.
func (s *Server) Run(ctx context.Context, prog string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.Bin, prog), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pgtest: %s: %w\n%s", prog, err, out)
	}
	return string(out), nil
}
