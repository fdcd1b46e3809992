// Package systemdtest plays systemd's side of the notification protocol for tests: a
// real unixgram socket that collects the datagrams a service sends.
package systemdtest

import (
	"net"
	"testing"
	"time"
)

// Listen listens on the unix socket name ("\x00name" for an abstract one) until the test
// ends and returns the datagrams received, in order.
func Listen(t testing.TB, name string) <-chan string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return ch
}

// Next waits up to 5 s for the next datagram.
func Next(t testing.TB, ch <-chan string) string {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	return ""
}
