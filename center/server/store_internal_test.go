package server

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		dollar   bool
		in, want string
	}{
		{false, `SELECT ? , ?`, `SELECT ? , ?`},
		{true, `SELECT a FROM t WHERE k = ? AND v IN (?, ?)`, `SELECT a FROM t WHERE k = $1 AND v IN ($2, $3)`},
		{true, `SELECT '?' || ? FROM "q?"`, `SELECT '?' || $1 FROM "q?"`},
		{true, `SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{true, `SELECT 1`, `SELECT 1`},
	} {
		if got := rebind(tc.dollar, tc.in); got != tc.want {
			t.Errorf("rebind(%v, %q) = %q, want %q", tc.dollar, tc.in, got, tc.want)
		}
	}
}

// TestArgonParameters: new hashes use RFC 9106's parameters, and a hash is checked with
// the parameters it carries (so cheaper test hashes and real ones both verify).
func TestArgonParameters(t *testing.T) {
	defer func(tm, m uint32) { argonTime, argonMemory = tm, m }(argonTime, argonMemory)
	argonTime, argonMemory = ArgonTime, ArgonMemoryKiB
	h, err := hashPassword([]byte("correct horse battery"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %s", h)
	}
	argonTime, argonMemory = 1, 1024
	for _, tc := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse battery", true},
		{h, "correct horse batterY", false},
		{"$argon2id$v=19$m=65536,t=3,p=2$AAAA$", "x", false},
		{"$argon2i$v=19$m=65536,t=3,p=2$AAAA$AAAA", "x", false},
		{"$argon2id$v=19$m=999999999,t=3,p=2$AAAA$AAAA", "x", false},
		{"garbage", "x", false},
	} {
		if got := checkPassword(tc.hash, []byte(tc.pw)); got != tc.want {
			t.Errorf("checkPassword(%.40s, %q) = %v", tc.hash, tc.pw, got)
		}
	}
}
