package center

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of ClientOptions.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	maxResponseBytes      = 1 << 20
)

// ClientOptions configure a Client. BaseURL, Certificate, CenterCAs and DocumentKey are
// required; the zero value of the rest means the documented default.
type ClientOptions struct {
	BaseURL string // https://host:port of the center, no path
	// Fallbacks are further instances of the same center (same CA, same database),
	// https://host:port each: a request the current instance does not answer (no
	// connection, a timeout, 502/503/504) goes to the next one in order, with the same
	// body — the same idempotency key — so a retry elsewhere replays the stored answer.
	Fallbacks   []string
	KioskID     string            // must equal the CN of Certificate; "" = taken from it
	Certificate tls.Certificate   // the kiosk's TLS client certificate and key
	CenterCAs   *x509.CertPool    // pinned CA(s) of the center's TLS certificate; never the system roots
	DocumentKey ed25519.PublicKey // pinned document-signing key of the center

	ConnectTimeout time.Duration // TCP + TLS handshake; default DefaultConnectTimeout
	RequestTimeout time.Duration // whole request; default DefaultRequestTimeout
	Clock          Clock         // the kiosk's wall clock; default SystemClock (see Now for an unset clock)
}

// Client talks to the center for one kiosk. It is safe for concurrent use.
type Client struct {
	base    *url.URL // the first instance
	ends    []endpoint
	pref    atomic.Int32 // index in ends of the instance that answered last
	moves   atomic.Int64 // requests passed on to the next instance
	kiosk   string
	docKey  ed25519.PublicKey
	timeout time.Duration
	leaf    *x509.Certificate // the kiosk's client certificate
	connect time.Duration     // TCP + TLS handshake
	tls     *tls.Config       // the transport's: kiosk certificate, center verified by verifyCenter
	clock   Clock
	center  centerClock // the center's time, from the Date header of its answers
}

// NewClient validates the options and builds a client. It makes no connection.
func NewClient(opts ClientOptions) (*Client, error) {
	var bases []*url.URL
	for _, raw := range append([]string{opts.BaseURL}, opts.Fallbacks...) {
		u, err := parseBase(raw)
		if err != nil {
			return nil, err
		}
		bases = append(bases, u)
	}
	u := bases[0]
	if len(opts.Certificate.Certificate) == 0 || opts.Certificate.PrivateKey == nil {
		return nil, errors.New("center: client: no kiosk client certificate")
	}
	leaf, err := x509.ParseCertificate(opts.Certificate.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("center: client: kiosk certificate: %w", err)
	}
	kiosk := opts.KioskID
	if kiosk == "" {
		kiosk = leaf.Subject.CommonName
	}
	if kiosk != leaf.Subject.CommonName {
		return nil, fmt.Errorf("center: client: kiosk id %q differs from the certificate's CN %q", kiosk, leaf.Subject.CommonName)
	}
	if !ValidKioskID(kiosk) {
		return nil, fmt.Errorf("center: client: kiosk id %q is not valid", kiosk)
	}
	if opts.CenterCAs == nil {
		return nil, errors.New("center: client: no pinned center CA")
	}
	if len(opts.DocumentKey) != ed25519.PublicKeySize {
		return nil, errors.New("center: client: no pinned document-signing key")
	}
	c := &Client{base: u, kiosk: kiosk, docKey: opts.DocumentKey, timeout: opts.RequestTimeout, clock: opts.Clock, leaf: leaf}
	if c.timeout <= 0 {
		c.timeout = DefaultRequestTimeout
	}
	if c.clock == nil {
		c.clock = SystemClock
	}
	connect := opts.ConnectTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	c.connect = connect
	c.tls = &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{opts.Certificate},
		// The center's certificate is verified in verifyCenter, against the pinned
		// CA and the URL's host, at the time the kiosk can trust (see Now).
		InsecureSkipVerify: true,
		VerifyConnection:   func(cs tls.ConnectionState) error { return c.verifyCenter(cs, opts.CenterCAs) },
	}
	for _, b := range bases {
		// Each instance's certificate is checked against its own host name.
		tc := c.tls.Clone()
		host := b.Hostname()
		tc.VerifyConnection = func(cs tls.ConnectionState) error { return c.verifyCenterHost(cs, opts.CenterCAs, host) }
		tr := &http.Transport{
			DialContext:           (&net.Dialer{Timeout: connect}).DialContext,
			TLSHandshakeTimeout:   connect,
			TLSClientConfig:       tc,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: c.timeout,
		}
		hc := &http.Client{Transport: tr, Timeout: c.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		c.ends = append(c.ends, endpoint{base: b, http: hc, tls: tc})
	}
	return c, nil
}

// endpoint is one instance of the center.
type endpoint struct {
	base *url.URL
	http *http.Client
	tls  *tls.Config // its transport's (the center verified against base's host)
}

// parseBase reads a center base URL: https://host[:port], no path.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("center: client: base URL %q is not https://host[:port]", raw)
	}
	u.Path = ""
	return u, nil
}

