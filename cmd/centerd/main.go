package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"madoguchi/center/centertest"
	"madoguchi/center/console"
	"madoguchi/center/server"
	"madoguchi/eapp"
	"madoguchi/internal/safetext"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  centerd init [-postgres DSN] [-kiosk ID]... DIR
  centerd serve [-postgres DSN] [-listen ADDR] [-console ADDR] [-always-open] [-retention DURATION] DIR
  centerd operator [-postgres DSN] DIR NAME      (the password on standard input)
  centerd revoke [-postgres DSN] [-reason TEXT] [-issuer ROOT] DIR SERIAL
  centerd reinstate [-postgres DSN] [-issuer ROOT] DIR SERIAL
  centerd import [-postgres DSN] DIR FILE.csv
  centerd gaps [-postgres DSN] DIR
  centerd applications [-postgres DSN] DIR
  centerd migrate -postgres DSN DIR
`

// dbFile is the database inside the state folder.
const dbFile = "center.db"

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("centerd "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var kiosks multiFlag
	var listen, reason, issuer, pg, consoleAddr string
	var retention time.Duration
	var alwaysOpen bool
	var want int
	switch args[0] {
	case "init":
		fs.Var(&kiosks, "kiosk", "kiosk id to issue a client certificate for (repeatable; default demo-0001)")
		want = 1
	case "serve":
		fs.StringVar(&listen, "listen", "127.0.0.1:8443", "address to serve HTTPS on")
		fs.StringVar(&consoleAddr, "console", "", "address to serve the operators' console on (HTTPS; empty: none)")
		fs.BoolVar(&alwaysOpen, "always-open", false, "ignore the municipality's service hours (demos)")
		fs.DurationVar(&retention, "retention", server.DefaultRetention, "how long signed documents are kept for a kiosk's retry; then their content is purged")
		want = 1
	case "revoke", "reinstate":
		if args[0] == "revoke" {
			fs.StringVar(&reason, "reason", "hotline", "reason recorded with the suspension")
		}
		fs.StringVar(&issuer, "issuer", "", "JPKI root that issued the card: its SHA-256 fingerprint (needed when the center trusts several)")
		want = 2
	case "import", "operator":
		want = 2
	case "gaps", "applications", "migrate":
		want = 1
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "centerd: unknown command %q\n%s", args[0], usage) // %q escapes
		return 2
	}
	fs.StringVar(&pg, "postgres", os.Getenv("MADOGUCHI_CENTER_POSTGRES"),
		"PostgreSQL connection string (default $MADOGUCHI_CENTER_POSTGRES; empty: SQLite in DIR); keep the password in a pgpass file")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if args[0] == "migrate" && pg == "" {
		fmt.Fprintf(stderr, "centerd migrate: -postgres is required (SQLite migrates at every start)\n%s", usage)
		return 2
	}
	if fs.NArg() != want {
		fmt.Fprintf(stderr, "centerd %s: want %d argument(s), got %d\n%s", args[0], want, fs.NArg(), usage)
		return 2
	}
	dir := fs.Arg(0)
	var err error
	switch args[0] {
	case "init":
		if len(kiosks) == 0 {
			kiosks = multiFlag{"demo-0001"}
		}
		err = initDir(ctx, dir, pg, kiosks, stdout)
	case "serve":
		err = serve(ctx, dir, pg, listen, consoleAddr, alwaysOpen, retention, stdout, stderr)
	case "operator":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error {
			pw, err := readPassword(stdin)
			if err != nil {
				return err
			}
			if err := s.AddOperator(ctx, fs.Arg(1), pw); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "operator %s can log in to the console\n", fs.Arg(1))
			return nil
		})
	case "migrate":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error {
			fmt.Fprintf(stdout, "schema of %s is current\n", s.Store())
			return nil
		})
	case "revoke", "reinstate":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error {
			n, err := server.ParseSerial(fs.Arg(1))
			if err != nil {
				return err
			}
			if args[0] == "revoke" {
				if err := s.Revoke(ctx, issuer, n, reason); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "suspended certificate serial %s\n", n.Text(16))
				return nil
			}
			if err := s.Reinstate(ctx, issuer, n); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "reinstated certificate serial %s\n", n.Text(16))
			return nil
		})
	case "import":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error {
			f, err := os.Open(fs.Arg(1))
			if err != nil {
				return err
			}
			defer f.Close()
			n, err := s.ImportCSV(ctx, f)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "imported %d residents\n", n)
			return nil
		})
	case "gaps":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error {
			ks, err := s.Kiosks(ctx)
			if err != nil {
				return err
			}
			for _, k := range ks {
				gaps, err := s.SequenceGaps(ctx, k)
				if err != nil {
					return err
				}
				for _, g := range gaps {
					fmt.Fprintf(stdout, "%s\t%d-%d\n", k, g.From, g.To)
				}
			}
			return nil
		})
	case "applications":
		err = withServer(ctx, dir, pg, false, func(s *server.Server) error { return listApplications(ctx, s, stdout) })
	}
	if err != nil {
		fmt.Fprintf(stderr, "centerd %s: %s\n", args[0], safetext.Error(err)) // may quote a file's or a card's bytes
		return 1
	}
	return 0
}

// municipalitiesFile holds the fees and hours; init writes the demo city's.
const municipalitiesFile = "municipalities.toml"

// demoMunicipalities is the demo city as TOML, written by init for pilots to edit.
const demoMunicipalities = `# Municipalities served by this center: fees (yen per copy) and service hours (JST).
# A certificate type without a fee is not offered. Residents name their municipality by code.
[[municipality]]
code = "139998"
name = "見本市"
mayor = "見本市長　見本　太郎"
min_age = 0
fees = { juminhyo = 200, kisai-jiko = 200, inkan = 200, koseki = 350, koseki-fuhyo = 200, kazei = 200 }
hours = { open = "06:30", close = "23:00", closed = ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"] }

[municipality.type_hours.koseki]
open = "09:00"
close = "17:00"
weekdays_only = true
closed = ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"]

[municipality.type_hours.koseki-fuhyo]
open = "09:00"
close = "17:00"
weekdays_only = true
closed = ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"]
`

// withServer opens the center of a state folder for an administration command.
func withServer(ctx context.Context, dir, pg string, alwaysOpen bool, f func(*server.Server) error) error {
	return withServerRetention(ctx, dir, pg, alwaysOpen, 0, f)
}

// withServerRetention is withServer with the retention of stored documents (0: default).
func withServerRetention(ctx context.Context, dir, pg string, alwaysOpen bool, retention time.Duration, f func(*server.Server) error) error {
	pki, err := centertest.LoadPKI(dir)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, municipalitiesFile))
	if err != nil {
		return err
	}
	munis, err := server.ParseMunicipalities(string(b))
	if err != nil {
		return fmt.Errorf("%s: %w", municipalitiesFile, err)
	}
	if alwaysOpen {
		for i := range munis {
			munis[i].Hours, munis[i].TypeHours = server.Hours{}, nil
		}
	}
	s, err := server.Open(ctx, server.Options{
		DBPath: filepath.Join(dir, dbFile), Postgres: pg, JPKIRoots: []*x509.Certificate{pki.AuthCA.Cert}, SignRoots: signRoots(pki), KioskCAs: pki.CAPool(),
		DocumentKey: pki.DocumentKey, Municipalities: munis, Retention: retention,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	defer s.Close()
	return f(s)
}

func signRoots(p *centertest.PKI) []*x509.Certificate {
	if p.SignCA == nil {
		return nil
	}
	return []*x509.Certificate{p.SignCA.Cert}
}

// listApplications prints the received electronic applications for the municipality's
// staff, one per line: received time, kiosk, number, municipality, form, signing time,
// the signing certificate's serial and what the resident entered. Every field is
// escaped (it came from a kiosk or a card).
func listApplications(ctx context.Context, s *server.Server, w io.Writer) error {
	apps, err := s.Applications(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		entries := ""
		if app, err := eapp.Parse(a.Content); err == nil {
			for _, e := range app.Entries {
				entries += " " + safetext.String(e.Label) + "=" + safetext.String(e.Value)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\tsigned %s\tserial %s\t%s\n", a.Received.UTC().Format(time.RFC3339),
			safetext.String(a.Kiosk), safetext.String(a.Number), safetext.String(a.Municipality), safetext.String(a.Form),
			a.Signed.UTC().Format(time.RFC3339), a.SignerSerial, strings.TrimSpace(entries))
	}
	fmt.Fprintf(w, "%d applications\n", len(apps))
	return nil
}

// initDir creates the PKI, the kiosk certificates, the database, and the demo residents
// with a card key and certificate each under DIR/cards/<code>.key/.crt.
func initDir(ctx context.Context, dir, pg string, kiosks []string, stdout io.Writer) error {
	for _, f := range []string{dbFile, centertest.FileTLSCA + ".key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already holds a center (%s)", dir, f)
		}
	}
	now := time.Now()
	pki, err := centertest.NewPKI(now)
	if err != nil {
		return err
	}
	if err := pki.Write(dir, kiosks...); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, municipalitiesFile), []byte(demoMunicipalities), 0o644); err != nil {
		return err
	}
	cards := filepath.Join(dir, "cards")
	if err := os.MkdirAll(cards, 0o700); err != nil {
		return err
	}
	return withServer(ctx, dir, pg, false, func(s *server.Server) error {
		for _, p := range centertest.DemoPeople() {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return err
			}
			cert, err := pki.AuthCA.IssueAuth(&key.PublicKey, now.Add(-48*time.Hour), now.AddDate(5, 0, 0))
			if err != nil {
				return err
			}
			if err := writeCard(cards, p.Resident.Code, key, cert); err != nil {
				return err
			}
			if err := s.AddResident(ctx, p.Resident); err != nil {
				return err
			}
			if err := s.BindCert(ctx, p.Resident.Code, cert); err != nil {
				return err
			}
			if p.Revoked {
				if err := s.Revoke(ctx, "", cert.SerialNumber, "demo: suspended card"); err != nil {
					return err
				}
			}
			fmt.Fprintf(stdout, "card %s  serial %s  %s (%s)\n", p.Resident.Code, cert.SerialNumber.Text(16), p.Resident.Name, p.Note)
		}
		fmt.Fprintf(stdout, "center initialised in %s (kiosks: %s)\n", dir, strings.Join(kiosks, ", "))
		return nil
	})
}

func writeCard(dir, code string, key *rsa.PrivateKey, cert *x509.Certificate) error {
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, code+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, code+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

func serve(ctx context.Context, dir, pg, listen, consoleAddr string, alwaysOpen bool, retention time.Duration, stdout, stderr io.Writer) error {
	return withServerRetention(ctx, dir, pg, alwaysOpen, retention, func(s *server.Server) error {
		pki, err := centertest.LoadPKI(dir)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return err
		}
		con, err := console.New(s, console.Options{Logger: slog.New(slog.NewTextHandler(stderr, nil))})
		if err != nil {
			return err
		}
		hs := &http.Server{
			Handler:           con.Public(s.Handler()),
			TLSConfig:         s.TLSConfig(pki.Server),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    16 << 10,
		}
		errc := make(chan error, 2)
		go func() { errc <- hs.ServeTLS(ln, "", "") }()
		if consoleAddr != "" {
			cln, err := net.Listen("tcp", consoleAddr)
			if err != nil {
				return err
			}
			cs := &http.Server{
				Handler:           con.Handler(),
				TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pki.Server}},
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       30 * time.Second,
				WriteTimeout:      30 * time.Second,
				IdleTimeout:       2 * time.Minute,
				MaxHeaderBytes:    16 << 10,
			}
			go func() { errc <- cs.ServeTLS(cln, "", "") }()
			defer cs.Close()
			fmt.Fprintf(stdout, "centerd: console on https://%s\n", cln.Addr())
		}
		pctx, stopPurge := context.WithCancel(ctx)
		defer stopPurge()
		go s.RunPurge(pctx, time.Hour)
		fmt.Fprintf(stdout, "centerd: serving https://%s\n", ln.Addr())
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return err
		}
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		fmt.Fprintln(stdout, "centerd: stopped")
		return nil
	})
}

// stdin is where `centerd operator` reads the password (tests replace it).
var stdin io.Reader = os.Stdin

// readPassword reads one line (at most 1 KiB) from r: the password, without its line end.
// The caller zeroes it (AddOperator does).
func readPassword(r io.Reader) ([]byte, error) {
	buf := make([]byte, 1025)
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			n = i
			break
		}
		if err != nil {
			break
		}
	}
	if n >= 1025 {
		clear(buf)
		return nil, errors.New("password longer than 1024 bytes")
	}
	pw := bytes.TrimSuffix(buf[:n], []byte("\r"))
	out := append([]byte(nil), pw...)
	clear(buf)
	if len(out) == 0 {
		return nil, errors.New("no password on standard input")
	}
	return out, nil
}
