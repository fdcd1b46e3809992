package printertest

import (
	"errors"
	"fmt"
	"image"
)

// Decoder parses the ESC/POS subset that package escpos writes (ESC @, GS v 0,
// ESC d, GS V, DLE EOT) and rebuilds the printed pages: raster bands accumulate
// until a cut ends the page. Unknown bytes are an error, so a stray byte in our
// stream fails the tests.
type Decoder struct {
	// OnStatus, if set, is called for each DLE EOT n found in the stream.
	OnStatus func(n byte)
	// OnBand, if set, is called after each complete raster band; returning false
	// drops the band (the fake printer is out of paper).
	OnBand func() bool

	buf   []byte
	rows  [][]byte // rows of the page being printed, packed bits
	xb    int      // bytes per row of the current page
	pages []*image.Gray
	err   error
	// Counts for tests.
	Inits, Cuts, Feeds, Bands, StatusQueries int
}

// ErrIncomplete: the stream ended inside a command or with an uncut page.
var ErrIncomplete = errors.New("printertest: incomplete ESC/POS stream")

// Write feeds stream bytes to the decoder.
func (d *Decoder) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	d.buf = append(d.buf, p...)
	for len(d.buf) > 0 {
		n, err := d.step()
		if err != nil {
			d.err = err
			return 0, err
		}
		if n == 0 {
			break // need more bytes
		}
		d.buf = d.buf[n:]
	}
	return len(p), nil
}

// step decodes one command at the start of buf; 0 means incomplete.
func (d *Decoder) step() (int, error) {
	b := d.buf
	need := func(n int) bool { return len(b) >= n }
	switch b[0] {
	case 0x1b: // ESC
		if !need(2) {
			return 0, nil
		}
		switch b[1] {
		case '@':
			d.Inits++
			return 2, nil
		case 'd':
			if !need(3) {
				return 0, nil
			}
			d.Feeds++
			return 3, nil
		}
	case 0x10: // DLE
		if !need(3) {
			return 0, nil
		}
		if b[1] == 0x04 && b[2] >= 1 && b[2] <= 4 {
			d.StatusQueries++
			if d.OnStatus != nil {
				d.OnStatus(b[2])
			}
			return 3, nil
		}
	case 0x1d: // GS
		if !need(3) {
			return 0, nil
		}
		switch {
		case b[1] == 'V' && (b[2] == 0 || b[2] == 1 || b[2] == '0' || b[2] == '1'):
			d.Cuts++
			d.finishPage()
			return 3, nil
		case b[1] == 'v' && b[2] == '0':
			if !need(8) {
				return 0, nil
			}
			if b[3] != 0 {
				return 0, fmt.Errorf("printertest: GS v 0 with scaled mode %d", b[3])
			}
			xb := int(b[4]) | int(b[5])<<8
			rows := int(b[6]) | int(b[7])<<8
			if xb == 0 || rows == 0 {
				return 0, fmt.Errorf("printertest: empty GS v 0 band %dx%d", xb, rows)
			}
			if d.xb != 0 && xb != d.xb {
				return 0, fmt.Errorf("printertest: band width %d bytes on a page of %d", xb, d.xb)
			}
			n := 8 + xb*rows
			if !need(n) {
				return 0, nil
			}
			d.Bands++
			if d.OnBand == nil || d.OnBand() {
				d.xb = xb
				for r := 0; r < rows; r++ {
					d.rows = append(d.rows, append([]byte(nil), b[8+r*xb:8+(r+1)*xb]...))
				}
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("printertest: unknown ESC/POS bytes % x", b[:min(len(b), 4)])
}

func (d *Decoder) finishPage() {
	if len(d.rows) == 0 {
		return
	}
	img := image.NewGray(image.Rect(0, 0, d.xb*8, len(d.rows)))
	for y, row := range d.rows {
		for x := 0; x < d.xb*8; x++ {
			v := uint8(255)
			if row[x/8]&(0x80>>(x%8)) != 0 {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	d.pages = append(d.pages, img)
	d.rows, d.xb = nil, 0
}

// Pages returns the pages completed by a cut so far.
func (d *Decoder) Pages() []*image.Gray { return d.pages }

// Close reports ErrIncomplete if bytes or an uncut page remain, or the first
// decoding error.
func (d *Decoder) Close() error {
	if d.err != nil {
		return d.err
	}
	if len(d.buf) > 0 || len(d.rows) > 0 {
		return fmt.Errorf("%w: %d bytes, %d rows pending", ErrIncomplete, len(d.buf), len(d.rows))
	}
	return nil
}

// Decode turns a whole ESC/POS stream back into its pages.
func Decode(stream []byte) ([]*image.Gray, error) {
	var d Decoder
	if _, err := d.Write(stream); err != nil {
		return nil, err
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	return d.Pages(), nil
}