// KioskID is the kiosk id this client speaks for.
func (c *Client) KioskID() string { return c.kiosk }

// Close drops idle connections.
func (c *Client) Close() {
	for _, e := range c.ends {
		e.http.CloseIdleConnections()
	}
}

// Challenge gets a fresh one-time challenge.
func (c *Client) Challenge(ctx context.Context) (Challenge, error) {
	var ch Challenge
	if err := c.do(ctx, http.MethodPost, PathChallenges, ChallengeRequest{KioskID: c.kiosk}, &ch); err != nil {
		return Challenge{}, fmt.Errorf("center: challenge: %w", err)
	}
	if !ValidChallenge(ch.Challenge) {
		return Challenge{}, fmt.Errorf("center: challenge: malformed challenge from center: %w", ErrRetryLater)
	}
	return ch, nil
}

// Issue is the kiosk's part of an issuance: what the card produced and what was asked.
type Issue struct {
	Key       string // idempotency key (the transaction id), committed by the kiosk before the first attempt
	Challenge string // from Challenge
	AuthCert  []byte // DER of the card's authentication certificate
	Signature []byte // the card's signature over Digest(Challenge, KioskID, Request)
	Request   Request
}

// Issued is a verified document. Payload and Signature are the bytes as received; keep
// them to re-verify before printing (VerifyDocument) or to print a QR code.
type Issued struct {
	Document  Document
	Payload   []byte
	Signature []byte
}

// Issue asks the center for a document and returns it only after the center's signature
// verified and the document proved bound to this kiosk, this key, this card and this
// request. Errors: ErrRetryLater (send the same Issue again: same key), ErrRefused with a
// reason sentinel, ErrBadDocument (never print; void).
func (c *Client) Issue(ctx context.Context, in Issue) (*Issued, error) {
	if err := in.Request.Validate(); err != nil {
		return nil, fmt.Errorf("center: issue: %w: %w: %w", ErrRefused, ErrBadRequest, err)
	}
	if !ValidKey(in.Key) {
		return nil, fmt.Errorf("center: issue: %w: %w: malformed key", ErrRefused, ErrBadRequest)
	}
	body := IssueRequest{KioskID: c.kiosk, Key: in.Key, Challenge: in.Challenge, AuthCert: in.AuthCert,
		Signature: in.Signature, Request: in.Request}
	var resp IssueResponse
	if err := c.do(ctx, http.MethodPost, PathIssuances, body, &resp); err != nil {
		return nil, fmt.Errorf("center: issue: %w", err)
	}
	doc, err := VerifyDocument(c.docKey, resp.Payload, resp.Signature)
	if err != nil {
		return nil, fmt.Errorf("center: issue: %w", err)
	}
	if err := CheckBinding(doc, c.kiosk, in.Key, in.AuthCert, in.Request); err != nil {
		return nil, fmt.Errorf("center: issue: %w", err)
	}
	return &Issued{Document: doc, Payload: resp.Payload, Signature: resp.Signature}, nil
}

// VerifyDocument checks the center's Ed25519 signature over payload and decodes it
// strictly. Any failure wraps ErrBadDocument.
func VerifyDocument(pub ed25519.PublicKey, payload, sig []byte) (Document, error) {
	if len(pub) != ed25519.PublicKeySize {
		return Document{}, fmt.Errorf("%w: no document-signing key", ErrBadDocument)
	}
	if len(payload) == 0 || !ed25519.Verify(pub, DocumentSigningInput(payload), sig) {
		return Document{}, fmt.Errorf("%w: center signature does not verify", ErrBadDocument)
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Document{}, fmt.Errorf("%w: payload: %v", ErrBadDocument, err)
	}
	if dec.More() {
		return Document{}, fmt.Errorf("%w: trailing data after payload", ErrBadDocument)
	}
	if doc.Version != 1 {
		return Document{}, fmt.Errorf("%w: version %d", ErrBadDocument, doc.Version)
	}
	return doc, nil
}

// CheckBinding checks that a verified document belongs to this kiosk, transaction, card
// and request (the lesson of the 2023 wrong-person incidents). Failures wrap ErrBadDocument.
func CheckBinding(doc Document, kioskID, key string, authCertDER []byte, req Request) error {
	switch {
	case doc.KioskID != kioskID:
		return fmt.Errorf("%w: document for kiosk %q, not %q", ErrBadDocument, doc.KioskID, kioskID)
	case doc.Key != key:
		return fmt.Errorf("%w: document for another transaction", ErrBadDocument)
	case doc.CardFingerprint != Fingerprint(authCertDER):
		return fmt.Errorf("%w: document bound to another card", ErrBadDocument)
	case doc.Request != req:
		return fmt.Errorf("%w: document for another request", ErrBadDocument)
	case doc.Content.Type != req.Type:
		return fmt.Errorf("%w: content type %q, requested %q", ErrBadDocument, doc.Content.Type, req.Type)
	case doc.IssueID == "" || doc.Content.IssuanceNumber != doc.IssueID:
		return fmt.Errorf("%w: issuance number does not match", ErrBadDocument)
	case doc.Fee != doc.UnitFee*req.Copies || doc.Fee < 0:
		return fmt.Errorf("%w: fee %d is not %d × %d", ErrBadDocument, doc.Fee, doc.UnitFee, req.Copies)
	}
	return nil
}

