package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Create writes data to the new file path with mode perm, durably (see the package
// invariants). Concurrent Creates of one name must be serialised by the caller on a
// file system without hard links.
func Create(path string, data []byte, perm os.FileMode) error {
	dir, name := filepath.Split(path)
	part := filepath.Join(dir, "."+name+".part")
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("durable: %s: %w", path, fs.ErrExist)
	}
	if err := os.Remove(part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("durable: %w", err)
	}
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(part)
		return fmt.Errorf("durable: write %s: %w", path, err)
	}
	if err := linkOrRename(part, path); err != nil {
		os.Remove(part)
		return fmt.Errorf("durable: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("durable: write %s: %w", path, err)
	}
	return nil
}

// linkOrRename gives the synced part file its name without replacing an existing file:
// a hard link (atomic, fails if the name exists), or on a file system without hard
// links a rename after the name was found free.
func linkOrRename(part, path string) error {
	err := os.Link(part, path)
	switch {
	case err == nil:
		return os.Remove(part)
	case errors.Is(err, fs.ErrExist):
		return err
	}
	if _, serr := os.Lstat(path); serr == nil {
		return fmt.Errorf("%s: %w", path, fs.ErrExist)
	}
	return os.Rename(part, path)
}

// syncDir makes the folder's entries (the new name) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	return errors.Join(serr, cerr)
}
