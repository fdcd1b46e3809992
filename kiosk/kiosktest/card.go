package kiosktest

import (
	"madoguchi/kiosk"
	"madoguchi/reader"
	"madoguchi/reader/readertest"
)

// NewCard builds a virtual My Number Card (reader/readertest) and a session with it
// through the reader package's allow-list, as the engine gets it from the card layer.
// The virtual card's log and MyNumberAccesses show what the engine asked of it.
func NewCard(opts readertest.Options) (*readertest.Card, kiosk.Card, error) {
	vc, err := readertest.NewCard(opts)
	if err != nil {
		return nil, nil, err
	}
	return vc, reader.New(vc), nil
}

var _ kiosk.Card = (*reader.Card)(nil)
