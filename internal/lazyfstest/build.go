package lazyfstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// recipe names this file's build steps in the cache key: change it when they change.
const recipe = "lazyfs-debian12-v1"

// srcEnv names the LazyFS source folder when it is not shared/third_party/lazyfs above
// the working directory; cacheEnv the cache folder (default: the user cache's madoguchi).
const (
	srcEnv   = "MADOGUCHI_LAZYFS_SRC"
	cacheEnv = "MADOGUCHI_CACHE"
)

// debianPackages are what the build and the mount need (the Makefile's PKGS_LAZYFS).
var debianPackages = []string{"cmake", "g++", "libfuse3-dev", "fuse3", "libtoml11-dev", "libspdlog-dev"}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Binary returns the path of the lazyfs executable, building it on first use (once per
// process; once per source hash on the machine).
func Binary() (string, error) {
	buildOnce.Do(func() { builtBin, buildErr = build() })
	return builtBin, buildErr
}

// findSource returns the LazyFS source folder.
func findSource() (string, error) {
	if d := os.Getenv(srcEnv); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("lazyfs source: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		for _, rel := range []string{"shared/third_party/lazyfs", "third_party/lazyfs"} {
			c := filepath.Join(d, rel)
			if _, err := os.Stat(filepath.Join(c, "UPSTREAM-COMMIT")); err == nil {
				return c, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("lazyfs source: no shared/third_party/lazyfs in any folder above %s (set %s)", wd, srcEnv)
		}
	}
}

// sourceHash hashes every file's relative path, mode and content, and the recipe.
func sourceHash(src string) (string, error) {
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", recipe)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(src, p)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func cacheRoot() (string, error) {
	if d := os.Getenv(cacheEnv); d != "" {
		return filepath.Join(d, "lazyfs"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("lazyfs cache: %w", err)
	}
	return filepath.Join(d, "madoguchi", "lazyfs"), nil
}

func missingTools() []string {
	var miss []string
	for _, tool := range []string{"cmake", "g++", "fusermount3"} {
		if _, err := exec.LookPath(tool); err != nil {
			miss = append(miss, tool)
		}
	}
	for _, hdr := range []string{"/usr/include/fuse3/fuse.h", "/usr/include/toml.hpp", "/usr/include/spdlog/spdlog.h"} {
		if _, err := os.Stat(hdr); err != nil {
			miss = append(miss, hdr)
		}
	}
	return miss
}

func build() (string, error) {
	src, err := findSource()
	if err != nil {
		return "", err
	}
	hash, err := sourceHash(src)
	if err != nil {
		return "", fmt.Errorf("lazyfs source hash: %w", err)
	}
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, hash)
	bin := filepath.Join(dir, "src", "lazyfs", "build", "lazyfs")
	stamp := filepath.Join(dir, "built")
	if _, err := os.Stat(stamp); err == nil {
		return bin, nil
	}
	if miss := missingTools(); len(miss) > 0 {
		return "", fmt.Errorf("lazyfs build: missing %s (Debian packages %s; `make deps` installs them)",
			strings.Join(miss, ", "), strings.Join(debianPackages, " "))
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("lazyfs cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("lazyfs cache lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lazyfs cache lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(stamp); err == nil { // another process built it meanwhile
		return bin, nil
	}
	// The build tree stays where it is built: the lazyfs binary finds libpcache.so
	// through the build tree's run path.
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("lazyfs cache: %w", err)
	}
	tree := filepath.Join(dir, "src")
	if err := copyTree(src, tree); err != nil {
		return "", fmt.Errorf("lazyfs copy: %w", err)
	}
	if err := patchCMake(tree); err != nil {
		return "", err
	}
	steps := []struct {
		dir  string
		args []string
	}{
		{"libs/libpcache/build", []string{"cmake", "-DCMAKE_BUILD_TYPE=Release", ".."}},
		{"libs/libpcache/build", []string{"cmake", "--build", ".", "-j2"}},
		{"lazyfs/build", []string{"cmake", "-DCMAKE_BUILD_TYPE=Release", "-DLAZYFS_BUILD_TESTS=OFF", ".."}},
		{"lazyfs/build", []string{"cmake", "--build", ".", "-j2"}},
	}
	for _, s := range steps {
		wd := filepath.Join(tree, s.dir)
		if err := os.MkdirAll(wd, 0o755); err != nil {
			return "", err
		}
		cmd := exec.Command("nice", s.args...)
		cmd.Dir = wd
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("lazyfs build (%s in %s): %w\n%s", strings.Join(s.args, " "), s.dir, err, tail(out.String(), 4000))
		}
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("lazyfs build: no binary: %w", err)
	}
	if err := os.WriteFile(stamp, []byte(hash+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("lazyfs build stamp: %w", err)
	}
	return bin, nil
}

// cmakeEdit is one replacement in the copy's CMake files: upstream downloads toml11 and
// spdlog with FetchContent, which cannot work offline; Debian ships the exact versions
// upstream pins (toml11 3.7.1, spdlog 1.10.0) with CMake package files.
type cmakeEdit struct {
	file     string
	from, to string // from "" with cut: replace the text from cut[0] through cut[1]
	cut      [2]string
}

var cmakeEdits = []cmakeEdit{
	{file: "libs/libpcache/CMakeLists.txt", cut: [2]string{"include(FetchContent)", "set_target_properties(spdlog PROPERTIES POSITION_INDEPENDENT_CODE ON)"},
		to: "find_package(toml11 REQUIRED)\nfind_package(spdlog REQUIRED)"},
	{file: "libs/libpcache/CMakeLists.txt", from: "target_link_libraries(pcache toml11::toml11 spdlog)",
		to: "target_link_libraries(pcache toml11::toml11 spdlog::spdlog)"},
	{file: "lazyfs/CMakeLists.txt", from: "find_package(Threads REQUIRED)",
		to: "find_package(Threads REQUIRED)\nfind_package(toml11 REQUIRED)\nfind_package(spdlog REQUIRED)"},
	{file: "lazyfs/CMakeLists.txt", from: "target_link_libraries(${CMAKE_PROJECT_NAME} fuse3 Threads::Threads libpcache.so)",
		to: "target_link_libraries(${CMAKE_PROJECT_NAME} fuse3 Threads::Threads libpcache.so spdlog::spdlog toml11::toml11)"},
}

func patchCMake(tree string) error {
	for _, e := range cmakeEdits {
		p := filepath.Join(tree, e.file)
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("lazyfs patch: %w", err)
		}
		s := string(b)
		switch {
		case e.from != "":
			if !strings.Contains(s, e.from) {
				return fmt.Errorf("lazyfs patch: %s no longer contains %q (upstream changed: update the recipe)", e.file, e.from)
			}
			s = strings.Replace(s, e.from, e.to, 1)
		default:
			i, j := strings.Index(s, e.cut[0]), strings.Index(s, e.cut[1])
			if i < 0 || j < i {
				return fmt.Errorf("lazyfs patch: %s no longer has the block %q … %q (upstream changed: update the recipe)", e.file, e.cut[0], e.cut[1])
			}
			s = s[:i] + e.to + s[j+len(e.cut[1]):]
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			return fmt.Errorf("lazyfs patch: %w", err)
		}
	}
	return nil
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(out, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.WriteFile(out, b, info.Mode().Perm()|0o200)
		case d.Type()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(t, out)
		}
		return errors.New("unexpected file type: " + p)
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
