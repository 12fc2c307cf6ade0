package durable_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/customersvc/customersvc/internal/durable"
)

// TestPrivate: the group's and others' bits go from a directory and
// everything under it, the owner's stay; skipped paths and what links
// point to are left alone.
func TestPrivate(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "outside")
	modes := map[string]os.FileMode{
		"":                  0o755,
		"a":                 0o644,
		"ro":                0o444,
		"private":           0o600,
		"skipped":           0o644,
		"sub":               0o777,
		"sub/b":             0o666,
		"sub/deeper":        0o750,
		"sub/deeper/c":      0o640,
		"sub/deeper/closed": 0o700,
	}
	names := make([]string, 0, len(modes))
	for name := range modes {
		names = append(names, name)
	}
	sort.Strings(names) // parents first
	for _, name := range names {
		path := filepath.Join(root, name)
		if modes[name]&0o100 != 0 && name != "" {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		} else if name != "" {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, name := range names {
		if err := os.Chmod(filepath.Join(root, name), modes[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	changed, err := durable.Private(root, func(p string) bool { return p == filepath.Join(root, "skipped") })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"": 0o700, "a": 0o600, "ro": 0o400, "private": 0o600, "skipped": 0o644, "sub": 0o700,
		"sub/b": 0o600, "sub/deeper": 0o700, "sub/deeper/c": 0o600, "sub/deeper/closed": 0o700}
	for name, mode := range want {
		info, err := os.Stat(filepath.Join(root, name))
		if err != nil || info.Mode().Perm() != mode {
			t.Errorf("%q: %v, want %04o (%v)", name, info.Mode(), mode, err)
		}
	}
	if len(changed) != 7 {
		t.Errorf("reported %d changes, want 7: %+v", len(changed), changed)
	}
	if info, err := os.Stat(outside); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("a link was followed: %v %v", info.Mode(), err)
	}
}
