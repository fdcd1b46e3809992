package reader

import "context"

// Transport carries one command APDU to a card and returns its response APDU (data and
// SW1 SW2). Implementations: the PC/SC connection in reader/pcsc and the in-process virtual
// card in reader/readertest. A transport must return an error wrapping ErrCardRemoved when
// the card left, ErrReaderGone when the reader or the service did, and honour ctx.
//
// Transport is consumed only by New, which puts the allow-list in front of it: there is no
// exported way to send an arbitrary APDU to a card through this package.
type Transport interface {
	Transmit(ctx context.Context, cmd []byte) ([]byte, error)
}
