package centerlink

import (
	"encoding/json"
	"strings"
	"testing"

	"madoguchi/center"
)

// fit keeps the longest head that one request carries: never over MaxBatch messages or
// MaxBodyBytes, and not much shorter than the body limit allows.
func TestFit(t *testing.T) {
	big := json.RawMessage(`"` + strings.Repeat("y", center.MaxPayloadBytes-2) + `"`)
	mid := json.RawMessage(`{"pad":"` + strings.Repeat("z", 2000) + `"}`)
	small := json.RawMessage(`{}`)
	many := func(n int, p json.RawMessage) []center.Message {
		out := make([]center.Message, n)
		for i := range out {
			out[i] = center.Message{Seq: int64(i + 1), Key: "key-0123456789abcdef", Kind: center.MessageKind("audit"), Payload: p}
		}
		return out
	}
	body := func(m []center.Message) int {
		b, err := json.Marshal(center.MessageBatch{KioskID: "kiosk-0001", Messages: m})
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	for _, tt := range []struct {
		name string
		in   []center.Message
		all  bool // every message fits
	}{
		{"empty", nil, true},
		{"few small", many(3, small), true},
		{"more than MaxBatch small", many(center.MaxBatch+5, small), false},
		{"2 KB payloads", many(center.MaxBatch, mid), false},
		{"8 KB payloads", many(20, big), false},
		{"one 8 KB", many(1, big), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := fit(tt.in)
			switch {
			case tt.all && len(got) != len(tt.in):
				t.Fatalf("fit kept %d of %d, want all", len(got), len(tt.in))
			case len(tt.in) > 0 && len(got) == 0:
				t.Fatal("fit kept nothing")
			case len(got) > center.MaxBatch:
				t.Fatalf("fit kept %d messages, over %d", len(got), center.MaxBatch)
			case body(got) > center.MaxBodyBytes:
				t.Fatalf("body of %d bytes, over %d", body(got), center.MaxBodyBytes)
			case len(got) < len(tt.in) && len(got) < center.MaxBatch && body(tt.in[:len(got)+1]) <= center.MaxBodyBytes-bodyReserve:
				t.Fatalf("fit kept %d, but %d would have fitted well under the limit", len(got), len(got)+1)
			}
		})
	}
}
