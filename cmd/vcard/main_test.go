package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"madoguchi/reader"
	"madoguchi/reader/readertest"
	"madoguchi/reader/readertest/pcschost"
	"madoguchi/reader/readertest/vscard"
)

func TestMain(m *testing.M) { os.Exit(pcschost.Main(m)) }

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		ok   bool
	}{
		{"defaults", nil, true},
		{"juki atr", []string{"-atr", "juki"}, true},
		{"hex atr", []string{"-atr", "3B:88:80:01:00:00:05:E0:B3:81:A1:00:7F"}, true},
		{"bad atr", []string{"-atr", "zz"}, false},
		{"atr not starting 3B", []string{"-atr", "0102"}, false},
		{"stray argument", []string{"extra"}, false},
		{"unknown flag", []string{"-nope"}, false},
		{"android phone", []string{"-device", "android"}, true},
		{"iphone authorised", []string{"-device", "iphone", "-approved"}, true},
		{"face-authentication card", []string{"-device", "faceauth"}, true},
		{"unknown device", []string{"-device", "watch"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c, err := parseFlags(tc.args, &out)
			if err == nil {
				_, err = parseATR(c.atr)
			}
			if err == nil {
				err = parseDevice(c.device, &readertest.Options{})
			}
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	var out bytes.Buffer
	if _, err := buildCard(&config{atr: "mynumber", birth: "19900102", sex: "7", name: "x", authPIN: "1234"}, &out); err == nil {
		t.Fatal("bad sex accepted")
	}
}

// TestVcardAgainstPcscd runs the command's serving loop against a private pcscd: presence,
// OpenSC recognition, the PKI folder and the state file across a restart.
func TestVcardAgainstPcscd(t *testing.T) {
	h := pcschost.Start(t)
	dir := t.TempDir()
	pkiDir, state := filepath.Join(dir, "pki"), filepath.Join(dir, "card.json")
	args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(h.Port), "-pki", pkiDir, "-state", state,
		"-auth-pin", "2468", "-log"}

	// The first start makes the PKI folder's RSA keys (seconds each under qemu-arm), so
	// its wait for the card is longer; a restart reuses the folder.
	start := func(wait time.Duration) (stop func(), out *syncBuf) {
		out = &syncBuf{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, args, out) }()
		if err := h.WaitPresence(0, true, wait); err != nil {
			cancel()
			t.Fatalf("%v\nvcard output:\n%s", err, out)
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			if err := h.WaitPresence(0, false, 10*time.Second); err != nil {
				t.Error(err)
			}
		}, out
	}

	stop, out := start(2 * time.Minute)
	// SIGUSR1 / SIGUSR2 take the card out and put it back (run has installed its handler
	// before the card could be reported present).
	for _, step := range []struct {
		sig     syscall.Signal
		present bool
	}{{syscall.SIGUSR1, false}, {syscall.SIGUSR2, true}} {
		if err := syscall.Kill(os.Getpid(), step.sig); err != nil {
			t.Fatal(err)
		}
		if err := h.WaitPresence(0, step.present, 10*time.Second); err != nil {
			t.Fatalf("after %v: %v", step.sig, err)
		}
	}
	cmdOut, err := h.Command(context.Background(), "opensc-tool", "-r", "0", "-n").CombinedOutput()
	if err != nil || strings.TrimSpace(string(cmdOut)) != "jpki" {
		t.Fatalf("opensc-tool -n: %v %q", err, cmdOut)
	}
	// Spend one auth PIN try through PC/SC.
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	card, err := ctx.Connect(h.ReaderName(0), scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	for _, apdu := range [][]byte{
		append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...),
		{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18},
		{0x00, 0x20, 0x00, 0x80, 0x04, '0', '0', '0', '0'},
	} {
		if _, err := card.Transmit(apdu); err != nil {
			t.Fatal(err)
		}
	}
	card.Disconnect(scard.LeaveCard)
	stop()
	if strings.Contains(out.String(), "30303030") {
		t.Errorf("PIN printed in the log:\n%s", out)
	}
	if !strings.Contains(out.String(), "(pin masked)") {
		t.Errorf("-log printed no VERIFY line:\n%s", out)
	}

	st, err := readertest.LoadCardState(state)
	if err != nil {
		t.Fatal(err)
	}
	if st.TriesLeft[readertest.PINAuth.String()] != 2 {
		t.Fatalf("state file tries = %v", st.TriesLeft)
	}
	ca, err := readertest.LoadCA(pkiDir, "auth-ca")
	if err != nil {
		t.Fatal(err)
	}

	// Restart: same certificate, counter still 2, chains to the CA in the folder.
	stop, _ = start(10 * time.Second)
	defer stop()
	card, err = ctx.Connect(h.ReaderName(0), scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Disconnect(scard.LeaveCard)
	var resp []byte
	for _, apdu := range [][]byte{
		append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...),
		{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18},
		{0x00, 0x20, 0x00, 0x80},
	} {
		if resp, err = card.Transmit(apdu); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(resp, []byte{0x63, 0xC2}) {
		t.Fatalf("tries after restart: %X, want 63C2", resp)
	}
	var certDER []byte
	card.Transmit([]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A})
	for off := 0; ; off += 256 {
		r, err := card.Transmit([]byte{0x00, 0xB0, byte(off >> 8), byte(off), 0x00})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(r, []byte{0x90, 0x00}) {
			break
		}
		certDER = append(certDER, r[:len(r)-2]...)
	}
	if !bytes.Equal(certDER, st.AuthCert) {
		t.Fatal("certificate changed across restart")
	}
	cert, err := parseCert(certDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(ca.Cert); err != nil {
		t.Fatalf("auth cert not issued by %s/auth-ca: %v", pkiDir, err)
	}
}

func parseCert(der []byte) (*x509.Certificate, error) { return x509.ParseCertificate(der) }

// TestVcardPhoneAgainstPcscd: -device android serves an Android phone through pcscd: its
// token says so and its certificate stays closed until its PIN is verified.
func TestVcardPhoneAgainstPcscd(t *testing.T) {
	h := pcschost.Start(t)
	out := &syncBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:" + strconv.Itoa(h.Port), "-device", "android", "-quiet"}, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		_ = h.WaitPresence(0, false, 10*time.Second)
	}()
	if err := h.WaitPresence(0, true, 2*time.Minute); err != nil {
		t.Fatalf("%v\nvcard output:\n%s", err, out)
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Release()
	card, err := sc.Connect(h.ReaderName(0), scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	defer card.Disconnect(scard.LeaveCard)
	for _, step := range []struct {
		apdu []byte
		want []byte // suffix of the answer
	}{
		{append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...), []byte{0x90, 0x00}},
		{[]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x06}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0xB0, 0x00, 0x00, 0x20}, append([]byte(reader.TokenSmartphone+"                 "), 0x90, 0x00)},
		{[]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0xB0, 0x00, 0x00, 0x04}, []byte{0x69, 0x82}},
		{[]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0xB0, 0x00, 0x00, 0x04}, []byte{0x90, 0x00}},
		{append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDText...), []byte{0x6A, 0x82}},
	} {
		resp, err := card.Transmit(step.apdu)
		if err != nil || !bytes.HasSuffix(resp, step.want) {
			t.Fatalf("% X: % X, %v; want … % X", step.apdu, resp, err, step.want)
		}
	}
}

