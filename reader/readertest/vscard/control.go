package vscard

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"madoguchi/reader/readertest"
)

// Op is a control command: what a hand does with the card.
type Op string

const (
	OpInsert Op = "insert" // put the card in the reader (a power-on reset; an ATR goes to the host)
	OpRemove Op = "remove" // take it out (CardRemove goes to the host)
	OpStatus Op = "status" // change nothing
)

// The control protocol, on a unix socket: the client writes one line, the op; the server
// answers one line, "inserted" or "removed" (the card's state after the op), or
// "error: TEXT"; then it closes the connection.
const (
	replyInserted = "inserted"
	replyRemoved  = "removed"
)

// ServeControl answers control connections on l for card until ctx ends; then it closes l
// and returns ctx.Err(). Each connection carries one op.
func ServeControl(ctx context.Context, l net.Listener, card *readertest.Card) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer l.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("vscard: control: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(&limitReader{conn, 64}).ReadString('\n')
			if err != nil {
				fmt.Fprintf(conn, "error: no command line\n")
				return
			}
			fmt.Fprintln(conn, applyOp(card, Op(strings.TrimSpace(line))))
		}()
	}
}

func applyOp(card *readertest.Card, op Op) string {
	switch op {
	case OpInsert:
		if card.Removed() {
			card.Insert()
		}
	case OpRemove:
		card.Remove()
	case OpStatus:
	default:
		return "error: unknown command (want insert, remove or status)"
	}
	if card.Removed() {
		return replyRemoved
	}
	return replyInserted
}

// limitReader reads at most n bytes in all: a control line is short.
type limitReader struct {
	c net.Conn
	n int
}

func (r *limitReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("line too long")
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	n, err := r.c.Read(p)
	r.n -= n
	return n, err
}

// SendControl sends op to the control socket at path and returns whether the card is in
// the reader afterwards.
func SendControl(ctx context.Context, path string, op Op) (inserted bool, err error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return false, fmt.Errorf("vscard: control %s: %w", op, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := fmt.Fprintf(conn, "%s\n", op); err != nil {
		return false, fmt.Errorf("vscard: control %s: %w", op, err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return false, fmt.Errorf("vscard: control %s: %w", op, err)
	}
	switch line = strings.TrimSpace(line); line {
	case replyInserted:
		return true, nil
	case replyRemoved:
		return false, nil
	}
	return false, fmt.Errorf("vscard: control %s: %q", op, line)
}

// ListenControl opens the control socket at path (mode 0600; a socket left by an earlier
// run is removed first).
func ListenControl(path string) (net.Listener, error) {
	removeStaleSocket(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("vscard: control: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("vscard: control: %w", err)
	}
	return l, nil
}

// removeStaleSocket removes path if it is a socket (never another kind of file).
func removeStaleSocket(path string) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
}
