package readertest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// CardState is what makes one virtual card the same card across processes (cmd/vcard's
// state file): its keys, certificates, PIN values and counters. It holds private keys and
// PINs in clear: test data only.
type CardState struct {
	AuthKey, SignKey, TextKey, JLISKey []byte            // PKCS#8 DER
	AuthCert, SignCert                 []byte            // X.509 DER
	PINs                               map[string]string // by PINRef.String()
	TriesLeft                          map[string]int
}

// State captures the card's persistent state.
func (c *Card) State() (CardState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := CardState{AuthCert: c.authCert.Raw, SignCert: c.signCert.Raw,
		PINs: map[string]string{}, TriesLeft: map[string]int{}}
	dst := []*[]byte{&st.AuthKey, &st.SignKey, &st.TextKey, &st.JLISKey}
	for i, k := range []*rsa.PrivateKey{c.authKey, c.signKey, c.textKey, c.jlisKey} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return CardState{}, fmt.Errorf("readertest: card state: %w", err)
		}
		*dst[i] = der
	}
	for p := PINRef(0); p < numPINs; p++ {
		st.PINs[p.String()] = c.pins[p].value
		st.TriesLeft[p.String()] = c.pins[p].left
	}
	return st, nil
}

// Apply fills opts with the state's keys and certificates (the rest of opts is kept), for
// NewCard; call RestoreCounters on the new card afterwards.
func (st CardState) Apply(opts *Options) error {
	keys := []**rsa.PrivateKey{&opts.AuthKey, &opts.SignKey, &opts.TextKey, &opts.JLISKey}
	for i, der := range [][]byte{st.AuthKey, st.SignKey, st.TextKey, st.JLISKey} {
		k, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("readertest: card state key %d: %w", i, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return errors.New("readertest: card state: not an RSA key")
		}
		*keys[i] = rk
	}
	var err error
	if opts.AuthCert, err = x509.ParseCertificate(st.AuthCert); err != nil {
		return fmt.Errorf("readertest: card state auth cert: %w", err)
	}
	if opts.SignCert, err = x509.ParseCertificate(st.SignCert); err != nil {
		return fmt.Errorf("readertest: card state sign cert: %w", err)
	}
	return nil
}

// RestoreCounters sets PIN values and counters from st (unknown names are ignored).
func (c *Card) RestoreCounters(st CardState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := PINRef(0); p < numPINs; p++ {
		if v, ok := st.PINs[p.String()]; ok && v != "" {
			c.pins[p].value = v
		}
		if n, ok := st.TriesLeft[p.String()]; ok {
			c.pins[p].left = max(0, min(n, c.pins[p].max))
		}
	}
}

// SaveCardState writes st as JSON (mode 0600, atomically).
func SaveCardState(path string, st CardState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("readertest: save card state: %w", err)
	}
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("readertest: save card state: %w", err)
	}
	return nil
}

// LoadCardState reads a file written by SaveCardState.
func LoadCardState(path string) (CardState, error) {
	var st CardState
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("readertest: load card state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("readertest: load card state %s: %w", path, err)
	}
	return st, nil
}
