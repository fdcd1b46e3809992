package server

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"madoguchi/center"
)

// Resident statuses.
const (
	StatusActive   = "active"
	StatusMovedOut = "moved_out" // 転出 (or 転出予定)
	StatusDeceased = "deceased"
)

// Resident is one record of the municipality's resident registry as the center keeps it.
// Code is the municipality's internal resident code — never a My Number.
type Resident struct {
	Code         string // unique, e.g. "R0001"
	Municipality string // Municipality.Code
	Household    string // 世帯 id; members of a household share it
	Name         string // 氏名, e.g. 見本　花子
	Kana         string // フリガナ
	Birth        string // YYYY-MM-DD (Gregorian)
	Sex          string // "1" 男, "2" 女, "9"
	Address      string
	Relationship string // 続柄: 世帯主, 妻, 子, ...
	Since        string // YYYY-MM-DD: 住民となった日
	Status       string // StatusActive (default), StatusMovedOut, StatusDeceased
	Domicile     string // 本籍 when it is in this municipality; "" = 戸籍 not available here
	FamilyHead   string // 筆頭者
	SealNumber   string // 印鑑登録番号; "" = no seal registered
	TaxYear      int    // 年度 of the tax data; 0 = none
	Income       int    // 所得金額 (yen)
	Tax          int    // 市民税・県民税 (yen)
}

// Validate checks the record's formats.
func (r Resident) Validate() error {
	if r.Code == "" || r.Municipality == "" || r.Household == "" || r.Name == "" || r.Address == "" {
		return fmt.Errorf("resident %q: code, municipality, household, name and address are required", r.Code)
	}
	if _, err := time.Parse("2006-01-02", r.Birth); err != nil {
		return fmt.Errorf("resident %s: birth %q is not YYYY-MM-DD", r.Code, r.Birth)
	}
	if r.Since != "" {
		if _, err := time.Parse("2006-01-02", r.Since); err != nil {
			return fmt.Errorf("resident %s: since %q is not YYYY-MM-DD", r.Code, r.Since)
		}
	}
	switch r.Sex {
	case "1", "2", "9":
	default:
		return fmt.Errorf("resident %s: sex %q is not 1, 2 or 9", r.Code, r.Sex)
	}
	switch r.Status {
	case "", StatusActive, StatusMovedOut, StatusDeceased:
	default:
		return fmt.Errorf("resident %s: status %q", r.Code, r.Status)
	}
	if r.TaxYear < 0 || r.Income < 0 || r.Tax < 0 {
		return fmt.Errorf("resident %s: negative tax data", r.Code)
	}
	return nil
}

// AddResident inserts or replaces (by Code) a resident record.
func (s *Server) AddResident(ctx context.Context, r Resident) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("center/server: add resident: %w", err)
	}
	if _, ok := s.munis[r.Municipality]; !ok {
		return fmt.Errorf("center/server: add resident %s: unknown municipality %q", r.Code, r.Municipality)
	}
	if r.Status == "" {
		r.Status = StatusActive
	}
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: add resident %s: %w", r.Code, err)
	}
	defer done()
	defer tx.Rollback()
	if _, err := upsertResident(ctx, tx, r); err != nil {
		return fmt.Errorf("center/server: add resident: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("center/server: add resident %s: %w", r.Code, err)
	}
	return nil
}

// errOtherMunicipality: a resident code already held by another municipality.
var errOtherMunicipality = errors.New("belongs to municipality")

