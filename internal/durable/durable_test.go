package durable_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/customersvc/customersvc/internal/durable"
)

func TestWriteFileReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	for _, content := range []string{"first", "second"} {
		if err := durable.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", info.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestCreateFileOnceUnderRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secret")
	var wg sync.WaitGroup
	created := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			content := string(rune('a' + i))
			ok, err := durable.CreateFile(path, []byte(content), 0o600)
			if err != nil {
				t.Error(err)
			}
			if ok {
				created <- content
			}
		})
	}
	wg.Wait()
	close(created)
	var winners []string
	for c := range created {
		winners = append(winners, c)
	}
	got, err := os.ReadFile(path)
	if err != nil || len(winners) != 1 || string(got) != winners[0] {
		t.Fatalf("winners %v, file %q (%v)", winners, got, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}
