package pcschost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"madoguchi/reader/readertest"
)

// PKCS11Module finds OpenSC's PKCS#11 module (package opensc-pkcs11).
func PKCS11Module() (string, error) {
	cands, _ := filepath.Glob("/usr/lib/*/opensc-pkcs11.so")
	cands = append(cands, "/usr/lib/opensc-pkcs11.so")
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", errors.New("pcschost: opensc-pkcs11.so not found: " + installHint)
}

// PKCS11Sign describes one pkcs11-tool signature: the OpenSC path "card inserted → signed
// challenge", used as the second client and as a baseline in benchmarks.
type PKCS11Sign struct {
	Slot      int    // PKCS#11 slot index: 0 = auth PIN token, 1 = sign PIN token
	PIN       string // the PIN of that token
	ID        string // key id: "01" auth, "02" sign
	Mechanism string // default "SHA256-RSA-PKCS" (OpenSC hashes, the card pads)
	Data      []byte // the challenge
}

// PKCS11Result is what one pkcs11-tool run cost and produced.
type PKCS11Result struct {
	Signature []byte
	Elapsed   time.Duration    // wall time of the pkcs11-tool process
	Card      readertest.Stats // APDUs and bytes the card saw during the run
	Output    string           // pkcs11-tool's combined output
}

// RunPKCS11Sign runs pkcs11-tool against this host with card inserted in slot 0 (card is
// only used to measure its traffic; it must be the inserted card).
func (h *Host) RunPKCS11Sign(ctx context.Context, card *readertest.Card, req PKCS11Sign) (*PKCS11Result, error) {
	mod, err := PKCS11Module()
	if err != nil {
		return nil, err
	}
	mech := req.Mechanism
	if mech == "" {
		mech = "SHA256-RSA-PKCS"
	}
	dir, err := os.MkdirTemp("", "pcschost-pkcs11-")
	if err != nil {
		return nil, fmt.Errorf("pcschost: pkcs11 sign: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "sig")
	if err := os.WriteFile(in, req.Data, 0o600); err != nil {
		return nil, fmt.Errorf("pcschost: pkcs11 sign: %w", err)
	}
	before := card.Stats()
	start := time.Now()
	cmd := h.Command(ctx, "pkcs11-tool", "--module", mod, "--slot-index", strconv.Itoa(req.Slot),
		"--login", "--pin", req.PIN, "--sign", "--id", req.ID, "-m", mech,
		"--input-file", in, "--output-file", out)
	output, err := cmd.CombinedOutput()
	res := &PKCS11Result{Elapsed: time.Since(start), Output: string(output)}
	after := card.Stats()
	res.Card = readertest.Stats{Commands: after.Commands - before.Commands,
		BytesIn: after.BytesIn - before.BytesIn, BytesOut: after.BytesOut - before.BytesOut}
	if err != nil {
		return res, fmt.Errorf("pcschost: pkcs11-tool: %w: %s", err, output)
	}
	if res.Signature, err = os.ReadFile(out); err != nil {
		return res, fmt.Errorf("pcschost: pkcs11 sign: %w", err)
	}
	return res, nil
}
