package vscard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Endpoint is where a QEMU chardev socket is: Network "unix" or "tcp".
type Endpoint struct {
	Network, Address string
}

func (e Endpoint) String() string { return e.Network + ":" + e.Address }

// ParseEndpoint reads "unix:/path/to/socket" or "tcp:HOST:PORT" (the host is a literal
// address or a name; tests use 127.0.0.1 or ::1 only).
func ParseEndpoint(s string) (Endpoint, error) {
	network, addr, ok := strings.Cut(s, ":")
	switch {
	case !ok || addr == "":
	case network == "unix":
		return Endpoint{Network: "unix", Address: addr}, nil
	case network == "tcp":
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return Endpoint{}, fmt.Errorf("vscard: endpoint %q: %w", s, err)
		}
		return Endpoint{Network: "tcp", Address: addr}, nil
	}
	return Endpoint{}, fmt.Errorf("vscard: endpoint %q: want unix:PATH or tcp:HOST:PORT", s)
}

// DialAndServe is for a QEMU whose chardev listens (-chardev socket,server=on,wait=off):
// it dials ep, serves the connection, and dials again RedialDelay after it ends, until ctx
// ends; then it returns ctx.Err(). Failed dials (QEMU not started yet) are retried and not
// reported; a connection that ends in an error is reported through OnEvent
// (EventDisconnected with Err).
func (c *Client) DialAndServe(ctx context.Context, ep Endpoint) error {
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, ep.Network, ep.Address)
		if err == nil {
			_ = c.Serve(ctx, conn)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := sleep(ctx, c.redialDelay()); err != nil {
			return err
		}
	}
}

// ListenAndServe is for a QEMU whose chardev connects (-chardev socket without server=on,
// with reconnect=N so it comes back): it accepts one connection at a time on l and serves
// it, until ctx ends; then it closes l and returns ctx.Err(). A second connection waits
// until the first ends (ccid-card-passthru has one card).
func (c *Client) ListenAndServe(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer l.Close()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if err := sleep(ctx, c.redialDelay()); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("vscard: accept: %w", err)
		}
		_ = c.Serve(ctx, conn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Listen opens a listener on ep (a unix socket file left by an earlier run is removed
// first, if it is a socket).
func Listen(ep Endpoint) (net.Listener, error) {
	if ep.Network == "unix" {
		removeStaleSocket(ep.Address)
	}
	l, err := net.Listen(ep.Network, ep.Address)
	if err != nil {
		return nil, fmt.Errorf("vscard: listen: %w", err)
	}
	return l, nil
}

func (c *Client) redialDelay() time.Duration {
	if c.RedialDelay > 0 {
		return c.RedialDelay
	}
	return 200 * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