// TestVcardVSCard runs the command in both VSCard roles against the QEMU double
// (vscard.Host): the card starts out (-removed), the control socket puts it in and takes
// it out, and an APDU reaches the card.
func TestVcardVSCard(t *testing.T) {
	for _, listen := range []bool{true, false} {
		t.Run(map[bool]string{true: "listen", false: "dial"}[listen], func(t *testing.T) {
			dir, err := os.MkdirTemp("", "vcard")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			sock, ctl := filepath.Join(dir, "vscard.sock"), filepath.Join(dir, "control")
			args := []string{"-vscard", "unix:" + sock, "-control", ctl, "-removed", "-quiet"}
			var l net.Listener
			if listen {
				args = append(args, "-vscard-listen")
			} else {
				if l, err = net.Listen("unix", sock); err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				l.(*net.UnixListener).SetDeadline(time.Now().Add(2 * time.Minute))
			}
			out := &syncBuf{}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, out) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("run: %v\n%s", err, out)
				}
			}()
			var conn net.Conn
			// Up to 2 min: run makes the card's RSA keys first (seconds each under qemu-arm).
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
				if listen {
					conn, err = net.Dial("unix", sock)
				} else {
					conn, err = l.Accept()
				}
				if err == nil || time.Now().After(deadline) {
					break
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			host := vscard.NewHost(conn, false)
			defer host.Close()
			wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer wcancel()
			if _, err := host.Wait(wctx, func(s vscard.HostState) bool { return s.ReaderAdded }); err != nil {
				t.Fatal(err)
			}
			if st := host.State(); st.Inserted {
				t.Fatal("-removed: card in")
			}
			for _, step := range []struct {
				op vscard.Op
				in bool
			}{{vscard.OpInsert, true}, {vscard.OpRemove, false}, {vscard.OpInsert, true}} {
				for {
					in, err := vscard.SendControl(wctx, ctl, step.op)
					if err == nil && in == step.in {
						break
					}
					if wctx.Err() != nil {
						t.Fatalf("control %s: %v %v", step.op, in, err)
					}
					time.Sleep(20 * time.Millisecond) // the control socket may not be up yet
				}
				if _, err := host.Wait(wctx, func(s vscard.HostState) bool { return s.Inserted == step.in }); err != nil {
					t.Fatalf("after %s: %v", step.op, err)
				}
			}
			resp, err := host.Transmit(wctx, append([]byte{0x00, 0xA4, 0x04, 0x0C, 0x0A}, reader.AIDJPKI...))
			if err != nil || !bytes.Equal(resp, []byte{0x90, 0x00}) {
				t.Fatalf("SELECT JPKI: %X %v", resp, err)
			}
		})
	}
	if _, err := parseFlags([]string{"-vscard-listen"}, io.Discard); err == nil {
		t.Error("-vscard-listen without -vscard accepted")
	}
	if c, err := parseFlags([]string{"-vscard", "unix:/run/x.sock"}, io.Discard); err != nil || c.atr != "jinc" {
		t.Errorf("-vscard: ATR %q (%v), want jinc: QEMU's usb-ccid speaks T=0 only", c.atr, err)
	}
	if _, err := parseFlags([]string{"-vscard", "serial:/dev/ttyS0"}, io.Discard); err == nil {
		t.Error("bad -vscard endpoint accepted")
	}
}

