// Package durable writes the service's small files (the relay's progress,
// the name of the live read model, the generated token secret) so that a
// crash or a power cut leaves either the old content or the new, never a
// part: the content goes to a temporary file in the same directory, is
// synced, and takes its name by a rename (or a link), and then the
// directory is synced so that the new name itself survives.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces the file at path with data, atomically and durably.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // after a successful rename, nothing is there
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	return Sync(filepath.Dir(path))
}

// CreateFile makes the file at path with data unless path exists already,
// atomically and durably: when several processes race, exactly one file
// wins and every caller then finds it complete. It reports whether this
// call created it.
func CreateFile(path string, data []byte, perm fs.FileMode) (bool, error) {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("durable: %w", err)
	}
	return true, Sync(filepath.Dir(path))
}

// writeTemp writes data to a new file beside path, synced to disk, and
// returns its name.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("durable: %w", err)
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Chmod(perm), f.Sync(), f.Close())
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("durable: write %s: %w", path, err)
	}
	return f.Name(), nil
}

// Sync flushes the file or directory at path to disk: for a directory,
// the entries made in it, such as the name a rename gave.
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("durable: sync %s: %w", path, err)
	}
	return nil
}
