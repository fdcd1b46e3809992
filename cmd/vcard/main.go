package main

import (
	"context"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"madoguchi/internal/safetext"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/vscard"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vcard:", safetext.Error(err))
		stop()
		os.Exit(1)
	}
}

type config struct {
	addr, atr, token, device                string
	authPIN, signPIN, textPIN               string
	name, address, birth, sex, myNumber     string
	pkiDir, authCAName, signCAName, state   string
	jlisKeyName, writeRoots                 string
	delay, signDelay                        time.Duration
	blocked6984, noQuickAck, logAPDU, quiet bool
	approved                                bool
	vscard, control                         string
	vscardListen, startRemoved              bool
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("vcard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:35963", "vpcd slot to dial (slot n of a reader.conf entry listens on its port + n)")
	fs.StringVar(&c.atr, "atr", "", `ATR: "mynumber" (3BDA13FF…, T=1, the card's default), "jinc" (3B888001…, T=0 and T=1; the default with -vscard: QEMU's usb-ccid speaks T=0 only), "juki" (3BE000FF8131FE4514) or hex; a phone's default is a contactless 3B8080010101`)
	fs.StringVar(&c.token, "token", "", "JPKI token (EF 0006), e.g. JPKIAPICCTOKEN for a 住基カード (default: the device's)")
	fs.StringVar(&c.device, "device", "card", `what answers: "card", "android" (スマホ用電子証明書: certificate after the PIN), "iphone" (no PIN, needs -approved; ASSUMED behaviour) or "faceauth" (顔認証マイナンバーカード, no PIN)`)
	fs.BoolVar(&c.approved, "approved", false, "with -device iphone: the resident has authorised it with Face ID")
	fs.StringVar(&c.authPIN, "auth-pin", "1234", "user-authentication PIN (4 digits)")
	fs.StringVar(&c.signPIN, "sign-pin", "ABC123", "signature password (6–16 of A–Z 0–9)")
	fs.StringVar(&c.textPIN, "text-pin", "", "券面事項入力補助 PIN (default: the auth PIN)")
	fs.StringVar(&c.name, "name", readertest.DefaultHolder.Name, "holder name")
	fs.StringVar(&c.address, "address", readertest.DefaultHolder.Address, "holder address")
	fs.StringVar(&c.birth, "birth", readertest.DefaultHolder.BirthDate, "holder birth date YYYYMMDD (Gregorian)")
	fs.StringVar(&c.sex, "sex", readertest.DefaultHolder.Sex, "holder sex: 1, 2 or 9")
	fs.StringVar(&c.myNumber, "my-number", "", "12-digit My Number stored in the text AP (default a test number)")
	fs.StringVar(&c.pkiDir, "pki", "", "folder of the test CAs (PEM); created there if missing; empty: an in-memory PKI")
	fs.StringVar(&c.authCAName, "auth-ca", "auth-ca", "base name of the auth CA files in -pki")
	fs.StringVar(&c.signCAName, "sign-ca", "sign-ca", "base name of the sign CA files in -pki")
	fs.StringVar(&c.jlisKeyName, "jlis-key", "jlis", "base name of J-LIS's key for the four facts in -pki (<name>.key, PKCS#8; created if missing)")
	fs.StringVar(&c.writeRoots, "write-roots", "", "folder to write what a kiosk and a center must trust for this card into: "+
		rootAuthFile+", "+rootSignFile+" (the JPKI roots) and "+jlisPubFile+" (J-LIS's key for the four facts: the kiosk's reader.text_issuer_key)")
	fs.StringVar(&c.state, "state", "", "card state file (keys, certificates, PINs, counters); created if missing")
	fs.DurationVar(&c.delay, "delay", 0, "delay added to every APDU")
	fs.DurationVar(&c.signDelay, "sign-delay", 0, "delay added to every signature")
	fs.BoolVar(&c.blocked6984, "blocked-6984", false, "answer 6984 (not 63C0) to an empty VERIFY on a blocked PIN")
	fs.BoolVar(&c.noQuickAck, "no-quickack", false, "do not set TCP_QUICKACK (reproduces 44 ms per APDU with vpcd 0.8)")
	fs.BoolVar(&c.logAPDU, "log", false, "print every APDU (PINs masked)")
	fs.BoolVar(&c.quiet, "quiet", false, "print nothing but errors")
	fs.StringVar(&c.vscard, "vscard", "", "serve QEMU's ccid-card-passthru over VSCard at unix:PATH or tcp:HOST:PORT instead of vpcd")
	fs.BoolVar(&c.vscardListen, "vscard-listen", false, "with -vscard: listen there (QEMU's chardev connects) instead of dialling QEMU's server=on chardev")
	fs.StringVar(&c.control, "control", "", "unix socket taking one line per connection: insert, remove or status (answers inserted or removed)")
	fs.BoolVar(&c.startRemoved, "removed", false, "start with the card out of the reader")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.vscardListen && c.vscard == "" {
		return nil, errors.New("-vscard-listen needs -vscard")
	}
	if c.vscard != "" {
		if _, err := vscard.ParseEndpoint(c.vscard); err != nil {
			return nil, err
		}
		if c.atr == "" {
			c.atr = "jinc"
		}
	}
	return c, nil
}

