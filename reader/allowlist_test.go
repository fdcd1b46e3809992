package reader

import (
	"context"
	"errors"
	"testing"
)

// recorder is a transport that answers 90 00 and records what reached it.
type recorder struct{ sent [][]byte }

func (r *recorder) Transmit(_ context.Context, cmd []byte) ([]byte, error) {
	r.sent = append(r.sent, append([]byte(nil), cmd...))
	return []byte{0x90, 0x00}, nil
}

func sel(fid uint16) Command {
	return Command{INS: INSSelect, P1: 0x02, P2: 0x0C, Data: []byte{byte(fid >> 8), byte(fid)}}
}

func selAID(aid []byte) Command { return Command{INS: INSSelect, P1: 0x04, P2: 0x0C, Data: aid} }

func TestAllowList(t *testing.T) {
	verifyPIN := Command{INS: INSVerify, P2: 0x80, Data: []byte("1234")}
	read := Command{INS: INSReadBinary, Ne: 256}
	sign := Command{CLA: 0x80, INS: INSSign, P2: 0x80, Data: []byte{1}, Ne: 256}
	tests := []struct {
		name    string
		app     app
		ef      uint16 // 0 = none selected
		cmd     Command
		allowed bool
	}{
		{"select jpki", appNone, 0, selAID(AIDJPKI), true},
		{"select text ap", appNone, 0, selAID(AIDText), true},
		{"select visual ap", appNone, 0, selAID(AIDVisual), false},
		{"select juki ap", appNone, 0, selAID(AIDJuminKi), false},
		{"select unknown aid", appNone, 0, selAID([]byte{0xA0, 0, 0, 0, 3}), false},
		{"select jpki asking fci", appNone, 0, Command{INS: INSSelect, P1: 0x04, P2: 0x00, Data: AIDJPKI, Ne: 256}, false},
		{"select by path", appJPKI, 0, Command{INS: INSSelect, P1: 0x08, P2: 0x0C, Data: []byte{0x00, 0x0A}}, false},
		{"select MF", appNone, 0, Command{INS: INSSelect, P1: 0x00, P2: 0x0C, Data: []byte{0x3F, 0x00}}, false},
		{"select auth cert", appJPKI, 0, sel(FIDAuthCert), true},
		{"select sign cert in jpki", appJPKI, 0, sel(FIDSignCert), true},
		{"select ef before any ap", appNone, 0, sel(FIDAuthCert), false},
		{"select my number ef", appText, 0, sel(FIDTextMyNumber), false},
		{"select pin A (the my number)", appText, 0, sel(FIDTextPINA), false},
		{"select pin B", appText, 0, sel(FIDTextPINB), false},
		{"select four facts", appText, 0, sel(FIDTextAttrs), true},
		{"select three-byte fid", appJPKI, 0, Command{INS: INSSelect, P1: 0x02, P2: 0x0C, Data: []byte{0, 0, 0x0A}}, false},
		{"read selected cert", appJPKI, FIDAuthCert, read, true},
		{"read with nothing selected", appJPKI, 0, read, false},
		{"read key file", appJPKI, FIDAuthKey, read, false},
		{"read pin file", appJPKI, FIDAuthPIN, read, false},
		{"read by short ef id 01", appText, FIDTextAttrs, Command{INS: INSReadBinary, P1: 0x81, Ne: 17}, false},
		{"read extended", appJPKI, FIDAuthCert, Command{INS: INSReadBinary, Ne: 4096}, true},
		{"read extended at the file bound", appJPKI, FIDAuthCert, Command{INS: INSReadBinary, Ne: maxFileSize}, true},
		{"read extended beyond the file bound", appJPKI, FIDAuthCert, Command{INS: INSReadBinary, Ne: maxFileSize + 1}, false},
		{"read extended of the pin file", appJPKI, FIDAuthPIN, Command{INS: INSReadBinary, Ne: 4096}, false},
		{"read with data", appJPKI, FIDAuthCert, Command{INS: INSReadBinary, Data: []byte{1}, Ne: 4}, false},
		{"verify auth pin", appJPKI, FIDAuthPIN, verifyPIN, true},
		{"tries of auth pin", appJPKI, FIDAuthPIN, Command{INS: INSVerify, P2: 0x80}, true},
		{"verify text pin", appText, FIDTextPIN, verifyPIN, true},
		{"verify on cert file", appJPKI, FIDAuthCert, verifyPIN, false},
		{"verify global reference", appJPKI, FIDAuthPIN, Command{INS: INSVerify, P2: 0x01, Data: []byte("1234")}, false},
		{"verify sfi reference", appText, FIDTextPIN, Command{INS: INSVerify, P2: 0x94, Data: []byte("1234")}, false},
		{"sign with auth key", appJPKI, FIDAuthKey, sign, true},
		{"sign with sign key", appJPKI, FIDSignKey, sign, true},
		{"sign with cert selected", appJPKI, FIDAuthCert, sign, false},
		{"sign as CLA 00", appJPKI, FIDAuthKey, Command{INS: INSSign, P2: 0x80, Data: []byte{1}, Ne: 256}, false},
		{"change pin", appJPKI, FIDAuthPIN, Command{INS: INSChangeRef, P1: 0x01, P2: 0x80, Data: []byte("4321")}, false},
		{"get data", appJPKI, 0, Command{INS: 0xCA, P1: 0xDF, P2: 0x30, Ne: 5}, false},
		{"get response", appJPKI, 0, Command{INS: 0xC0, Ne: 256}, false},
		{"update binary", appJPKI, FIDAuthCert, Command{INS: 0xD6, Data: []byte{1}}, false},
		{"internal authenticate", appText, 0, Command{INS: 0x88, Data: []byte{1}, Ne: 256}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			g := guard{t: rec, app: tt.app, ef: tt.ef, hasEF: tt.ef != 0}
			_, err := g.transmit(context.Background(), tt.cmd)
			switch {
			case tt.allowed && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.allowed && len(rec.sent) != 1:
				t.Fatalf("allowed command did not reach the card")
			case !tt.allowed && !errors.Is(err, ErrForbidden):
				t.Fatalf("error = %v, want ErrForbidden", err)
			case !tt.allowed && len(rec.sent) != 0:
				t.Fatalf("forbidden command reached the card: % X", rec.sent[0])
			}
		})
	}
}

