package center_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"madoguchi/center"
	"madoguchi/center/centertest"
)

func TestSigningInput(t *testing.T) {
	req := center.Request{Type: center.TaxIncome, Copies: 2, Options: center.Options{FiscalYear: 2026}}
	got := string(center.SigningInput("AbC_-", "kiosk-1", req))
	want := "madoguchi-center/v1 issuance\nchallenge=AbC_-\nkiosk=kiosk-1\ntype=kazei\ncopies=2\n" +
		"household=0\ndomicile=0\nrelationship=0\nindividual=0\nfiscal_year=2026\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Every field changes the input.
	base := center.SigningInput("c", "k", center.Request{Type: center.ResidentRecord, Copies: 1})
	for name, in := range map[string][]byte{
		"challenge":    center.SigningInput("d", "k", center.Request{Type: center.ResidentRecord, Copies: 1}),
		"kiosk":        center.SigningInput("c", "l", center.Request{Type: center.ResidentRecord, Copies: 1}),
		"type":         center.SigningInput("c", "k", center.Request{Type: center.ResidentRecordItems, Copies: 1}),
		"copies":       center.SigningInput("c", "k", center.Request{Type: center.ResidentRecord, Copies: 2}),
		"household":    center.SigningInput("c", "k", center.Request{Type: center.ResidentRecord, Copies: 1, Options: center.Options{Household: true}}),
		"domicile":     center.SigningInput("c", "k", center.Request{Type: center.ResidentRecord, Copies: 1, Options: center.Options{Domicile: true}}),
		"relationship": center.SigningInput("c", "k", center.Request{Type: center.ResidentRecord, Copies: 1, Options: center.Options{Relationship: true}}),
		"newline":      center.SigningInput("c\nkiosk=k", "", center.Request{Type: center.ResidentRecord, Copies: 1}),
	} {
		if string(in) == string(base) {
			t.Errorf("%s does not change the signing input", name)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  center.Request
		ok   bool
	}{
		{"plain", center.Request{Type: center.ResidentRecord, Copies: 1}, true},
		{"ten copies", center.Request{Type: center.ResidentRecord, Copies: 10}, true},
		{"zero copies", center.Request{Type: center.ResidentRecord}, false},
		{"eleven copies", center.Request{Type: center.ResidentRecord, Copies: 11}, false},
		{"unknown type", center.Request{Type: "passport", Copies: 1}, false},
		{"household on inkan", center.Request{Type: center.SealRegistration, Copies: 1, Options: center.Options{Household: true}}, false},
		{"individual on koseki", center.Request{Type: center.FamilyRegister, Copies: 1, Options: center.Options{Individual: true}}, true},
		{"individual on juminhyo", center.Request{Type: center.ResidentRecord, Copies: 1, Options: center.Options{Individual: true}}, false},
		{"fiscal year on kazei", center.Request{Type: center.TaxIncome, Copies: 1, Options: center.Options{FiscalYear: 2026}}, true},
		{"fiscal year on juminhyo", center.Request{Type: center.ResidentRecord, Copies: 1, Options: center.Options{FiscalYear: 2026}}, false},
		{"fiscal year absurd", center.Request{Type: center.TaxIncome, Copies: 1, Options: center.Options{FiscalYear: 26}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.req.Validate(); (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   center.Code
		want   []error
		not    []error
	}{
		{422, center.CodeRevoked, []error{center.ErrRefused, center.ErrRevoked}, []error{center.ErrRetryLater, center.ErrNotEligible}},
		{422, center.CodeMovedOut, []error{center.ErrRefused, center.ErrMovedOut, center.ErrNotEligible}, []error{center.ErrRetryLater}},
		{422, center.CodeKeyConflict, []error{center.ErrRefused, center.ErrKeyConflict}, nil},
		{401, center.CodeKioskUnknown, []error{center.ErrRefused, center.ErrKioskRejected}, nil},
		{503, center.CodeUnavailable, []error{center.ErrRetryLater}, []error{center.ErrRefused}},
		{500, center.CodeInternal, []error{center.ErrRetryLater}, []error{center.ErrRefused}},
		{429, center.CodeBadRequest, []error{center.ErrRetryLater}, []error{center.ErrRefused}},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			err := error(&center.Error{Status: tc.status, Code: tc.code})
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("%v is not %v", err, w)
				}
			}
			for _, w := range tc.not {
				if errors.Is(err, w) {
					t.Errorf("%v is %v", err, w)
				}
			}
		})
	}
}