// parseDevice applies -device to opts.
func parseDevice(s string, opts *readertest.Options) error {
	switch strings.ToLower(s) {
	case "card", "":
	case "android":
		opts.Device = reader.DeviceAndroid
	case "iphone":
		opts.Device = reader.DeviceIPhone
	case "faceauth":
		opts.NoPIN = true
	default:
		return fmt.Errorf("bad -device %q: want card, android, iphone or faceauth", s)
	}
	return nil
}

func parseATR(s string) ([]byte, error) {
	switch strings.ToLower(s) {
	case "mynumber", "":
		return readertest.ATRMyNumber, nil
	case "jinc":
		return readertest.ATRJINC, nil
	case "juki":
		return readertest.ATRJuki, nil
	}
	b, err := hex.DecodeString(strings.NewReplacer(":", "", " ", "").Replace(s))
	if err != nil || len(b) < 2 || len(b) > 33 || b[0] != 0x3B && b[0] != 0x3F {
		return nil, fmt.Errorf("bad -atr %q: want mynumber, juki or 2..33 hex bytes starting 3B/3F", s)
	}
	return b, nil
}

// loadOrCreatePKI loads the two CAs from dir, creating (and writing) any that is missing.
func loadOrCreatePKI(c *config, stderr io.Writer) (*readertest.PKI, error) {
	if c.pkiDir == "" {
		return readertest.DefaultPKI()
	}
	get := func(name string, mk func(time.Time) (*readertest.CA, error)) (*readertest.CA, error) {
		ca, err := readertest.LoadCA(c.pkiDir, name)
		if err == nil {
			return ca, nil
		}
		if _, statErr := os.Stat(c.pkiDir + "/" + name + ".crt"); statErr == nil {
			return nil, err // present but unusable: do not overwrite
		}
		if ca, err = mk(time.Now()); err != nil {
			return nil, err
		}
		if err := ca.WritePEM(c.pkiDir, name); err != nil {
			return nil, err
		}
		if !c.quiet {
			fmt.Fprintf(stderr, "vcard: created test CA %s/%s.crt\n", c.pkiDir, name)
		}
		return ca, nil
	}
	auth, err := get(c.authCAName, readertest.NewAuthCA)
	if err != nil {
		return nil, err
	}
	sign, err := get(c.signCAName, readertest.NewSignCA)
	if err != nil {
		return nil, err
	}
	return &readertest.PKI{Auth: auth, Sign: sign}, nil
}

// Files written by -write-roots.
const (
	rootAuthFile = "jpki-auth-root.crt" // the user-authentication root (PEM certificate)
	rootSignFile = "jpki-sign-root.crt" // the signing root (署名用): what the center verifies applications against
	jlisPubFile  = "jlis-text.pub"      // J-LIS's public key for the four facts (PEM PUBLIC KEY), config.Demo's name
)

// writeRoots writes the card's roots and J-LIS key (public halves) into dir.
func writeRoots(dir string, card *readertest.Card) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write roots: %w", err)
	}
	pub, err := reader.MarshalIssuerKey(card.JLISPublicKey())
	if err != nil {
		return fmt.Errorf("write roots: %w", err)
	}
	for name, data := range map[string][]byte{
		rootAuthFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: card.PKI().Auth.Cert.Raw}),
		rootSignFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: card.PKI().Sign.Cert.Raw}),
		jlisPubFile:  pub,
	} {
		if err := writeFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write roots: %w", err)
		}
	}
	return nil
}