// upsertResident inserts a resident or replaces the record with the same code, and
// returns its row id. Resident codes come from each municipality's own registry: a code
// already held by another municipality is refused, never moved (its cards would follow).
func upsertResident(ctx context.Context, tx *txn, r Resident) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO residents(code, municipality, household, name, kana, birth, sex, address,
		relationship, since, status, domicile, family_head, seal_number, tax_year, income, tax)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(code) DO UPDATE SET household=excluded.household,
		name=excluded.name, kana=excluded.kana, birth=excluded.birth, sex=excluded.sex, address=excluded.address,
		relationship=excluded.relationship, since=excluded.since, status=excluded.status, domicile=excluded.domicile,
		family_head=excluded.family_head, seal_number=excluded.seal_number, tax_year=excluded.tax_year,
		income=excluded.income, tax=excluded.tax
		WHERE residents.municipality = excluded.municipality RETURNING id`,
		r.Code, r.Municipality, r.Household, r.Name, r.Kana, r.Birth, r.Sex, r.Address, r.Relationship, r.Since,
		r.Status, r.Domicile, r.FamilyHead, r.SealNumber, r.TaxYear, r.Income, r.Tax).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		var owner string
		if err := tx.QueryRowContext(ctx, `SELECT municipality FROM residents WHERE code = ?`, r.Code).Scan(&owner); err != nil {
			return 0, fmt.Errorf("resident %s: %w", r.Code, err)
		}
		return 0, fmt.Errorf("resident %s %w %s, not %s", r.Code, errOtherMunicipality, owner, r.Municipality)
	}
	if err != nil {
		return 0, fmt.Errorf("resident %s: %w", r.Code, err)
	}
	return id, nil
}

// BindCert binds a card's authentication certificate (by its SHA-256 fingerprint) to the
// resident with the given code. A card is bound to one resident; binding again moves it.
func (s *Server) BindCert(ctx context.Context, code string, cert *x509.Certificate) error {
	return s.bind(ctx, code, "sha256:"+center.Fingerprint(cert.Raw))
}

// BindSerial binds a certificate serial (hex, colons allowed) under its issuing JPKI root
// to a resident, for imports that know serials only. A serial is unique per issuer only:
// J-LIS rolls its CAs, and two generations may each have issued the same serial. issuer
// names one of the center's JPKI roots (ResolveIssuer); "" means the only one.
func (s *Server) BindSerial(ctx context.Context, code, issuer, serial string) error {
	n, err := ParseSerial(serial)
	if err != nil {
		return fmt.Errorf("center/server: bind serial: %w", err)
	}
	id, err := s.ResolveIssuer(issuer)
	if err != nil {
		return fmt.Errorf("center/server: bind serial: %w", err)
	}
	return s.bind(ctx, code, serialBinding(id, n))
}

// serialBinding is the cards.binding of a serial under an issuer (IssuerID).
func serialBinding(issuer string, serial *big.Int) string {
	return "serial:" + issuer + ":" + serial.Text(16)
}

func (s *Server) bind(ctx context.Context, code, binding string) error {
	res, err := s.q().ExecContext(ctx, `INSERT INTO cards(binding, resident_id) SELECT CAST(? AS TEXT), id FROM residents WHERE code = ?
		ON CONFLICT(binding) DO UPDATE SET resident_id = excluded.resident_id`, binding, code)
	if err != nil {
		return fmt.Errorf("center/server: bind card to %s: %w", code, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("center/server: bind card: no resident %q", code)
	}
	return nil
}

// ParseSerial reads a certificate serial number in hex (colons and a 0x prefix allowed).
func ParseSerial(s string) (*big.Int, error) {
	h := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(s), ":", ""), "0x"))
	n, ok := new(big.Int).SetString(h, 16)
	if !ok || h == "" || n.Sign() < 0 {
		return nil, fmt.Errorf("serial %q is not hexadecimal", s)
	}
	return n, nil
}

// Revoke suspends the certificate with this serial from this issuer (a JPKI root, as
// ResolveIssuer reads it; "" = the only one) at once: every later issuance request with it
// is refused (the 24-hour hotline's suspension). The same serial from another root is not
// affected. Revoking twice is not an error.
func (s *Server) Revoke(ctx context.Context, issuer string, serial *big.Int, reason string) error {
	if serial == nil || serial.Sign() < 0 {
		return errors.New("center/server: revoke: no serial")
	}
	id, err := s.ResolveIssuer(issuer)
	if err != nil {
		return fmt.Errorf("center/server: revoke %s: %w", serial.Text(16), err)
	}
	_, err = s.q().ExecContext(ctx, `INSERT INTO revocations(issuer, serial, revoked_at, reason) VALUES (?, ?, ?, ?)
		ON CONFLICT(issuer, serial) DO NOTHING`, id, serial.Text(16), s.clock.Now().Unix(), reason)
	if err != nil {
		return fmt.Errorf("center/server: revoke %s: %w", serial.Text(16), err)
	}
	return nil
}

// Reinstate lifts a suspension (done at the municipal window, never by the hotline).
func (s *Server) Reinstate(ctx context.Context, issuer string, serial *big.Int) error {
	if serial == nil || serial.Sign() < 0 {
		return errors.New("center/server: reinstate: no serial")
	}
	id, err := s.ResolveIssuer(issuer)
	if err != nil {
		return fmt.Errorf("center/server: reinstate %s: %w", serial.Text(16), err)
	}
	if _, err := s.q().ExecContext(ctx, `DELETE FROM revocations WHERE issuer = ? AND serial = ?`, id, serial.Text(16)); err != nil {
		return fmt.Errorf("center/server: reinstate %s: %w", serial.Text(16), err)
	}
	return nil
}

// IssuerID identifies a JPKI root: hex SHA-256 of its SubjectPublicKeyInfo. Generations of
// J-LIS roots may share a name; they never share a key, and a re-certified root keeps it.
func IssuerID(ca *x509.Certificate) string {
	return center.Fingerprint(ca.RawSubjectPublicKeyInfo)
}

// ResolveIssuer reads an operator's name for one of the center's JPKI roots (signing
// roots too, by name): its
// certificate's SHA-256 fingerprint or its IssuerID (hex, colons and a "sha256:" prefix
// allowed), or "" when the center trusts exactly one root. It returns the IssuerID.
func (s *Server) ResolveIssuer(name string) (string, error) {
	if name == "" {
		if len(s.issuers) != 1 {
			return "", fmt.Errorf("the center trusts %d JPKI roots: name the card's issuer", len(s.issuers))
		}
		return IssuerID(s.issuers[0]), nil
	}
	h := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(name), ":", ""), "sha256"))
	for _, ca := range append(append([]*x509.Certificate(nil), s.issuers...), s.signers...) {
		if id := IssuerID(ca); h == id || h == center.Fingerprint(ca.Raw) {
			return id, nil
		}
	}
	return "", fmt.Errorf("issuer %q is none of the center's JPKI roots", name)
}

// CSVColumns are the columns of a residents CSV (header row required, any order; the
// ones after code..address optional). card_fingerprint (hex SHA-256 of the card's
// authentication certificate) or card_serial (hex) binds the card; card_issuer names the
// JPKI root of card_serial (ResolveIssuer; required when the center trusts several).
var CSVColumns = []string{"code", "municipality", "household", "name", "kana", "birth", "sex", "address",
	"relationship", "since", "status", "domicile", "family_head", "seal_number", "tax_year", "income", "tax",
	"card_fingerprint", "card_serial", "card_issuer"}

// ImportCSV reads residents from CSV and stores them all in one transaction: either every
// row is imported or none. Errors name the line (the first few of them).
func (s *Server) ImportCSV(ctx context.Context, in io.Reader) (int, error) {
	rep, err := s.ImportResidents(ctx, in, ImportOptions{})
	if err != nil {
		return 0, err
	}
	return rep.Rows, nil
}

// MaxImportErrors bounds the line errors an import lists.
const MaxImportErrors = 100

// ImportOptions: Check only reads, validates and tries the import in a transaction that
// is rolled back; Operator, when set, writes the attempt to the audit table (the console).
type ImportOptions struct {
	Check    bool
	Operator string
	Source   string // what was imported, for the audit line (e.g. the uploaded file's name)
}

// ImportError is one line-numbered problem of a residents CSV.
type ImportError struct {
	Line int // 1 = the header
	Msg  string
}

func (e ImportError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ImportRow is one imported (or checked) line: no personal data beyond the codes.
type ImportRow struct {
	Line                          int
	Code, Municipality, Household string
	Replaces                      bool // a resident with this code was already there
	Cards                         int  // card bindings on the line
}

// ImportReport is what an import did, or for a check would do. With any Errors nothing
// was stored.
type ImportReport struct {
	Rows, New, Replaced, Cards int
	Lines                      []ImportRow   // every row, in file order
	Errors                     []ImportError // at most MaxImportErrors
	MoreErrors                 bool          // more errors than listed
	Checked                    bool          // a check: nothing was stored even without errors
}

// ErrImportRefused: the CSV had errors (ImportReport.Errors); nothing was imported.
var ErrImportRefused = errors.New("center/server: import refused")

// ImportResidents reads residents from CSV (CSVColumns) and stores them all in one
// transaction, or none: every line's problems are collected (up to MaxImportErrors; a
// CSV syntax error other than a wrong field count ends the reading) and any problem
// refuses the whole file with ErrImportRefused, its message naming the first lines. The
// report says what was (or, for a check, would be) done. Other errors are the database's.
func (s *Server) ImportResidents(ctx context.Context, in io.Reader, opts ImportOptions) (ImportReport, error) {
	rep, rows := s.parseResidents(in)
	if len(rep.Errors) == 0 {
		if err := s.storeResidents(ctx, &rep, rows, opts); err != nil {
			return rep, err
		}
	}
	rep.Checked = opts.Check
	if len(rep.Errors) > 0 || opts.Check {
		if opts.Operator != "" {
			if err := s.auditImport(ctx, rep, opts); err != nil {
				return rep, err
			}
		}
	}
	if len(rep.Errors) > 0 {
		var msg []string
		for i, e := range rep.Errors {
			if i == 3 {
				msg = append(msg, fmt.Sprintf("… %d more", len(rep.Errors)-3))
				break
			}
			msg = append(msg, e.Error())
		}
		return rep, fmt.Errorf("%w: %s", ErrImportRefused, strings.Join(msg, "; "))
	}
	return rep, nil
}

func (rep *ImportReport) fail(line int, format string, a ...any) {
	if len(rep.Errors) == MaxImportErrors {
		rep.MoreErrors = true
		return
	}
	rep.Errors = append(rep.Errors, ImportError{Line: line, Msg: fmt.Sprintf(format, a...)})
}

type importRow struct {
	r          Resident
	fp, serial string
	line       int
}

func (s *Server) parseResidents(in io.Reader) (ImportReport, []importRow) {
	var rep ImportReport
	cr := csv.NewReader(in)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		rep.fail(1, "header: %v", err)
		return rep, nil
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		if !known[h] {
			rep.fail(1, "unknown column %q", h)
			continue
		}
		if _, dup := col[h]; dup {
			rep.fail(1, "column %q twice", h)
		}
		col[h] = i
	}
	for _, req := range []string{"code", "municipality", "household", "name", "birth", "sex", "address"} {
		if _, ok := col[req]; !ok {
			rep.fail(1, "missing column %q", req)
		}
	}
	if len(rep.Errors) > 0 {
		return rep, nil
	}
	var rows []importRow
	lineOf := map[string]int{} // resident code → line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.fail(pe.StartLine, "%v", pe.Err)
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				continue
			}
			break // the rest of the file cannot be read as CSV
		}
		if err != nil {
			rep.fail(0, "%v", err)
			break
		}
		line, _ := cr.FieldPos(0) // valid after a good Read only
		if x, ok := s.parseResident(&rep, rec, col, line); ok {
			if prev, dup := lineOf[x.r.Code]; dup {
				rep.fail(line, "resident %s also on line %d", x.r.Code, prev)
				continue
			}
			lineOf[x.r.Code] = line
			rows = append(rows, x)
		}
	}
	return rep, rows
}

// parseResident reads and checks one line; its problems go into rep.
func (s *Server) parseResident(rep *ImportReport, rec []string, col map[string]int, line int) (importRow, bool) {
	before := len(rep.Errors) + btoi(rep.MoreErrors)
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	num := func(name string) int {
		v := get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			rep.fail(line, "%s %q is not a number", name, v)
		}
		return n
	}
	r := Resident{Code: get("code"), Municipality: get("municipality"), Household: get("household"), Name: get("name"),
		Kana: get("kana"), Birth: get("birth"), Sex: get("sex"), Address: get("address"), Relationship: get("relationship"),
		Since: get("since"), Status: get("status"), Domicile: get("domicile"), FamilyHead: get("family_head"),
		SealNumber: get("seal_number"), TaxYear: num("tax_year"), Income: num("income"), Tax: num("tax")}
	if err := r.Validate(); err != nil {
		rep.fail(line, "%v", err)
	}
	if _, ok := s.munis[r.Municipality]; !ok {
		rep.fail(line, "unknown municipality %q", r.Municipality)
	}
	if r.Status == "" {
		r.Status = StatusActive
	}
	x := importRow{r: r, fp: strings.ToLower(get("card_fingerprint")), serial: get("card_serial"), line: line}
	if x.fp != "" && !isHex(x.fp, 64) {
		rep.fail(line, "card_fingerprint is not 64 hex digits")
	}
	if x.serial != "" {
		n, err := ParseSerial(x.serial)
		if err != nil {
			rep.fail(line, "%v", err)
		} else if id, err := s.ResolveIssuer(get("card_issuer")); err != nil {
			rep.fail(line, "card_serial: %v", err)
		} else {
			x.serial = serialBinding(id, n)
		}
	} else if get("card_issuer") != "" {
		rep.fail(line, "card_issuer without card_serial")
	}
	return x, len(rep.Errors)+btoi(rep.MoreErrors) == before
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storeResidents writes the rows in one transaction (rolled back for a check or on any
// line's error) and fills the report.
func (s *Server) storeResidents(ctx context.Context, rep *ImportReport, rows []importRow, opts ImportOptions) error {
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: import: %w", err)
	}
	defer done()
	defer tx.Rollback()
	for _, x := range rows {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM residents WHERE code = ?`, x.r.Code).Scan(&exists); err != nil {
			return fmt.Errorf("center/server: import: line %d: %w", x.line, err)
		}
		id, err := upsertResident(ctx, tx, x.r)
		if errors.Is(err, errOtherMunicipality) {
			rep.fail(x.line, "%v", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("center/server: import: line %d: %w", x.line, err)
		}
		row := ImportRow{Line: x.line, Code: x.r.Code, Municipality: x.r.Municipality, Household: x.r.Household, Replaces: exists > 0}
		for _, b := range []string{prefixed("sha256:", x.fp), x.serial} {
			if b == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cards(binding, resident_id) VALUES (?, ?)
				ON CONFLICT(binding) DO UPDATE SET resident_id = excluded.resident_id`, b, id); err != nil {
				return fmt.Errorf("center/server: import: line %d: %w", x.line, err)
			}
			row.Cards++
		}
		rep.Lines = append(rep.Lines, row)
		rep.Rows++
		rep.Cards += row.Cards
		if row.Replaces {
			rep.Replaced++
		} else {
			rep.New++
		}
	}
	if len(rep.Errors) > 0 || opts.Check {
		return nil // rolled back
	}
	if opts.Operator != "" {
		if err := audit(ctx, tx, s.clock.Now().UnixNano(), opts.Operator, "residents.import", auditSource(opts.Source), rep.summary()); err != nil {
			return fmt.Errorf("center/server: import: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("center/server: import: commit: %w", err)
	}
	return nil
}

func (rep ImportReport) summary() string {
	if len(rep.Errors) > 0 {
		more := ""
		if rep.MoreErrors {
			more = "+"
		}
		return fmt.Sprintf("refused: %d%s line errors (first: %s); nothing changed", len(rep.Errors), more, rep.Errors[0].Error())
	}
	return fmt.Sprintf("%d residents (%d new, %d replaced), %d card bindings", rep.Rows, rep.New, rep.Replaced, rep.Cards)
}

// auditSource keeps a file name short and valid text for the audit table.
func auditSource(s string) string {
	if len(s) > 100 {
		s = s[:100]
	}
	return strings.ToValidUTF8(s, "?")
}

// auditImport records a check or a refused import in a transaction of its own.
func (s *Server) auditImport(ctx context.Context, rep ImportReport, opts ImportOptions) error {
	action := "residents.import"
	if opts.Check {
		action = "residents.check"
	}
	tx, done, err := s.beginWrite(ctx, "")
	if err != nil {
		return fmt.Errorf("center/server: import: audit: %w", err)
	}
	defer done()
	defer tx.Rollback()
	if err := audit(ctx, tx, s.clock.Now().UnixNano(), opts.Operator, action, auditSource(opts.Source), rep.summary()); err != nil {
		return fmt.Errorf("center/server: import: %w", err)
	}
	return tx.Commit()
}

func prefixed(p, v string) string {
	if v == "" {
		return ""
	}
	return p + v
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// residentByCard finds the resident bound to a certificate: by fingerprint, else by
// serial under the root the certificate chains to (issuer, an IssuerID).
func residentByCard(ctx context.Context, tx *txn, cert *x509.Certificate, issuer string) (int64, Resident, error) {
	var id int64
	var r Resident
	err := tx.QueryRowContext(ctx, `SELECT r.id, r.code, r.municipality, r.household, r.name, r.kana, r.birth, r.sex, r.address,
		r.relationship, r.since, r.status, r.domicile, r.family_head, r.seal_number, r.tax_year, r.income, r.tax
		FROM cards c JOIN residents r ON r.id = c.resident_id WHERE c.binding IN (?, ?)
		ORDER BY c.binding LIKE 'sha256:%' DESC LIMIT 1`,
		"sha256:"+center.Fingerprint(cert.Raw), serialBinding(issuer, cert.SerialNumber)).Scan(&id, &r.Code, &r.Municipality,
		&r.Household, &r.Name, &r.Kana, &r.Birth, &r.Sex, &r.Address, &r.Relationship, &r.Since, &r.Status, &r.Domicile,
		&r.FamilyHead, &r.SealNumber, &r.TaxYear, &r.Income, &r.Tax)
	return id, r, err
}

// household returns the active members of a household in registry order (世帯主 first,
// then by birth). Household ids come from each municipality's own registry, so a
// household is (municipality, id): two towns may both have an "H0001".
func household(ctx context.Context, tx *txn, municipality, hh string) ([]Resident, error) {
	rows, err := tx.QueryContext(ctx, `SELECT code, name, kana, birth, sex, address, relationship, since, domicile, family_head
		FROM residents WHERE municipality = ? AND household = ? AND status = 'active'
		ORDER BY relationship != '世帯主', birth, code`, municipality, hh)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Resident
	for rows.Next() {
		var r Resident
		if err := rows.Scan(&r.Code, &r.Name, &r.Kana, &r.Birth, &r.Sex, &r.Address, &r.Relationship, &r.Since, &r.Domicile, &r.FamilyHead); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
