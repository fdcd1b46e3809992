package readertest

import (
	"time"

	"madoguchi/reader"
)

// FaultKind is what an injected fault does to one command.
type FaultKind int

const (
	// FaultRemove takes the card out as the command arrives: no answer; Transmit fails with
	// reader.ErrCardRemoved, ServeVPCD drops the connection; the card stays out until Insert.
	FaultRemove FaultKind = iota + 1
	// FaultGarbage answers Fault.Garbage (default the single byte 6F) instead of the real answer.
	FaultGarbage
	// FaultSW answers Fault.SW alone (data dropped) instead of the real answer.
	FaultSW
	// FaultTruncate keeps only the first Fault.Keep bytes of the real answer (default half).
	FaultTruncate
	// FaultDelay only adds Fault.Delay (every kind adds it).
	FaultDelay
)

// Fault describes one injected fault. The command is still executed by the card (its state
// changes, e.g. a PIN try is spent) except for FaultRemove.
type Fault struct {
	Kind FaultKind
	// Match selects the commands the fault counts; nil matches every command.
	Match func(cmd []byte) bool
	// After is how many matching commands pass untouched before the fault fires.
	After int
	// Repeat keeps the fault armed after it fired (every later matching command).
	Repeat bool

	SW      reader.StatusWord
	Keep    int
	Garbage []byte
	Delay   time.Duration
}

type faultState struct {
	Fault
	seen int
	done bool
}

// InjectFault arms a fault. Faults are checked in the order they were armed; at most one
// fires per command.
func (c *Card) InjectFault(f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = append(c.faults, &faultState{Fault: f})
}

// ClearFaults disarms every fault.
func (c *Card) ClearFaults() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = nil
}

// fireFault returns the fault that fires on cmd, if any. Called with c.mu held.
func (c *Card) fireFault(cmd []byte) *Fault {
	var fired *Fault
	for _, f := range c.faults {
		if f.done || (f.Match != nil && !f.Match(cmd)) {
			continue
		}
		f.seen++
		if fired != nil || f.seen <= f.After {
			continue
		}
		if !f.Repeat {
			f.done = true
		}
		fired = &f.Fault
	}
	return fired
}

func (f *Fault) apply(resp []byte) []byte {
	switch f.Kind {
	case FaultGarbage:
		if len(f.Garbage) == 0 {
			return []byte{0x6F}
		}
		return append([]byte(nil), f.Garbage...)
	case FaultSW:
		return sw(f.SW)
	case FaultTruncate:
		k := f.Keep
		if k <= 0 || k > len(resp) {
			k = len(resp) / 2
		}
		return append([]byte(nil), resp[:k]...)
	}
	return resp
}

// MatchINS matches commands with the given instruction byte.
func MatchINS(ins byte) func([]byte) bool {
	return func(cmd []byte) bool { return len(cmd) >= 4 && cmd[1] == ins }
}

// MatchReadAfterStart matches READ BINARY at a non-zero offset: "in the middle of a read".
func MatchReadAfterStart() func([]byte) bool {
	return func(cmd []byte) bool {
		return len(cmd) >= 4 && cmd[1] == reader.INSReadBinary && (cmd[2] != 0 || cmd[3] != 0)
	}
}

// MatchSelectFID matches SELECT EF of the given file identifier.
func MatchSelectFID(fid uint16) func([]byte) bool {
	return func(cmd []byte) bool {
		return len(cmd) >= 7 && cmd[1] == reader.INSSelect && cmd[2] == 0x02 &&
			cmd[5] == byte(fid>>8) && cmd[6] == byte(fid)
	}
}