// Status asks what the center knows about an issuance key (crash recovery).
func (c *Client) Status(ctx context.Context, key string) (IssuanceStatus, error) {
	if !ValidKey(key) {
		return IssuanceStatus{}, fmt.Errorf("center: status: %w: %w: malformed key", ErrRefused, ErrBadRequest)
	}
	var st IssuanceStatus
	if err := c.do(ctx, http.MethodGet, PathIssuances+"/"+key, nil, &st); err != nil {
		return IssuanceStatus{}, fmt.Errorf("center: status: %w", err)
	}
	switch st.State {
	case StateUnknown, StateIssued, StateCompleted, StateVoided:
	default:
		return IssuanceStatus{}, fmt.Errorf("center: status: unknown state %q: %w", st.State, ErrRetryLater)
	}
	if st.Key != key {
		return IssuanceStatus{}, fmt.Errorf("center: status: answer for another key: %w", ErrRetryLater)
	}
	return st, nil
}

// SendMessages uploads a batch of store-and-forward messages for this kiosk. A non-nil
// error means nothing is known to be delivered (retry the batch with the same keys); on
// success every result is accepted, duplicate (both delivered) or refused (permanent).
func (c *Client) SendMessages(ctx context.Context, msgs []Message) ([]MessageResult, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if len(msgs) > MaxBatch {
		return nil, fmt.Errorf("center: send messages: %w: %w: batch of %d exceeds %d", ErrRefused, ErrBadRequest, len(msgs), MaxBatch)
	}
	var out MessageResults
	if err := c.do(ctx, http.MethodPost, PathMessages, MessageBatch{KioskID: c.kiosk, Messages: msgs}, &out); err != nil {
		return nil, fmt.Errorf("center: send messages: %w", err)
	}
	return out.Results, nil
}

// do performs one exchange. Transport failures and undecodable answers wrap ErrRetryLater.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, raw, err := c.exchange(ctx, method, path, in)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{Status: resp.StatusCode, Code: CodeInternal}
		if eb, ok := decodeErrorBody(raw); ok {
			e.Code, e.Reason, e.Message = eb.Error.Code, eb.Error.Reason, eb.Error.Message
		} else {
			e.Message = strings.TrimSpace(string(raw[:min(len(raw), 200)]))
			if resp.StatusCode >= 400 && resp.StatusCode < 500 {
				e.Code = CodeBadRequest
			}
		}
		return e
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("%w: answer content type %q", ErrRetryLater, ct)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%w: decode answer: %w", ErrRetryLater, err)
	}
	return nil
}

// exchange sends one request (in as its JSON body, unless nil) and reads the answer, at
// most maxResponseBytes; the answer's Date header feeds the center clock. It starts at the
// instance that answered last and fails over to the next ones in order (see
// ClientOptions.Fallbacks). Transport failures wrap ErrRetryLater.
func (c *Client) exchange(ctx context.Context, method, path string, in any) (*http.Response, []byte, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, nil, fmt.Errorf("encode: %w", err)
		}
		body = b
	}
	start := int(c.pref.Load())
	var resp *http.Response
	var raw []byte
	var err error
	for i := range c.ends {
		at := (start + i) % len(c.ends)
		resp, raw, err = c.exchangeAt(ctx, c.ends[at], method, path, in != nil, body)
		if i == len(c.ends)-1 || ctx.Err() != nil || !failOver(resp, err) {
			if err == nil {
				c.pref.Store(int32(at))
			}
			break
		}
		c.moves.Add(1)
	}
	return resp, raw, err
}

// FailOvers counts the requests this client passed on from one instance to the next.
func (c *Client) FailOvers() int64 { return c.moves.Load() }

// failOver reports whether an exchange's outcome means this instance cannot serve now
// (another may): no answer at all, or a gateway's or an overloaded center's status.
func failOver(resp *http.Response, err error) bool {
	if err != nil {
		return errors.Is(err, ErrRetryLater)
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// exchangeAt is one exchange with one instance.
func (c *Client) exchangeAt(ctx context.Context, e endpoint, method, path string, hasBody bool, body []byte) (*http.Response, []byte, error) {
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(body)
	}
	u := *e.base
	u.Path = path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrRetryLater, err)
	}
	defer resp.Body.Close()
	c.center.observe(resp)
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: read answer: %w", ErrRetryLater, err)
	}
	if len(raw) > maxResponseBytes {
		return nil, nil, fmt.Errorf("%w: answer over %d bytes", ErrRetryLater, maxResponseBytes)
	}
	return resp, raw, nil
}

// decodeErrorBody reads a protocol error body; ok is false when raw is none.
func decodeErrorBody(raw []byte) (eb ErrorBody, ok bool) {
	return eb, json.Unmarshal(raw, &eb) == nil && eb.Error.Code != ""
}
