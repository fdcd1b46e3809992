package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Operators of the console: people of the municipality or the platform who look at the
// fleet and suspend cards (the 24-hour hotline's action). Each has a name and a password
// kept as an argon2id hash; a login opens a session (a random token, stored hashed) with
// its own CSRF token; every action, and every login, is written to the audit table.
const (
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends every session this long after its login.
	SessionMax = 8 * time.Hour
	// LoginFailures wrong passwords in a row from one source address lock that address
	// out of that operator's name for LoginLockout; the operator can still log in from
	// elsewhere (a lock on the name alone would let anyone lock an operator out).
	LoginFailures = 5
	LoginLockout  = 15 * time.Minute
	// LoginAlarm wrong passwords in a row for one name, from any addresses, write a
	// login.alarm line to the audit table (and again at every further multiple): a
	// guess spread over many addresses.
	LoginAlarm = 4 * LoginFailures
	// MinPasswordBytes: operators' passwords are at least this long.
	MinPasswordBytes = 12
)

// argon2id parameters (RFC 9106's second recommended option: 64 MiB, 3 passes). A hash
// carries its parameters, so changing them later keeps old hashes valid.
const (
	ArgonTime      = 3
	ArgonMemoryKiB = 64 * 1024
	argonThreads   = 2
	argonKeyLen    = 32
)

// argonTime and argonMemory are the parameters of new hashes (the package's tests lower
// them; a hash with the real ones is checked in TestArgonParameters).
var argonTime, argonMemory uint32 = ArgonTime, ArgonMemoryKiB

// Sentinels the console branches on.
var (
	ErrLogin     = errors.New("center/server: unknown operator or wrong password")
	ErrLocked    = errors.New("center/server: operator locked after repeated failures; try again later")
	ErrNoSession = errors.New("center/server: no session (expired or logged out)")
)

// Session is a logged-in operator.
type Session struct {
	Operator string
	CSRF     string // the token every form of this session must carry
	Expires  time.Time
}

// AuditEntry is one line of the audit table.
type AuditEntry struct {
	At                               time.Time
	Operator, Action, Target, Detail string
}

// ValidOperatorName: 1-64 characters of [A-Za-z0-9._-].
func ValidOperatorName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func hashPassword(pw []byte) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey(pw, salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// checkPassword compares pw with an encoded argon2id hash in constant time.
func checkPassword(encoded string, pw []byte) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<20 || t > 10 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey(pw, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is compared against for unknown names, so that a login takes as long for a
// name that does not exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword([]byte("no such operator, no such password"))
	return h
})

// AddOperator creates an operator or sets a new password (the lock-out is lifted). The
// password buffer is zeroed.
func (s *Server) AddOperator(ctx context.Context, name string, password []byte) error {
	defer clear(password)
	if !ValidOperatorName(name) {
		return fmt.Errorf("center/server: add operator: name %q is not 1-64 characters of A-Z a-z 0-9 . _ -", name)
	}
	if len(password) < MinPasswordBytes || !utf8.Valid(password) {
		return fmt.Errorf("center/server: add operator %s: password shorter than %d bytes", name, MinPasswordBytes)
	}
	h, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("center/server: add operator %s: %w", name, err)
	}
	now := s.clock.Now().UnixNano()
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: add operator %s: %w", name, err)
	}
	defer done()
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO operators(name, hash, failures, locked_until, created_at) VALUES (?, ?, 0, 0, ?)
		ON CONFLICT(name) DO UPDATE SET hash = excluded.hash, failures = 0, locked_until = 0`, name, h, now); err != nil {
		return fmt.Errorf("center/server: add operator %s: %w", name, err)
	}
	if err := audit(ctx, tx, now, name, "operator.password", name, ""); err != nil {
		return fmt.Errorf("center/server: add operator %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("center/server: add operator %s: %w", name, err)
	}
	return nil
}

func audit(ctx context.Context, tx *txn, at int64, operator, action, target, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit(at, operator, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		at, operator, action, target, detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// LoginSource is the key the lock-out counts a client address under: an IPv4 address,
// an IPv6 address's /64 (one subscriber's usual allocation, so rotating addresses within
// it does not escape), or "unknown".
func LoginSource(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "unknown"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// lockMark in a login.failed line's detail says that failure locked its address.
const lockMark = ": this address locked for "

// sourceFailures reads, from the audit table, the wrong passwords in a row for name from
// source (since its last log-in there, its last lock-out, or the last password change)
// and whether a lock-out from there is still running. The audit lines are the lock-out's
// only state: target is the source of every log-in line.
func sourceFailures(ctx context.Context, tx *txn, name, source string, now time.Time) (failures int, locked bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT action, at, detail FROM audit WHERE operator = ? AND target = ? AND action IN ('login', 'login.failed')
		AND id > (SELECT COALESCE(MAX(id), 0) FROM audit WHERE operator = ? AND action = 'operator.password')
		ORDER BY id DESC LIMIT ?`, name, source, name, LoginFailures)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var action, detail string
		var at int64
		if err := rows.Scan(&action, &at, &detail); err != nil {
			return 0, false, err
		}
		if action == "login" {
			break
		}
		if strings.Contains(detail, lockMark) {
			locked = time.Unix(0, at).Add(LoginLockout).After(now)
			break
		}
		failures++
	}
	return failures, locked, rows.Err()
}

