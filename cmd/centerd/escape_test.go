package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileImportEscaped: a residents file with escape sequences and a bidi override
// in its fields gets a line-numbered error whose text leaves no control on the terminal.
func TestHostileImportEscaped(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "center")
	if rc := run(ctx, []string{"init", dir}, io.Discard, io.Discard); rc != 0 {
		t.Fatal("init failed")
	}
	csv := filepath.Join(t.TempDir(), "r.csv")
	body := "code,municipality,household,name,birth,sex,address\n" +
		"X\x1b]0;owned\x07\u202e,139998,H,N,1985/04/01,1,A\n"
	if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if rc := run(ctx, []string{"import", dir, csv}, &out, &errb); rc == 0 {
		t.Fatal("hostile import accepted")
	}
	text := out.String() + errb.String()
	if !strings.Contains(text, "line 2") {
		t.Errorf("no line number: %q", text)
	}
	for _, r := range text {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e {
			t.Fatalf("output holds %U: %q", r, text)
		}
	}
}