func TestGuardTracksSelection(t *testing.T) {
	ctx := context.Background()
	answers := map[string][]byte{}
	tr := transportFunc(func(cmd []byte) ([]byte, error) {
		if a, ok := answers[string(cmd)]; ok {
			return a, nil
		}
		return []byte{0x90, 0x00}, nil
	})
	g := guard{t: tr}
	must := func(c Command) {
		t.Helper()
		if _, err := g.transmit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	must(selAID(AIDText))
	must(sel(FIDTextAttrs))
	// After selecting the JPKI AP, the text AP's files are no longer selectable, and 0001 means
	// the signing certificate; after going back to the text AP it is the My Number again.
	must(selAID(AIDJPKI))
	must(sel(FIDSignCert))
	must(selAID(AIDText))
	if _, err := g.transmit(ctx, sel(FIDTextMyNumber)); !errors.Is(err, ErrForbidden) {
		t.Fatalf("text ap 0001 after reselect: %v", err)
	}
	// A failed application select leaves no application selected.
	raw, _ := selAID(AIDJPKI).Bytes()
	answers[string(raw)] = []byte{0x6A, 0x82}
	must(selAID(AIDJPKI))
	if _, err := g.transmit(ctx, sel(FIDAuthCert)); !errors.Is(err, ErrForbidden) {
		t.Fatalf("ef select after failed ap select: %v", err)
	}
	// A failed EF select leaves no EF selected: no read is allowed.
	delete(answers, string(raw))
	must(selAID(AIDJPKI))
	raw, _ = sel(FIDAuthCert).Bytes()
	answers[string(raw)] = []byte{0x6A, 0x82}
	must(sel(FIDAuthCert))
	if _, err := g.transmit(ctx, Command{INS: INSReadBinary, Ne: 4}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("read after failed ef select: %v", err)
	}
}

type transportFunc func(cmd []byte) ([]byte, error)

func (f transportFunc) Transmit(_ context.Context, cmd []byte) ([]byte, error) { return f(cmd) }
