package centertest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"madoguchi/center"
	"madoguchi/center/server"
	"madoguchi/reader/readertest"
)

// Resident is the center's resident record (re-exported for the demo wiring).
type Resident = server.Resident

// Options configure an in-process center. The zero value is a working center on a
// loopback port with a fresh PKI, the demo municipality open at every hour, and a
// database in a temporary folder removed by Close.
type Options struct {
	Clock          center.Clock          // default center.SystemClock
	Dir            string                // database folder; default a temp dir removed on Close
	Postgres       string                // PostgreSQL connection string; "" = SQLite in Dir
	PKI            *PKI                  // default NewPKI(now)
	Municipalities []server.Municipality // default: DemoMunicipality with its hours lifted
	ChallengeTTL   time.Duration         // default server.DefaultChallengeTTL
	Retention      time.Duration         // stored answers kept for replay; default server.DefaultRetention
	Logger         *slog.Logger          // default: discard
	Addr           string                // listen address; default a free loopback port (127.0.0.1:0)
}

// Center is a reference center serving HTTPS on 127.0.0.1 inside the process, with a
// fault injector (Faults) in front of it.
type Center struct {
	pki    *PKI
	srv    *server.Server
	faults *Faults
	tls    *tls.Config
	errLog *log.Logger
	addr   string // host:port, kept across Down and Up
	url    string
	tmp    string
	clock  center.Clock

	mu    sync.Mutex // guards http and done
	http  *http.Server
	done  chan struct{}
	close sync.Once

	closed error
}

// New starts a center.
func New(ctx context.Context, opts Options) (*Center, error) {
	c := &Center{clock: opts.Clock, pki: opts.PKI}
	if c.clock == nil {
		c.clock = center.SystemClock
	}
	var err error
	if c.pki == nil {
		if c.pki, err = NewPKI(c.clock.Now()); err != nil {
			return nil, err
		}
	}
	dir := opts.Dir
	if dir == "" {
		if c.tmp, err = os.MkdirTemp("", "centertest-"); err != nil {
			return nil, fmt.Errorf("centertest: %w", err)
		}
		dir = c.tmp
	}
	munis := opts.Municipalities
	if len(munis) == 0 {
		m := server.DemoMunicipality()
		m.Hours, m.TypeHours = server.Hours{}, nil
		munis = []server.Municipality{m}
	}
	c.srv, err = server.Open(ctx, server.Options{
		DBPath: filepath.Join(dir, "center.db"), Postgres: opts.Postgres, JPKIRoots: []*x509.Certificate{c.pki.AuthCA.Cert}, SignRoots: c.signRoots(),
		KioskCAs: c.pki.CAPool(), DocumentKey: c.pki.DocumentKey, Municipalities: munis,
		Clock: c.clock, ChallengeTTL: opts.ChallengeTTL, Retention: opts.Retention, Logger: opts.Logger,
	})
	if err != nil {
		c.cleanup()
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Connection-level errors (a client that hung up mid-handshake, as killed kiosks in
	// crash tests do) go to the test's logger at debug level, not to stderr.
	c.errLog = slog.NewLogLogger(logger.Handler(), slog.LevelDebug)
	c.tls = c.srv.TLSConfig(c.pki.Server)
	c.faults = Wrap(c.srv.Handler())
	c.addr = opts.Addr
	if c.addr == "" {
		c.addr = "127.0.0.1:0"
	}
	if err := c.Up(); err != nil {
		c.srv.Close()
		c.cleanup()
		return nil, err
	}
	c.url = "https://" + c.addr
	return c, nil
}

// Up starts serving again after Down, on the same port (the first time: a fresh one). It
// does nothing while the center is up.
func (c *Center) Up() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.http != nil {
		return nil
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("centertest: listen: %w", err)
	}
	c.addr = ln.Addr().String()
	hs := &http.Server{
		Handler:           c.faults,
		TLSConfig:         c.tls.Clone(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          c.errLog,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.ServeTLS(ln, "", "")
	}()
	c.http, c.done = hs, done
	return nil
}

// Down stops serving at once: the listener and every connection are closed, as when the
// center or the network is down. The database stays; Up serves it again.
func (c *Center) Down() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.http == nil {
		return
	}
	_ = c.http.Close()
	<-c.done
	c.http = nil
}

func (c *Center) cleanup() {
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

// Close stops serving (letting requests in flight finish), closes the database and
// removes the temporary folder.
func (c *Center) Close() error {
	c.close.Do(func() {
		var err error
		c.mu.Lock()
		if c.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = c.http.Shutdown(ctx)
			cancel()
			<-c.done
			c.http = nil
		}
		c.mu.Unlock()
		c.closed = errors.Join(err, c.srv.Close())
		c.cleanup()
	})
	return c.closed
}

// Faults is the fault injector in front of the center: faults for the next uploads,
// per-message refusals, and what the center answered.
func (c *Center) Faults() *Faults { return c.faults }

// URL is the center's base URL, https://127.0.0.1:<port>.
func (c *Center) URL() string { return c.url }

// PKI is the center's key material.
func (c *Center) PKI() *PKI { return c.pki }

// Server is the reference center behind the HTTPS listener.
func (c *Center) Server() *server.Server { return c.srv }

// ClientTLS is a TLS client configuration for a kiosk: its client certificate and the
// pinned center CA.
func (c *Center) ClientTLS(kioskID string) (*tls.Config, error) {
	kc, err := c.pki.KioskCert(kioskID)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: c.pki.CAPool(), Certificates: []tls.Certificate{kc}}, nil
}

