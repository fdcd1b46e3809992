// Package lazyfstest runs LazyFS, a FUSE file system that keeps every write in its own
// cache until the writer fsyncs it, under a test: what a power cut does to a program
// that trusted the page cache, reproduced on demand. Tests of every package that
// persists something (offline's queue, center/server's database, cmd/kiosk's files)
// put their data folder on it and cut the power at chosen moments.
//
// It lives in internal/ because it is a test tool of the whole module, owned by none of
// its packages; nothing outside tests imports it.
//
// # Concepts
//
//   - Build: LazyFS is built once from its unmodified upstream source (found as
//     shared/third_party/lazyfs in a folder above the module, or named by
//     MADOGUCHI_LAZYFS_SRC) into a cache folder keyed by the hash of that source and of
//     this package's build recipe (MADOGUCHI_CACHE, else the user cache folder's
//     madoguchi/lazyfs). The source folder is read-only: the build works on a copy whose
//     CMake files use Debian's toml11 and spdlog instead of downloading them. The Debian
//     packages it needs (cmake g++ libfuse3-dev fuse3 libtoml11-dev libspdlog-dev) are
//     installed by `make deps`. Concurrent test binaries build it once (a file lock).
//   - Mount: an FS is one LazyFS process serving a fresh backing folder (Root) at a
//     mount point (Dir) for the length of a test; it is unmounted in t.Cleanup whether the
//     test passed or not (fusermount3 -u, then a lazy unmount if the folder is busy).
//   - Faults, written to LazyFS's fault FIFO: ClearCache drops everything not fsynced
//     (and waits until it is done); PowerCut stops a process, clears the cache and kills
//     the process, so nothing it wrote after the cut's instant survives and nothing it
//     did not sync before it does; CrashAt (before or after an operation such as fsync
//     or rename on a path) and TornOp / TornSeq (a write, or a sequence of writes between
//     two fsyncs, only partly persisted) make LazyFS kill itself at that moment, losing
//     its cache. After such a crash Remount serves the same backing folder again: what is
//     there is what the disk held. Ending LazyFS is itself a power cut (its cache goes
//     with it), so Remount kills a running one, and PowerCut does when a thread of the
//     process does not stop or LazyFS does not answer a clear-cache within seconds (the
//     waits tolerate a loaded machine; past them LazyFS is taken as wedged); the test
//     then remounts.
//   - Fault FIFOs: every LazyFS gets new ones. The harness holds them open read-write,
//     so a pipe would outlive its LazyFS: a command sent as LazyFS died would reach the
//     next one and the clear-cache answers would be off by one — ClearCache returning
//     before the clear, which then hits the restarted process, not the cut one.
//   - PowerCut waits until every thread of the process is stopped (a thread inside a
//     FUSE request stops once LazyFS answered it), so no write is on its way into LazyFS
//     while the cache is cleared.
//   - SQLite's -shm file is memory-mapped, which FUSE does not serve coherently (a
//     reader gets SIGBUS once LazyFS dropped the file's unsynced size); nothing in it
//     must survive a cut (SQLite rebuilds it from the WAL), so BindOutside keeps it on
//     the ordinary file system, bind-mounted into Dir and emptied at every cut.
//   - LazyFS gets SIGTERM (and unmounts) when the test process dies, so a crashed test
//     binary leaves no mount behind.
//   - A machine without /dev/fuse (or not root, which FUSE's allow_other needs here)
//     skips with a message naming what is missing; anything else missing fails.
package lazyfstest
