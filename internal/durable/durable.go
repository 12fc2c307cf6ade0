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

// Tightened is a file or directory whose mode Private narrowed.
type Tightened struct {
	Path     string
	From, To fs.FileMode
}

// Private makes path, and when it is a directory everything under it,
// private to its owner: the group's and others' permission bits are
// removed (0644 becomes 0600, 0755 0700); the owner's are kept. Symbolic
// links are neither changed nor followed, and the paths skip names are
// left as they are. It returns what it changed, and stops at the first
// path it cannot change (a file of another user, say).
func Private(path string, skip func(path string) bool) ([]Tightened, error) {
	var changed []Tightened
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("durable: %w", err)
		}
		if d.Type()&fs.ModeSymlink != 0 || (skip != nil && skip(p)) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("durable: %w", err)
		}
		from := info.Mode().Perm()
		if from&0o077 == 0 {
			return nil
		}
		to := from &^ 0o077
		if err := os.Chmod(p, to|info.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return fmt.Errorf("durable: make private: %w", err)
		}
		changed = append(changed, Tightened{Path: p, From: from, To: to})
		return nil
	})
	return changed, err
}