// ClientOptions are complete center.ClientOptions for a kiosk of this center.
func (c *Center) ClientOptions(kioskID string) (center.ClientOptions, error) {
	kc, err := c.pki.KioskCert(kioskID)
	if err != nil {
		return center.ClientOptions{}, err
	}
	return center.ClientOptions{BaseURL: c.url, KioskID: kioskID, Certificate: kc, CenterCAs: c.pki.CAPool(),
		DocumentKey: c.pki.DocumentPublicKey(), Clock: c.clock}, nil
}

// NewClient is a center.Client for a kiosk of this center.
func (c *Center) NewClient(kioskID string) (*center.Client, error) {
	o, err := c.ClientOptions(kioskID)
	if err != nil {
		return nil, err
	}
	return center.NewClient(o)
}

// AddResident stores a resident and binds the card's authentication certificate to it.
func (c *Center) AddResident(ctx context.Context, r Resident, authCert *x509.Certificate) error {
	if r.Municipality == "" {
		r.Municipality = server.DemoMunicipality().Code
	}
	if err := c.srv.AddResident(ctx, r); err != nil {
		return err
	}
	if authCert == nil {
		return nil
	}
	return c.srv.BindCert(ctx, r.Code, authCert)
}

func (c *Center) signRoots() []*x509.Certificate {
	if c.pki.SignCA == nil {
		return nil
	}
	return []*x509.Certificate{c.pki.SignCA.Cert}
}

// RevokeSigning revokes a card's signing certificate, issued by the center's JPKI
// signing root (a move or a change of name).
func (c *Center) RevokeSigning(ctx context.Context, serial *big.Int) error {
	if c.pki.SignCA == nil {
		return errors.New("centertest: no signing root")
	}
	return c.srv.Revoke(ctx, server.IssuerID(c.pki.SignCA.Cert), serial, "centertest: moved")
}

// Revoke suspends a card's certificate, issued by the center's only JPKI root, at once.
func (c *Center) Revoke(ctx context.Context, serial *big.Int) error {
	return c.srv.Revoke(ctx, "", serial, "centertest")
}

// Card is a test card's authentication key pair: what the virtual card holds.
type Card struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// NewCard issues an authentication certificate from the center's test JPKI root for the
// i-th key of readertest's shared key pool, valid from notBefore to notAfter.
func (c *Center) NewCard(i int, notBefore, notAfter time.Time) (*Card, error) {
	key := readertest.Key(i)
	if key == nil {
		return nil, fmt.Errorf("centertest: no key %d", i)
	}
	cert, err := c.pki.AuthCA.IssueAuth(&key.PublicKey, notBefore, notAfter)
	if err != nil {
		return nil, fmt.Errorf("centertest: new card: %w", err)
	}
	return &Card{Key: key, Cert: cert}, nil
}

// Sign does what the card does for an issuance: PKCS#1 v1.5 over SHA-256 of the
// canonical signing input.
func (k *Card) Sign(challenge, kioskID string, req center.Request) ([]byte, error) {
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Key, crypto.SHA256, center.Digest(challenge, kioskID, req))
	if err != nil {
		return nil, fmt.Errorf("centertest: card sign: %w", err)
	}
	return sig, nil
}

// NewKey returns a random idempotency key (128 bits, hex), as a kiosk makes one.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// IssueWith runs the kiosk's side of one issuance with a card: challenge, sign, issue.
func IssueWith(ctx context.Context, cl *center.Client, card *Card, key string, req center.Request) (*center.Issued, error) {
	ch, err := cl.Challenge(ctx)
	if err != nil {
		return nil, err
	}
	sig, err := card.Sign(ch.Challenge, cl.KioskID(), req)
	if err != nil {
		return nil, err
	}
	return cl.Issue(ctx, center.Issue{Key: key, Challenge: ch.Challenge, AuthCert: card.Cert.Raw, Signature: sig, Request: req})
}