var pkiOnce struct {
	sync.Once
	pki *centertest.PKI
	err error
}

// sharedPKI is one test PKI for the whole package (RSA key generation is slow).
func sharedPKI(t *testing.T) *centertest.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiOnce.pki, pkiOnce.err = centertest.NewPKI(time.Now()) })
	if pkiOnce.err != nil {
		t.Fatal(pkiOnce.err)
	}
	return pkiOnce.pki
}

// fakeCenter is an HTTPS peer with chosen behaviour, pinned by a client with a kiosk cert.
func fakeCenter(t *testing.T, h http.HandlerFunc, timeout time.Duration) *center.Client {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pki := sharedPKI(t)
	kc, err := pki.KioskCert("kiosk-1")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	cl, err := center.NewClient(center.ClientOptions{BaseURL: ts.URL, Certificate: kc, CenterCAs: pool,
		DocumentKey: pki.DocumentPublicKey(), RequestTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func TestClientRetryOrRefuse(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want error
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			w.Write([]byte(`{"error":{"code":"unavailable","message":"busy"}}`))
		}, center.ErrRetryLater},
		{"502 from a proxy, not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			w.Write([]byte("<html>bad gateway</html>"))
		}, center.ErrRetryLater},
		{"422 resident not found", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			w.Write([]byte(`{"error":{"code":"resident_not_found","message":"no"}}`))
		}, center.ErrResidentNotFound},
		{"garbage 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"challenge":`))
		}, center.ErrRetryLater},
		{"200 with unknown fields", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"challenge":"x","expires_at":"2026-01-01T00:00:00Z","extra":1}`))
		}, center.ErrRetryLater},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := fakeCenter(t, tc.h, 300*time.Millisecond)
			_, err := cl.Challenge(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("timeout", func(t *testing.T) {
		// The handler answers nothing until the test ends, even after the client hung up
		// (an answer written then could otherwise reach a slow client, e.g. under QEMU).
		cl := fakeCenter(t, func(w http.ResponseWriter, r *http.Request) { <-release }, 300*time.Millisecond)
		t.Cleanup(func() { close(release) }) // runs before the server's Close waits for the handler
		_, err := cl.Status(ctx, strings.Repeat("a", 32))
		if !errors.Is(err, center.ErrRetryLater) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("center down", func(t *testing.T) {
		// A closed port on loopback.
		pki := sharedPKI(t)
		kc, _ := pki.KioskCert("kiosk-1")
		down, err := center.NewClient(center.ClientOptions{BaseURL: "https://127.0.0.1:1", Certificate: kc,
			CenterCAs: pki.CAPool(), DocumentKey: pki.DocumentPublicKey(), ConnectTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := down.SendMessages(ctx, []center.Message{{Seq: 1, Key: strings.Repeat("a", 32), Kind: center.KindAudit, Payload: json.RawMessage(`{}`)}}); !errors.Is(err, center.ErrRetryLater) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("center with an unpinned certificate", func(t *testing.T) {
		c, err := centertest.New(ctx, centertest.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		opts, _ := c.ClientOptions("kiosk-1")
		opts.CenterCAs = sharedPKI(t).CAPool()
		cl, err := center.NewClient(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Challenge(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNewClientOptions(t *testing.T) {
	pki := sharedPKI(t)
	kc, _ := pki.KioskCert("kiosk-1")
	good := center.ClientOptions{BaseURL: "https://127.0.0.1:8443/", Certificate: kc, CenterCAs: pki.CAPool(), DocumentKey: pki.DocumentPublicKey()}
	if cl, err := center.NewClient(good); err != nil || cl.KioskID() != "kiosk-1" {
		t.Fatalf("good options: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*center.ClientOptions)
	}{
		{"http", func(o *center.ClientOptions) { o.BaseURL = "http://127.0.0.1:8443" }},
		{"path", func(o *center.ClientOptions) { o.BaseURL = "https://127.0.0.1:8443/api" }},
		{"no cert", func(o *center.ClientOptions) { o.Certificate = tls.Certificate{} }},
		{"kiosk id mismatch", func(o *center.ClientOptions) { o.KioskID = "kiosk-2" }},
		{"no CA", func(o *center.ClientOptions) { o.CenterCAs = nil }},
		{"no document key", func(o *center.ClientOptions) { o.DocumentKey = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.mod(&o)
			if _, err := center.NewClient(o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