// TestWriteRoots: with -pki the card's roots and J-LIS's key live in the folder, so a
// second start (another process, no state file) makes a card of the same PKI, and
// -write-roots gives a kiosk and a center what they must trust: the four facts of the
// new card verify with the written J-LIS key, its signing certificate chains to the
// written signing root.
func TestWriteRoots(t *testing.T) {
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	build := func(out string) *readertest.Card {
		c, err := parseFlags([]string{"-pki", pkiDir, "-write-roots", out, "-quiet"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		card, err := buildCard(c, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return card
	}
	first, second := filepath.Join(dir, "roots-1"), filepath.Join(dir, "roots-2")
	build(first)
	card := build(second)
	for _, name := range []string{rootAuthFile, rootSignFile, jlisPubFile} {
		a, err := os.ReadFile(filepath.Join(first, name))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(second, name)); err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two starts on one -pki folder (%v)", name, err)
		}
	}
	pubPEM, err := os.ReadFile(filepath.Join(first, jlisPubFile))
	if err != nil {
		t.Fatal(err)
	}
	jlis, err := reader.ParseIssuerKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := reader.New(card).ReadFourFacts(context.Background(), []byte("1234"), jlis)
	if err != nil || facts.Name != readertest.DefaultHolder.Name {
		t.Fatalf("four facts with the written J-LIS key: %+v, %v", facts, err)
	}
	rootPEM, err := os.ReadFile(filepath.Join(first, rootSignFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(rootPEM) {
		t.Fatal("no certificate in " + rootSignFile)
	}
	if _, err := card.SignCert().Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the signing certificate does not chain to the written root: %v", err)
	}
	// What a next process reads: the key in the folder, not one of this process's.
	if fi, err := os.Stat(filepath.Join(pkiDir, "jlis.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("J-LIS's key in the PKI folder: %v, %v", fi, err)
	}
	kept, created, err := readertest.LoadOrCreateKey(filepath.Join(pkiDir, "jlis.key"))
	if err != nil || created || !kept.PublicKey.Equal(jlis) {
		t.Errorf("the written J-LIS key is not the one kept in the PKI folder (%v)", err)
	}
}