// writeFile replaces path with data (a temporary file renamed over it).
func writeFile(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil { // WriteFile keeps an existing file's mode
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func buildCard(c *config, stderr io.Writer) (*readertest.Card, error) {
	var atr []byte
	if c.atr != "" || c.device == "card" || c.device == "faceauth" {
		var err error
		if atr, err = parseATR(c.atr); err != nil {
			return nil, err
		}
	}
	pki, err := loadOrCreatePKI(c, stderr)
	if err != nil {
		return nil, err
	}
	opts := readertest.Options{
		ATR: atr, Token: c.token, AuthPIN: c.authPIN, SignPIN: c.signPIN, TextPIN: c.textPIN,
		Holder:   readertest.Holder{Name: c.name, Address: c.address, BirthDate: c.birth, Sex: c.sex},
		MyNumber: c.myNumber, PKI: pki, Delay: c.delay, SignDelay: c.signDelay, MaxLog: 10000,
		PhoneApproved: c.approved,
	}
	if c.pkiDir != "" {
		// J-LIS's key is one for every card, like the roots: kept in the PKI folder.
		path := filepath.Join(c.pkiDir, c.jlisKeyName+".key")
		var created bool
		if opts.JLISKey, created, err = readertest.LoadOrCreateKey(path); err != nil {
			return nil, err
		}
		if created && !c.quiet {
			fmt.Fprintf(stderr, "vcard: created test J-LIS key %s\n", path)
		}
	}
	if err := parseDevice(c.device, &opts); err != nil {
		return nil, err
	}
	if c.blocked6984 {
		opts.BlockedEmptyVerifySW = reader.SWPINBlocked
	}
	var st *readertest.CardState
	if c.state != "" {
		if s, err := readertest.LoadCardState(c.state); err == nil {
			if err := s.Apply(&opts); err != nil {
				return nil, err
			}
			st = &s
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	card, err := readertest.NewCard(opts)
	if err != nil {
		return nil, err
	}
	if st != nil {
		card.RestoreCounters(*st)
	}
	if err := saveState(c, card); err != nil {
		return nil, err
	}
	if c.writeRoots != "" {
		if err := writeRoots(c.writeRoots, card); err != nil {
			return nil, err
		}
		if !c.quiet {
			fmt.Fprintf(stderr, "vcard: wrote %s, %s and %s to %s\n", rootAuthFile, rootSignFile, jlisPubFile, c.writeRoots)
		}
	}
	return card, nil
}

func saveState(c *config, card *readertest.Card) error {
	if c.state == "" {
		return nil
	}
	st, err := card.State()
	if err != nil {
		return err
	}
	return readertest.SaveCardState(c.state, st)
}

// counters summarises what the state file must follow.
func counters(card *readertest.Card) string {
	var b strings.Builder
	for _, p := range []readertest.PINRef{readertest.PINAuth, readertest.PINSign, readertest.PINText, readertest.PINTextA, readertest.PINTextB} {
		fmt.Fprintf(&b, "%d:%d:%s;", p, card.TriesLeft(p), card.PIN(p))
	}
	return b.String()
}

// run serves until ctx ends (SIGINT/SIGTERM in main).
func run(ctx context.Context, args []string, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	card, err := buildCard(c, stderr)
	if err != nil {
		return err
	}
	if c.startRemoved {
		card.Remove()
	}
	last := counters(card)
	var saveErr error
	afterAPDU := func() {
		if c.logAPDU {
			if le, ok := card.LastLog(); ok {
				fmt.Fprintln(stderr, "vcard:", le)
			}
		}
		if now := counters(card); now != last {
			last = now
			if err := saveState(c, card); err != nil && saveErr == nil {
				saveErr = err
				fmt.Fprintln(stderr, "vcard: saving state:", safetext.Error(err))
			}
		}
	}
	where := c.addr
	if c.vscard != "" {
		where = "vscard " + c.vscard
	}
	if !c.quiet {
		fmt.Fprintf(stderr, "vcard: serving ATR %X on %s (auth cert CN=%s)\n", card.ATR(), where, safetext.String(card.AuthCert().Subject.CommonName))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	// SIGUSR1 takes the card out of the reader, SIGUSR2 puts it back.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-sigs:
				if s == syscall.SIGUSR1 {
					card.Remove()
				} else {
					card.Insert()
				}
			}
		}
	}()
	if c.control != "" {
		l, err := vscard.ListenControl(c.control)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := vscard.ServeControl(ctx, l, card); err != nil && ctx.Err() == nil {
				fmt.Fprintln(stderr, "vcard: control:", safetext.Error(err))
			}
		}()
	}
	if c.vscard != "" {
		err = serveVSCard(ctx, c, card, afterAPDU, stderr)
	} else {
		v := &readertest.VPCD{Addr: c.addr, Card: card, NoQuickAck: c.noQuickAck}
		v.OnEvent = func(e readertest.VPCDEvent) {
			switch e {
			case readertest.EventAPDU:
				afterAPDU()
			case readertest.EventConnected, readertest.EventDisconnected:
				if !c.quiet {
					fmt.Fprintf(stderr, "vcard: %s %s\n", e, c.addr)
				}
			}
		}
		err = v.Serve(ctx)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if err == nil {
		err = saveErr
	}
	return err
}

// serveVSCard serves the card to QEMU's ccid-card-passthru until ctx ends.
func serveVSCard(ctx context.Context, c *config, card *readertest.Card, afterAPDU func(), stderr io.Writer) error {
	ep, err := vscard.ParseEndpoint(c.vscard)
	if err != nil {
		return err
	}
	client := &vscard.Client{Card: card, OnEvent: func(e vscard.Event) {
		switch e.Kind {
		case vscard.EventAPDU:
			afterAPDU()
		case vscard.EventRefused, vscard.EventUnexpected:
			fmt.Fprintln(stderr, "vcard:", safetext.String(e.String()))
		default:
			if !c.quiet {
				fmt.Fprintln(stderr, "vcard:", safetext.String(e.String()))
			}
		}
	}}
	if !c.vscardListen {
		return client.DialAndServe(ctx, ep)
	}
	l, err := vscard.Listen(ep)
	if err != nil {
		return err
	}
	return client.ListenAndServe(ctx, l)
}
