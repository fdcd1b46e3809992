package reader

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on (test with errors.Is).
var (
	// ErrCardRemoved: the card left the reader (or was reset by someone else) mid-operation.
	ErrCardRemoved = errors.New("reader: card removed")
	// ErrNoCard: no card is present in the reader.
	ErrNoCard = errors.New("reader: no card in reader")
	// ErrReaderGone: the reader (or the PC/SC service) disappeared.
	ErrReaderGone = errors.New("reader: reader or pc/sc service unavailable")
	// ErrNotJPKI: the card has no JPKI application (not a My Number Card).
	ErrNotJPKI = errors.New("reader: not a my number card (no jpki application)")
	// ErrJukiCard: the card is an old 住基カード, whose certificates are no longer issued.
	ErrJukiCard = errors.New("reader: old juki card, not a my number card")
	// ErrPINNotSet: the card holds no PIN to present (a 顔認証マイナンバーカード, issued without
	// PINs, is the known case); no try was spent.
	ErrPINNotSet = errors.New("reader: no pin set on the card")
	// ErrPINBlocked: the PIN is locked; it can only be reset at the municipal office.
	ErrPINBlocked = errors.New("reader: pin blocked")
	// ErrWrongPIN: the card refused the PIN. The *WrongPINError carries the tries left.
	ErrWrongPIN = errors.New("reader: wrong pin")
	// ErrPINFormat: the PIN does not have the form the card expects; no try was spent.
	ErrPINFormat = errors.New("reader: pin format")
	// ErrForbidden: a command outside the kiosk's allow-list was refused before reaching the card.
	ErrForbidden = errors.New("reader: command not allowed")
	// ErrPINRequired: the card refused because the matching PIN was not verified in this session.
	ErrPINRequired = errors.New("reader: pin not verified")
	// ErrBadCard: the card answered something that is not a valid answer (garbage, truncated
	// data, unexpected status word).
	ErrBadCard = errors.New("reader: bad answer from card")
	// ErrNoExtendedLength: the reader did not pass an extended-length APDU (a transport
	// answers it for an extended command the reader refused while the card stayed put).
	// Card falls back to short APDUs with chained reads.
	ErrNoExtendedLength = errors.New("reader: extended-length apdu not passed by the reader")
	// ErrSignatureInvalid: data read from the card failed verification of the card's own signature.
	ErrSignatureInvalid = errors.New("reader: card data signature invalid")
)

// WrongPINError is returned by Verify when the card rejected the PIN. It matches ErrWrongPIN,
// and ErrPINBlocked as well when no tries are left.
type WrongPINError struct {
	PIN  PIN
	Left int
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("reader: wrong %s, %d tries left", e.PIN, e.Left)
}

// Is lets errors.Is match ErrWrongPIN, and ErrPINBlocked when the last try was spent.
func (e *WrongPINError) Is(target error) bool {
	return target == ErrWrongPIN || (target == ErrPINBlocked && e.Left == 0)
}

// StatusError is an unexpected status word, wrapped with the operation.
type StatusError struct {
	Op string
	SW StatusWord
}

// Error names the status word once: "reader: OP: card answered 6D00 …" (SW.String, not
// the word's own Error, which would repeat "reader: card answered").
func (e *StatusError) Error() string {
	return fmt.Sprintf("reader: %s: card answered %s", e.Op, e.SW.String())
}

// badAnswer wraps err (itself a reader error) as ErrBadCard with the "reader: " prefix
// said once: "reader: bad answer from card: malformed apdu: …". Both stay matchable with
// errors.Is.
func badAnswer(err error) error {
	return &chained{msg: ErrBadCard.Error() + ": " + strings.TrimPrefix(err.Error(), "reader: "), errs: []error{ErrBadCard, err}}
}

// chained is an error with its own message over several wrapped ones.
type chained struct {
	msg  string
	errs []error
}

func (e *chained) Error() string   { return e.msg }
func (e *chained) Unwrap() []error { return e.errs }

// Unwrap classifies an unexpected status word as a bad answer.
func (e *StatusError) Unwrap() error { return ErrBadCard }
