package reader

import (
	"bytes"
	"context"
	"fmt"
)

// The allow-list: every command the kiosk may send to a card, checked against what is
// currently selected. It exists so that no bug, and no caller of this package, can make the
// kiosk read the My Number (EF 0001 of the 券面事項入力補助AP), verify 照合番号A (which is the
// My Number), or touch the 券面AP and 住基AP. The rules:
//
//   - SELECT by DF name (00 A4 04 0C): the JPKI AP and the 券面事項入力補助AP only.
//   - SELECT EF (00 A4 02 0C, 2-byte FID): only the files listed for the selected AP below.
//   - READ BINARY (00 B0): only on a selected readable EF, never with short-EF addressing
//     (P1 bit 8), which would reach a file without selecting it.
//   - VERIFY (00 20 00 80): only on a selected PIN EF of the list.
//   - COMPUTE DIGITAL SIGNATURE (80 2A 00 80): only on a selected JPKI key EF.
//
// Anything else is refused with ErrForbidden before a byte reaches the card.

type app uint8

const (
	appNone app = iota
	appJPKI
	appText
)

func (a app) String() string {
	switch a {
	case appJPKI:
		return "jpki"
	case appText:
		return "text"
	}
	return "none"
}

type efKind uint8

const (
	efReadable efKind = iota + 1
	efPIN
	efKey
)

var allowedEFs = map[app]map[uint16]efKind{
	appJPKI: {
		FIDSignCert: efReadable, FIDSignCACert: efReadable, FIDToken: efReadable,
		FIDAuthCert: efReadable, FIDAuthCACert: efReadable,
		FIDAuthKey: efKey, FIDSignKey: efKey,
		FIDAuthPIN: efPIN, FIDSignPIN: efPIN,
	},
	appText: {
		// FIDTextMyNumber (0001) and FIDTextPINA (0014) are deliberately absent.
		FIDTextAttrs: efReadable, FIDTextSignature: efReadable, FIDTextCert: efReadable,
		FIDTextBasicInfo: efReadable,
		FIDTextPIN:       efPIN,
	},
}

// guard applies the allow-list and tracks what is selected on the card. It is the only
// path from this package to a Transport.
type guard struct {
	t     Transport
	app   app
	ef    uint16
	hasEF bool
	stats Stats
}

// Stats counts the traffic of one card session.
type Stats struct {
	APDUs    int // command APDUs sent to the card (GET RESPONSE inside a transport not counted)
	BytesOut int // command bytes
	BytesIn  int // response bytes including status words
}

func (g *guard) allowed(c Command) error {
	deny := func(why string) error {
		return fmt.Errorf("%w: %02X %02X %02X %02X: %s", ErrForbidden, c.CLA, c.INS, c.P1, c.P2, why)
	}
	switch {
	case c.CLA == 0x00 && c.INS == INSSelect:
		if c.Ne != 0 || c.P2 != 0x0C {
			return deny("select must ask for no FCI")
		}
		switch c.P1 {
		case 0x04:
			if bytes.Equal(c.Data, AIDJPKI) || bytes.Equal(c.Data, AIDText) {
				return nil
			}
			return deny("application not on the allow-list")
		case 0x02:
			if len(c.Data) != 2 {
				return deny("file id must be 2 bytes")
			}
			fid := uint16(c.Data[0])<<8 | uint16(c.Data[1])
			if _, ok := allowedEFs[g.app][fid]; !ok {
				return deny(fmt.Sprintf("file %04X not allowed in application %s", fid, g.app))
			}
			return nil
		}
		return deny("select form not allowed")
	case c.CLA == 0x00 && c.INS == INSReadBinary:
		if c.P1&0x80 != 0 {
			return deny("short EF addressing not allowed")
		}
		if len(c.Data) != 0 || c.Ne == 0 || c.Ne > maxFileSize {
			return deny(fmt.Sprintf("read binary must be a case-2 command of at most %d bytes", maxFileSize))
		}
		if g.currentKind() != efReadable {
			return deny("no readable file selected")
		}
		return nil
	case c.CLA == 0x00 && c.INS == INSVerify:
		if c.P1 != 0x00 || c.P2 != 0x80 || c.Ne != 0 {
			return deny("verify must reference the selected PIN file")
		}
		if g.currentKind() != efPIN {
			return deny("no PIN file selected")
		}
		return nil
	case c.CLA == 0x80 && c.INS == INSSign:
		if c.P1 != 0x00 || c.P2 != 0x80 || g.app != appJPKI || g.currentKind() != efKey {
			return deny("signing needs a selected JPKI key file")
		}
		return nil
	}
	return deny("instruction not allowed")
}

func (g *guard) currentKind() efKind {
	if !g.hasEF {
		return 0
	}
	return allowedEFs[g.app][g.ef]
}

// transmit checks c, sends it, and updates the selection state from the answer. The
// encoded command is zeroed after sending, since it may hold a PIN.
func (g *guard) transmit(ctx context.Context, c Command) (Response, error) {
	if err := g.allowed(c); err != nil {
		return Response{}, err
	}
	raw, err := c.Bytes()
	if err != nil {
		return Response{}, err
	}
	out, err := g.t.Transmit(ctx, raw)
	g.stats.APDUs++
	g.stats.BytesOut += len(raw)
	clear(raw)
	if err != nil {
		g.forget()
		return Response{}, err
	}
	g.stats.BytesIn += len(out)
	r, err := ParseResponse(out)
	if err != nil {
		g.forget()
		return Response{}, badAnswer(err)
	}
	if c.INS == INSSelect {
		switch {
		case !r.SW.OK() && c.P1 == 0x04:
			g.forget()
		case !r.SW.OK():
			g.hasEF = false
		case c.P1 == 0x04 && bytes.Equal(c.Data, AIDJPKI):
			g.app, g.hasEF = appJPKI, false
		case c.P1 == 0x04:
			g.app, g.hasEF = appText, false
		default:
			g.ef, g.hasEF = uint16(c.Data[0])<<8|uint16(c.Data[1]), true
		}
	}
	return r, nil
}

// forget drops what we believe is selected, so the next command selects again.
func (g *guard) forget() { g.app, g.hasEF = appNone, false }

// selected reports whether fid of a is the current EF (a SELECT may be skipped).
func (g *guard) selected(a app, fid uint16) bool { return g.app == a && g.hasEF && g.ef == fid }
