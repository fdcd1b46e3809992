// Package pcschost runs a private pcscd with the vpcd driver for tests, so that the kiosk's
// PC/SC code, OpenSC and the virtual card (readertest.Card) talk through the real stack
// (pcsc-harness.md, recipe 2b).
//
// Concepts and invariants:
//
//   - Isolation: pcscd always serves /run/pcscd/pcscd.comm; New runs it under
//     `unshare --mount` with a bind mount of Host.Dir/run onto /run/pcscd, so its socket is
//     Host.Socket and several test binaries (or a machine-wide pcscd) never collide. Needs root.
//   - Ports: a random even port pair P, P+1 in 41000..59998, checked free by binding (never by
//     connecting: vpcd would take a probe for a card), chosen and bound under an flock on
//     $TMPDIR/madoguchi-pcschost.lock so parallel packages never pick the same pair. pcscd is
//     ready when `ss -ltnp` shows its PID on both ports.
//   - Clients: libpcsclite reads PCSCLITE_CSOCK_NAME ONCE per process (pthread_once in
//     getSocketName, pcsc-lite source). New therefore sets it in this process's environment
//     before any client connects, and uses one socket path per process (Host.Dir is fixed per
//     PID), so a restarted host is found again. Child processes get Host.Env / Host.Command.
//   - Sharing: Main(m) in TestMain makes all tests of a binary share one pcscd (started lazily
//     by the first Start, stopped at the end). Without Main, Start stops it at the end of the
//     test that started it. Cards a test inserted are removed when that test ends.
//   - Missing pcscd/vpcd/unshare/ss fail the test (never skip) with the Debian package names.
//   - Stop: SIGTERM by PID and wait for the exit (pcscd takes up to a few seconds); SIGKILL after
//     10 s. Nothing is killed by name.
//   - Insert/Remove attach a card through readertest.VPCD and wait until pcscd reports the
//     slot present/absent (SCardGetStatusChange), about 0.4–0.8 s each (pcscd polls every 0.4 s).
//
// RunPKCS11Sign runs OpenSC's pkcs11-tool (login, sign with SHA256-RSA-PKCS) against the
// host and reports the signature, the wall time and the card's APDU/byte counts: the OpenSC
// baseline for the kiosk's "card inserted → signed challenge".
package pcschost
