package readmodel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/customersvc/customersvc/internal/durable"
)

// A data directory holds the live read model in one file and, during a
// rebuild, the copy that is to replace it. CurrentFile names the live one;
// without it, the live one is DefaultFile.
const (
	DefaultFile = "readmodel.db"
	CurrentFile = "readmodel.current"
)

// OpenCurrent opens the live read model of the data directory dir.
func OpenCurrent(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	path, err := CurrentPath(dir)
	if err != nil {
		return nil, err
	}
	return Open(ctx, path, opts...)
}

// CurrentPath returns the path of the live read-model file of dir.
func CurrentPath(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, CurrentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return filepath.Join(dir, DefaultFile), nil
	}
	if err != nil {
		return "", fmt.Errorf("read model: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if _, err := fileGeneration(name); err != nil {
		return "", fmt.Errorf("read model: %s: %w", filepath.Join(dir, CurrentFile), err)
	}
	return filepath.Join(dir, name), nil
}

// NextPath returns the file for the next rebuild of dir's read model:
// readmodel-<n>.db, n one more than the live file's. It stays the same
// until SetCurrent names another file, so an interrupted rebuild finds its
// copy again.
func NextPath(dir string) (string, error) {
	current, err := CurrentPath(dir)
	if err != nil {
		return "", err
	}
	n, err := fileGeneration(filepath.Base(current))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("readmodel-%d.db", n+1)), nil
}

// fileGeneration is 0 for DefaultFile and n for readmodel-<n>.db.
func fileGeneration(name string) (int, error) {
	if name == DefaultFile {
		return 0, nil
	}
	digits, ok := strings.CutPrefix(name, "readmodel-")
	if ok {
		digits, ok = strings.CutSuffix(digits, ".db")
	}
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n < 1 || strconv.Itoa(n) != digits {
		return 0, fmt.Errorf("%q is not a read-model file name", name)
	}
	return n, nil
}

// SetCurrent records that path, a read-model file in dir, is the live
// one from now on. It replaces CurrentFile durably, so a crash leaves the
// old or the new name.
func SetCurrent(dir, path string) error {
	name := filepath.Base(path)
	if filepath.Clean(filepath.Dir(path)) != filepath.Clean(dir) {
		return fmt.Errorf("read model: %s is not in %s", path, dir)
	}
	if _, err := fileGeneration(name); err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dir, CurrentFile), []byte(name+"\n"), 0o600); err != nil {
		return fmt.Errorf("read model: set current file: %w", err)
	}
	return nil
}

// RemoveFile deletes a read-model file that is not open, with its
// write-ahead log and shared-memory files.
func RemoveFile(path string) error {
	var errs []error
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
