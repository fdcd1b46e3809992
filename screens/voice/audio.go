package voice

import (
	"encoding/binary"
	"errors"
	"fmt"

	"madoguchi/kiosk"
)

// Rate is the sample rate of every clip: 16-bit signed mono PCM at 16 kHz, enough for
// speech and a third of Open JTalk's 48 kHz on the SD card.
const Rate = 16000

// Clip is one part's audio, ready to play.
type Clip struct {
	Lang kiosk.Lang
	Text string
	PCM  []byte // 16-bit little-endian signed mono samples at Rate
}

// Duration is the clip's length in seconds.
func (c Clip) Duration() float64 { return float64(len(c.PCM)/2) / Rate }

// parseWAV returns the samples of a 16-bit mono WAV file at Rate (what the synthesizer
// writes through sox).
func parseWAV(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		if n > len(body) {
			n = len(body) // a stream's header may give no length; take what is there
		}
		switch id {
		case "fmt ":
			if n < 16 {
				return nil, errors.New("WAV: short fmt chunk")
			}
			format, ch := binary.LittleEndian.Uint16(body[0:2]), binary.LittleEndian.Uint16(body[2:4])
			rate, bits := binary.LittleEndian.Uint32(body[4:8]), binary.LittleEndian.Uint16(body[14:16])
			if (format != 1 && format != 0xFFFE) || ch != 1 || rate != Rate || bits != 16 {
				return nil, fmt.Errorf("WAV: want 16-bit mono PCM at %d Hz, got format %d, %d channels, %d Hz, %d bits", Rate, format, ch, rate, bits)
			}
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, errors.New("WAV: data before fmt")
			}
			return body[:n&^1], nil
		}
		p += 8 + n + n&1
	}
	return nil, errors.New("WAV: no data chunk")
}

// wavHeader is the 44-byte header of a 16-bit mono WAV file at Rate holding n bytes of
// samples.
func wavHeader(n int) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], Rate)
	binary.LittleEndian.PutUint32(h[28:], Rate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
	return h
}

// WAV is the clip as a WAV file.
func (c Clip) WAV() []byte { return append(wavHeader(len(c.PCM)), c.PCM...) }

// scaled is pcm with every sample multiplied by gain, clipped to 16 bits.
func scaled(pcm []byte, gain float64) []byte {
	if gain == 1 {
		return pcm
	}
	out := make([]byte, len(pcm))
	for i := 0; i+1 < len(pcm); i += 2 {
		s := float64(int16(binary.LittleEndian.Uint16(pcm[i:]))) * gain
		s = min(max(s, -32768), 32767)
		binary.LittleEndian.PutUint16(out[i:], uint16(int16(s)))
	}
	return out
}
