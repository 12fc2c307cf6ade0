package readmodel_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/customersvc/customersvc/query/readmodel"
)

func TestCurrentFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	mustPath := func(f func(string) (string, error), want string) {
		t.Helper()
		got, err := f(dir)
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	mustPath(readmodel.CurrentPath, path("readmodel.db"))
	mustPath(readmodel.NextPath, path("readmodel-1.db"))

	if err := readmodel.SetCurrent(dir, path("readmodel-1.db")); err != nil {
		t.Fatal(err)
	}
	mustPath(readmodel.CurrentPath, path("readmodel-1.db"))
	mustPath(readmodel.NextPath, path("readmodel-2.db"))
	if matches, _ := filepath.Glob(path(".readmodel.current-*")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}

	for _, bad := range []string{"../readmodel-3.db", "other.db", "readmodel-0.db", "readmodel-01.db", "readmodel-x.db"} {
		if err := readmodel.SetCurrent(dir, filepath.Join(dir, bad)); err == nil {
			t.Errorf("SetCurrent accepted %q", bad)
		}
	}
	if err := readmodel.SetCurrent(dir, filepath.Join(t.TempDir(), "readmodel-3.db")); err == nil {
		t.Error("SetCurrent accepted a file in another directory")
	}
	if err := os.WriteFile(path(readmodel.CurrentFile), []byte("/etc/passwd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := readmodel.CurrentPath(dir); err == nil {
		t.Fatalf("CurrentPath accepted %q", p)
	}
}

func TestRemoveFile(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := openStore(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := readmodel.RemoveFile(path); err != nil {
		t.Fatal(err)
	}
	if matches, _ := filepath.Glob(path + "*"); len(matches) != 0 {
		t.Fatalf("left %v", matches)
	}
	if err := readmodel.RemoveFile(path); err != nil {
		t.Fatalf("removing again: %v", err)
	}
}
