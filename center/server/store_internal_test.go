package server

import "testing"

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