// Login checks an operator's password and opens a session; it returns the session's
// token (for the cookie; only its hash is stored). source is the client's address
// (LoginSource reads it; the audit lines keep it as target): LoginFailures wrong passwords
// in a row from one source lock
// that source out of the name for LoginLockout (ErrLocked, even with the right password),
// while the operator can still log in from another address; LoginAlarm failures in a row
// for the name from any sources are audited as login.alarm. Every try is audited with
// its source. The password buffer is zeroed.
func (s *Server) Login(ctx context.Context, name string, password []byte, source string) (string, Session, error) {
	defer clear(password)
	now := s.clock.Now()
	source = LoginSource(source)
	from := "from " + source
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	defer done()
	defer tx.Rollback()
	var hash string
	var nameFailures int
	err = tx.QueryRowContext(ctx, `SELECT hash, failures FROM operators WHERE name = ?`, name).Scan(&hash, &nameFailures)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	if !known {
		checkPassword(dummyHash(), password)
		name = strings.ToValidUTF8(name[:min(len(name), 64)], "?")
		if err := audit(ctx, tx, now.UnixNano(), name, "login.failed", source, from+": unknown operator"); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, errors.Join(ErrLogin, tx.Commit())
	}
	failures, locked, err := sourceFailures(ctx, tx, name, source, now)
	if err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	if locked {
		if err := audit(ctx, tx, now.UnixNano(), name, "login.locked", source, from); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, errors.Join(ErrLocked, tx.Commit())
	}
	if !checkPassword(hash, password) {
		failures++
		nameFailures++
		detail := fmt.Sprintf("%s: failure %d of %d", from, failures, LoginFailures)
		if failures >= LoginFailures {
			detail += lockMark + LoginLockout.String() + " (other addresses can still log in)"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE operators SET failures = ? WHERE name = ?`, nameFailures, name); err != nil {
			return "", Session{}, fmt.Errorf("center/server: login: %w", err)
		}
		if err := audit(ctx, tx, now.UnixNano(), name, "login.failed", source, detail); err != nil {
			return "", Session{}, err
		}
		if nameFailures%LoginAlarm == 0 {
			var sources int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT target) FROM audit WHERE operator = ? AND action = 'login.failed' AND at > ?`,
				name, now.Add(-24*time.Hour).UnixNano()).Scan(&sources); err != nil {
				return "", Session{}, fmt.Errorf("center/server: login: %w", err)
			}
			if err := audit(ctx, tx, now.UnixNano(), name, "login.alarm", "", fmt.Sprintf(
				"%d wrong passwords in a row for this name from %d address(es) in the last day; each address is locked after %d", nameFailures, sources, LoginFailures)); err != nil {
				return "", Session{}, err
			}
		}
		return "", Session{}, errors.Join(ErrLogin, tx.Commit())
	}
	token, err := randomToken()
	if err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	exp := now.Add(SessionIdle)
	if _, err := tx.ExecContext(ctx, `UPDATE operators SET failures = 0, locked_until = 0 WHERE name = ?`, name); err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM operator_sessions WHERE expires_at <= ?`, now.UnixNano()); err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO operator_sessions(token_hash, operator, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tokenHash(token), name, csrf, now.UnixNano(), exp.UnixNano()); err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	if err := audit(ctx, tx, now.UnixNano(), name, "login", source, from); err != nil {
		return "", Session{}, err
	}
	if err := tx.Commit(); err != nil {
		return "", Session{}, fmt.Errorf("center/server: login: %w", err)
	}
	return token, Session{Operator: name, CSRF: csrf, Expires: exp}, nil
}

// Session returns the session of a token and extends it by SessionIdle (never past
// SessionMax after the login). An unknown, logged-out or expired token is ErrNoSession.
func (s *Server) Session(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, ErrNoSession
	}
	now := s.clock.Now()
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return Session{}, fmt.Errorf("center/server: session: %w", err)
	}
	defer done()
	defer tx.Rollback()
	var ss Session
	var created, exp int64
	err = tx.QueryRowContext(ctx, `SELECT operator, csrf, created_at, expires_at FROM operator_sessions WHERE token_hash = ?`,
		tokenHash(token)).Scan(&ss.Operator, &ss.CSRF, &created, &exp)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp <= now.UnixNano() {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("center/server: session: %w", err)
	}
	next := min(now.Add(SessionIdle).UnixNano(), time.Unix(0, created).Add(SessionMax).UnixNano())
	if _, err := tx.ExecContext(ctx, `UPDATE operator_sessions SET expires_at = ? WHERE token_hash = ?`, next, tokenHash(token)); err != nil {
		return Session{}, fmt.Errorf("center/server: session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Session{}, fmt.Errorf("center/server: session: %w", err)
	}
	ss.Expires = time.Unix(0, next)
	return ss, nil
}

// Logout ends a session (audited).
func (s *Server) Logout(ctx context.Context, token string) error {
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: logout: %w", err)
	}
	defer done()
	defer tx.Rollback()
	var op string
	err = tx.QueryRowContext(ctx, `DELETE FROM operator_sessions WHERE token_hash = ? RETURNING operator`, tokenHash(token)).Scan(&op)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("center/server: logout: %w", err)
	}
	if err := audit(ctx, tx, s.clock.Now().UnixNano(), op, "logout", "", ""); err != nil {
		return err
	}
	return tx.Commit()
}

// SuspendCard is Revoke by an operator: the suspension and its audit line in one
// transaction. The reason is required.
func (s *Server) SuspendCard(ctx context.Context, operator, issuer string, serial *big.Int, reason string) error {
	return s.cardAction(ctx, operator, issuer, serial, reason, true)
}

// ReinstateCard is Reinstate by an operator, audited like SuspendCard.
func (s *Server) ReinstateCard(ctx context.Context, operator, issuer string, serial *big.Int, reason string) error {
	return s.cardAction(ctx, operator, issuer, serial, reason, false)
}

func (s *Server) cardAction(ctx context.Context, operator, issuer string, serial *big.Int, reason string, suspend bool) error {
	what := map[bool]string{true: "suspend", false: "reinstate"}[suspend]
	reason = strings.TrimSpace(reason)
	if serial == nil || serial.Sign() < 0 {
		return fmt.Errorf("center/server: %s: no serial", what)
	}
	if reason == "" || len(reason) > 500 || !utf8.ValidString(reason) {
		return fmt.Errorf("center/server: %s %s: a reason of 1 to 500 bytes is required", what, serial.Text(16))
	}
	id, err := s.ResolveIssuer(issuer)
	if err != nil {
		return fmt.Errorf("center/server: %s %s: %w", what, serial.Text(16), err)
	}
	now := s.clock.Now()
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: %s: %w", what, err)
	}
	defer done()
	defer tx.Rollback()
	if suspend {
		_, err = tx.ExecContext(ctx, `INSERT INTO revocations(issuer, serial, revoked_at, reason) VALUES (?, ?, ?, ?)
			ON CONFLICT(issuer, serial) DO NOTHING`, id, serial.Text(16), now.Unix(), reason)
	} else {
		_, err = tx.ExecContext(ctx, `DELETE FROM revocations WHERE issuer = ? AND serial = ?`, id, serial.Text(16))
	}
	if err != nil {
		return fmt.Errorf("center/server: %s %s: %w", what, serial.Text(16), err)
	}
	if err := audit(ctx, tx, now.UnixNano(), operator, "card."+what, id[:16]+"…/"+serial.Text(16), reason); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("center/server: %s %s: %w", what, serial.Text(16), err)
	}
	return nil
}

// AuditLog returns the newest audit lines first, at most limit.
func (s *Server) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT at, operator, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("center/server: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&at, &e.Operator, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("center/server: audit: %w", err)
		}
		e.At = time.Unix(0, at)
		out = append(out, e)
	}
	return out, rows.Err()
}
