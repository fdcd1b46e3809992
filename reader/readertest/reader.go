package readertest

import (
	"context"
	"fmt"
	"time"

	"madoguchi/reader"
)

// ReaderVariant is how a contactless reader between the kiosk and the card behaves. Real
// readers differ: some pass only short APDUs, some are slow at T=CL, some report the
// card's removal late. The zero value is a reader that passes everything at once.
type ReaderVariant struct {
	Name string
	// NoExtended: the reader passes only short APDUs. An extended-length command never
	// reaches the card: Transmit fails with reader.ErrNoExtendedLength, as the PC/SC
	// adapter reports a reader that refused it while the card stayed put.
	NoExtended bool
	// Delay is added to every exchange (a slow T=CL link, a reader polling slowly).
	Delay time.Duration
	// LateRemoval is how long after the card left the reader reports it (commands fail at
	// once; the removal event comes this late). Reader.Removed waits it.
	LateRemoval time.Duration
}

// ReaderVariants are the readers the whole flow is tested against. The card behind them
// takes extended-length APDUs (Options.ExtendedAPDUs), so that what differs is the reader;
// a card that refuses them (the default Options) is the "card without extended length"
// case of the same tests.
var ReaderVariants = []ReaderVariant{
	{Name: "extended"},
	{Name: "no-extended", NoExtended: true},
	{Name: "slow", Delay: 30 * time.Millisecond},
	{Name: "late-removal", LateRemoval: 1500 * time.Millisecond},
}

func (v ReaderVariant) String() string {
	if v.Name == "" {
		return "reader"
	}
	return v.Name
}

// Reader is a virtual card behind a reader variant: a reader.Transport for in-process
// use (the PC/SC path is pcscd with vpcd, where the card's own options play the reader's
// part: a card that answers 67 00 to extended commands, Options.Delay).
type Reader struct {
	Card    *Card
	Variant ReaderVariant
}

// NewReader puts card behind a reader that behaves as v.
func NewReader(card *Card, v ReaderVariant) *Reader { return &Reader{Card: card, Variant: v} }

// Transmit carries one APDU as the variant does.
func (r *Reader) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if d := r.Variant.Delay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	if r.Variant.NoExtended && len(cmd) >= 7 && cmd[4] == 0 {
		if r.Card.Removed() {
			return nil, fmt.Errorf("readertest: %s reader: %w", r.Variant, reader.ErrCardRemoved)
		}
		return nil, fmt.Errorf("readertest: %s reader: %w", r.Variant, reader.ErrNoExtendedLength)
	}
	return r.Card.Transmit(ctx, cmd)
}

// Removed waits until the reader reports the card's removal (LateRemoval after it left),
// or ctx ends.
func (r *Reader) Removed(ctx context.Context) error {
	if d := r.Variant.LateRemoval; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
