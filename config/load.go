package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"madoguchi/internal/safetext"
)

// MaxFileSize is the largest config file Load reads.
const MaxFileSize = 1 << 20

// Load reads, decodes and validates the config file at path and checks the files it
// names (CheckFiles). On any problem it returns nil and a Problems error listing every
// problem found, each with file, line, key and what is allowed. Only a TOML syntax error
// stops the checks early: nothing after it can be read reliably.
func Load(path string) (*Config, error) { return load(osFS{}, path) }

func load(fsys fileSystem, path string) (*Config, error) {
	fail := func(msg string) (*Config, error) { return nil, Problems{{File: path, Msg: msg}} }
	fi, err := fsys.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail("config file does not exist")
	case err != nil:
		return fail("cannot read config file: " + errText(err))
	case fi.IsDir():
		return fail("is a directory, not a config file")
	case fi.Size() > MaxFileSize:
		return fail(fmt.Sprintf("config file is %d bytes; the limit is %d", fi.Size(), MaxFileSize))
	}
	data, err := fsys.ReadFile(path)
	if err != nil {
		return fail("cannot read config file: " + errText(err))
	}
	c, probs, skip := parse(path, data)
	if c != nil {
		probs = append(probs, c.checkFiles(fsys, skip)...)
	}
	if len(probs) > 0 {
		return nil, probs.sorted()
	}
	return c, nil
}

// Parse decodes and validates a config file's contents without touching the file system:
// name is used in messages and to resolve relative paths (against its directory).
// It returns nil and a Problems error listing every problem found.
func Parse(name string, data []byte) (*Config, error) {
	c, probs, _ := parse(name, data)
	if len(probs) > 0 {
		return nil, probs.sorted()
	}
	return c, nil
}

func parse(name string, data []byte) (*Config, Problems, map[string]bool) {
	var root map[string]any
	if _, err := toml.Decode(string(data), &root); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := "TOML syntax error: " + pe.Message
			if key := secretOnLine(data, pe.Position.Line); key != "" {
				msg = "TOML syntax error in the value of " + key + " (the parser's message is not shown: it would repeat the secret); " +
					`write it as a quoted string, e.g. ` + key[strings.LastIndexByte(key, '.')+1:] + ` = "…"`
			}
			return nil, Problems{{File: name, Line: pe.Position.Line, Col: pe.Position.Col, Msg: msg}}, nil
		}
		if key := secretOnLine(data, 0); key != "" {
			return nil, Problems{{File: name, Msg: "TOML: cannot read the file (the message is not shown: the file sets " + key + ", a secret)"}}, nil
		}
		return nil, Problems{{File: name, Msg: "TOML: " + err.Error()}}, nil
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	dir := filepath.Dir(abs)
	if name == "" {
		dir = abs // the current directory
	}
	d := &decoder{file: name, dir: dir, lines: locate(data), bad: map[string]bool{}}
	c := d.decode(root)
	c.File, c.name, c.lines = abs, name, d.lines
	probs := append(d.probs, c.validate(d.bad)...)
	return c, probs, d.bad
}

// secretOnLine returns the secret key named on 1-based line n of data (the line before
// too, for errors reported at the start of the next line), or on any line when n is 0,
// and "" when there is none.
func secretOnLine(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if n > 0 && i+1 != n && i+2 != n {
			continue
		}
		for _, k := range secretNames {
			if strings.Contains(l, k) {
				for full := range secretKeys {
					if strings.HasSuffix(full, "."+k) {
						return full
					}
				}
			}
		}
	}
	return ""
}

// Check loads the config file at path and writes either "PATH: ok" or every problem, one
// per line, followed by a count. It reports whether the file is good; `kiosk check-config`
// exits 0 exactly when it is.
func Check(path string, w io.Writer) bool {
	_, err := Load(path)
	if err == nil {
		fmt.Fprintf(w, "%s: ok\n", safetext.String(path))
		return true
	}
	var ps Problems
	if !errors.As(err, &ps) {
		fmt.Fprintln(w, safetext.Error(err))
		return false
	}
	for _, p := range ps {
		fmt.Fprintln(w, p)
	}
	if len(ps) == 1 {
		fmt.Fprintf(w, "%s: 1 problem\n", safetext.String(path))
	} else {
		fmt.Fprintf(w, "%s: %d problems\n", safetext.String(path), len(ps))
	}
	return false
}
